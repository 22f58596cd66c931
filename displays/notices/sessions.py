"""Operator page sessions: a random server-side session id in an HttpOnly, SameSite=Strict
cookie (never the token itself), with a CSRF synchroniser token tied to the session.

The session's token is looked up on every request, so revoking a token ends its sessions.
Sign-in has its own double-submit cookie against login CSRF.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from aiohttp import web

from displays.notices.auth import Principal, principal_of
from displays.notices.store import NoticeStore
from displays.service.cluster.keys import SESSION_TTL_S
from displays.web.appkeys import runtime
from displays.web.http import is_secure

SESSION_COOKIE = "abfahrt_operator"
LOGIN_COOKIE = "abfahrt_login"
COOKIE_PATH = "/operator"


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    principal: Principal
    csrf: str


def set_cookie(response: web.StreamResponse, request: web.Request, name: str, value: str,
               max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, path=COOKIE_PATH, httponly=True,
                        samesite="Strict",
                        secure=is_secure(request, runtime(request.app).settings.trusted_proxies))


async def open_session(store: NoticeStore, principal: Principal) -> Session:
    """Start a server-side session for a principal who just proved their token."""
    session = Session(secrets.token_urlsafe(32), principal, secrets.token_urlsafe(32))
    await store.save_session(session.id, {"token_id": principal.token_id,
                                          "csrf": session.csrf}, SESSION_TTL_S)
    return session


async def session_of(store: NoticeStore, request: web.Request) -> Session | None:
    """The request's valid session, or None (no cookie, expired, or its token revoked)."""
    session_id = request.cookies.get(SESSION_COOKIE, "")
    if not session_id or len(session_id) > 100:
        return None
    data = await store.get_session(session_id)
    if data is None:
        return None
    record = await store.get_token(str(data.get("token_id", "")))
    principal = principal_of(record) if record is not None else None
    if principal is None:
        return None
    return Session(session_id, principal, str(data.get("csrf", "")))


def csrf_ok(expected: str, given: str | None) -> bool:
    """Constant-time check of a submitted synchroniser token (compared as UTF-8 bytes: any
    text a client sends is a wrong token, never an error)."""
    return bool(expected) and given is not None and hmac.compare_digest(
        expected.encode("utf-8", "surrogatepass"), given.encode("utf-8", "surrogatepass"))

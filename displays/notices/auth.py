"""Operator authentication: bearer tokens with roles, and the per-token write rate limit.

A token reads `abf.<id>.<secret>`: the id finds the record, the secret (32 random bytes) is
stored only as its SHA-256 and compared with `hmac.compare_digest`. Tokens are created and
revoked on the command line (`abfahrt tokens`), never over HTTP. RFC 6750: a missing or wrong
token is 401 with `WWW-Authenticate: Bearer`; a role that may not act is 403 with
`error="insufficient_scope"`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from aiohttp import web

from displays.notices.store import NoticeStore, Record

TOKEN_PREFIX = "abf"
REALM = 'Bearer realm="abfahrt"'
_DUMMY_HASH = hashlib.sha256(b"no such token").hexdigest()


class Role(StrEnum):
    OPERATOR = "operator"      # reads and writes notices
    ADMIN = "admin"            # also reads the audit log


class Scope(StrEnum):
    NOTICES = "notices"
    AUDIT = "audit"


GRANTS: dict[Role, frozenset[Scope]] = {
    Role.OPERATOR: frozenset({Scope.NOTICES}),
    Role.ADMIN: frozenset({Scope.NOTICES, Scope.AUDIT}),
}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who acts: the token id, its name (shown as author) and role."""

    token_id: str
    name: str
    role: Role

    def may(self, scope: Scope) -> bool:
        return scope in GRANTS[self.role]

    def as_actor(self) -> dict[str, str]:
        return {"token_id": self.token_id, "name": self.name, "role": self.role.value}


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_token(name: str, role: Role, created_iso: str) -> tuple[str, Record]:
    """Return (the bearer token to hand out once, the record to store)."""
    token_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    record = {"id": token_id, "name": name, "role": role.value, "sha256": hash_secret(secret),
              "created": created_iso, "revoked": None}
    return f"{TOKEN_PREFIX}.{token_id}.{secret}", record


def split_token(token: str) -> tuple[str, str] | None:
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def verify_token(record: Record | None, secret: str) -> Principal | None:
    """Return the principal of a stored token record when `secret` matches (constant time)."""
    expected = record.get("sha256", _DUMMY_HASH) if record else _DUMMY_HASH
    matches = hmac.compare_digest(expected, hash_secret(secret))
    if record is None or not matches:
        return None
    return principal_of(record)


def principal_of(record: Record) -> Principal | None:
    """The principal of a token record, None when it is revoked or malformed."""
    if record.get("revoked"):
        return None
    try:
        return Principal(token_id=str(record["id"]), name=str(record.get("name", "")),
                         role=Role(record["role"]))
    except (KeyError, ValueError):
        return None


async def principal_for(store: NoticeStore, token: str) -> Principal | None:
    """Return who a bearer token belongs to, or None for an unknown, wrong or revoked token."""
    parts = split_token(token.strip()) if len(token) < 512 else None
    if parts is None:
        verify_token(None, token[:512])          # same work as for a wrong secret
        return None
    token_id, secret = parts
    return verify_token(await store.get_token(token_id), secret)


def bearer_of(request: web.Request) -> str | None:
    """The token of an `Authorization: Bearer` header (never from the query, RFC 6750 §2.3)."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def unauthorized(message: str, invalid: bool) -> web.HTTPUnauthorized:
    challenge = f'{REALM}, error="invalid_token"' if invalid else REALM
    return web.HTTPUnauthorized(text=message, headers={"WWW-Authenticate": challenge})


def forbidden(scope: Scope) -> web.HTTPForbidden:
    return web.HTTPForbidden(
        text=f"insufficient_scope: this token's role may not use {scope.value}",
        headers={"WWW-Authenticate": f'{REALM}, error="insufficient_scope", '
                                     f'scope="{scope.value}"'})


async def optional_principal(store: NoticeStore, request: web.Request) -> Principal | None:
    """The caller when a valid token is sent; 401 when a token is sent but is not valid."""
    token = bearer_of(request)
    if token is None:
        if "Authorization" in request.headers:
            raise unauthorized("Authorization must be 'Bearer <token>'", invalid=True)
        return None
    principal = await principal_for(store, token)
    if principal is None:
        raise unauthorized("unknown or revoked token", invalid=True)
    return principal


async def require(store: NoticeStore, request: web.Request, scope: Scope) -> Principal:
    """The caller, who must hold a token whose role grants `scope` (401 / 403 otherwise)."""
    principal = await optional_principal(store, request)
    if principal is None:
        raise unauthorized("a bearer token is required", invalid=False)
    if not principal.may(scope):
        raise forbidden(scope)
    return principal


async def check_rate(store: NoticeStore, bucket: str, per_min: int, now: int) -> None:
    """Count one write for `bucket` at `now` (the service's clock); 429 with Retry-After when
    `per_min` writes lie in the last 60 seconds."""
    counted, left = await store.hit(bucket, 60, per_min, now)
    if not counted:
        raise web.HTTPTooManyRequests(
            text=f"too many writes: at most {per_min} per minute", headers={
                "Retry-After": str(max(1, left))})


def public_token(record: Record) -> dict[str, Any]:
    """A token record without its hash (for `abfahrt tokens list`)."""
    return {k: v for k, v in record.items() if k != "sha256"}

"""The notices API (/api/v1/notices, /api/v1/audit) and the open-data alerts feed
(/gtfs-rt/alerts.pb). Thin handlers: authenticate, rate-limit writes, call the service.

Every answer here carries `Cache-Control: no-store` (except the public feed); errors are JSON
`{"error": {"status", "code", "message"}}`, and a 422 (`invalid_notice`) adds `field` and
`errors: [{field, message}]`.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from displays.board.alert import BoardAlert
from displays.notices.auth import (
    Principal,
    Scope,
    check_rate,
    optional_principal,
    require,
)
from displays.notices.export import build_alerts_feed
from displays.notices.model import Notice, Status
from displays.notices.service import (
    NoticeNotFound,
    NoticeService,
    NoticeWithdrawn,
    RevisionMismatch,
)
from displays.notices.store import StoreUnavailable
from displays.notices.validation import NoticeInvalid
from displays.service.runtime import Runtime
from displays.web.appkeys import runtime
from displays.web.http import error_json, json_response
from displays.web.params import parse_int
from realtime.encode import encode_feed_dict

routes = web.RouteTableDef()
log = logging.getLogger("abfahrt.notices")


@dataclass
class NoticesSlot:
    """Where the app finds the notice service: set before the app starts, filled once the
    service runs (a started aiohttp app must not change its own keys)."""

    service: NoticeService | None = None


NOTICES: web.AppKey[NoticesSlot] = web.AppKey("notices", NoticesSlot)
NO_STORE = {"Cache-Control": "no-store"}
PASSED_HEADERS = ("WWW-Authenticate", "Retry-After", "Allow")
MAX_ID = 64
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def invalid_response(exc: NoticeInvalid) -> web.Response:
    return error_json(422, str(exc), dict(NO_STORE), code="invalid_notice", field=exc.field,
                      errors=[{"field": f, "message": m} for f, m in exc.errors])


def answered(handler: Handler) -> Handler:
    """Turn domain and HTTP errors into JSON answers that keep `no-store` and auth headers."""
    @functools.wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except NoticeInvalid as exc:
            return invalid_response(exc)
        except NoticeNotFound as exc:
            return error_json(404, f"no notice {str(exc)[:64]!r}", dict(NO_STORE))
        except RevisionMismatch as exc:
            headers = dict(NO_STORE)
            if exc.current is not None:
                headers["ETag"] = notice_etag(exc.current)
            return error_json(412, f"If-Match does not match: {exc}; GET the notice again "
                              "and repeat the change on its current revision", headers)
        except NoticeWithdrawn as exc:
            return error_json(409, str(exc), {**NO_STORE, "ETag": notice_etag(exc.current)})
        except StoreUnavailable as exc:
            log.error("notice store unavailable: %s", exc)
            return error_json(503, "the notice store is unavailable; nothing was changed",
                              {**NO_STORE, "Retry-After": "10"})
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            headers = {k: exc.headers[k] for k in PASSED_HEADERS if k in exc.headers}
            return error_json(exc.status, exc.text or exc.reason, {**NO_STORE, **headers})
    return wrapper


def notice_etag(notice: Notice) -> str:
    """A strong ETag naming the notice's revision (RFC 9110 §8.8.3)."""
    return f'"{notice.revision}"'


def if_match(request: web.Request) -> frozenset[int] | None:
    """The revisions a PATCH/DELETE names in If-Match (None for `*`); 428 when missing.

    If-Match is a list (RFC 9110 §13.1.1): the write goes ahead when any of its tags names the
    current revision. A weak or foreign tag can never match (If-Match compares strongly); a
    list of nothing but those is a 412.
    """
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise web.HTTPPreconditionRequired(
            text="If-Match is required: send the ETag of GET /api/v1/notices/{id}, so a "
                 "change made meanwhile is not overwritten")
    if header == "*":
        return None
    revisions = set()
    for tag in header.split(",")[:32]:
        tag = tag.strip()
        if tag.startswith('"') and tag.endswith('"') and tag[1:-1].isascii() \
                and tag[1:-1].isdigit() and len(tag) <= 14:
            revisions.add(int(tag[1:-1]))
    return frozenset(revisions)


def service_of(request: web.Request) -> NoticeService:
    service = request.app[NOTICES].service
    if service is None:
        raise web.HTTPServiceUnavailable(text="starting: the notices are being opened")
    return service


async def read_json(request: web.Request) -> Any:
    """The request body as JSON (413 beyond the app's client_max_size, 400 when not JSON)."""
    raw = await request.read()
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise web.HTTPBadRequest(text="body: not valid JSON (UTF-8)") from None


async def writer(request: web.Request) -> tuple[NoticeService, Principal]:
    """The service and the authorised caller of a write (413 for a too large body first)."""
    declared = request.content_length or 0
    if declared > request.client_max_size:
        raise web.HTTPRequestEntityTooLarge(max_size=request.client_max_size,
                                            actual_size=declared)
    service = service_of(request)
    principal = await require(service.store, request, Scope.NOTICES)
    rt = runtime(request.app)
    await check_rate(service.store, f"write:{principal.token_id}",
                     rt.settings.write_rate_limit_per_min, rt.now())
    return service, principal


def is_public(notice: Notice, at: int) -> bool:
    return notice.status is Status.PUBLISHED and not notice.is_over(at)


@routes.post("/api/v1/notices")
@answered
async def create_notice(request: web.Request) -> web.Response:
    service, principal = await writer(request)
    notice = await service.create(await read_json(request), principal, "api")
    return json_response(service.to_dict(notice), 201, {
        **NO_STORE, "Location": f"/api/v1/notices/{notice.id}", "ETag": notice_etag(notice)})


@routes.get("/api/v1/notices")
@answered
async def list_notices(request: web.Request) -> web.Response:
    """Active and scheduled notices; with a token also drafts, and with `?all=1` everything."""
    service = service_of(request)
    principal = await optional_principal(service.store, request)
    now = runtime(request.app).now()
    if principal is None:
        items = [service.to_dict(n, public=True) for n in service.current(now)
                 if is_public(n, now)]
    else:
        everything = request.query.get("all") in ("1", "true")
        items = [service.to_dict(n) for n in service.current(now, include_over=everything)]
    return json_response({"notices": items}, headers=dict(NO_STORE))


@routes.get("/api/v1/notices/{notice_id}")
@answered
async def get_notice(request: web.Request) -> web.Response:
    service = service_of(request)
    principal = await optional_principal(service.store, request)
    if principal is None:
        notice = service.get(request.match_info["notice_id"])
        if not is_public(notice, runtime(request.app).now()):
            raise NoticeNotFound(notice.id)
        return json_response(service.to_dict(notice, public=True), headers=dict(NO_STORE))
    notice = await service.stored(request.match_info["notice_id"][:MAX_ID])   # fresh: to edit
    return json_response(service.to_dict(notice),
                         headers={**NO_STORE, "ETag": notice_etag(notice)})


@routes.patch("/api/v1/notices/{notice_id}")
@answered
async def patch_notice(request: web.Request) -> web.Response:
    service, principal = await writer(request)
    notice_id = request.match_info["notice_id"][:MAX_ID]
    await service.stored(notice_id)                       # 404 before reading the body
    expected = if_match(request)
    notice = await service.update(notice_id, await read_json(request), principal, "api",
                                  expected)
    return json_response(service.to_dict(notice),
                         headers={**NO_STORE, "ETag": notice_etag(notice)})


@routes.delete("/api/v1/notices/{notice_id}")
@answered
async def withdraw_notice(request: web.Request) -> web.Response:
    """Withdraw: the notice leaves every board, the record and its audit trail stay."""
    service, principal = await writer(request)
    notice_id = request.match_info["notice_id"][:MAX_ID]
    await service.stored(notice_id)
    notice = await service.withdraw(notice_id, principal, "api", if_match(request))
    return json_response(service.to_dict(notice),
                         headers={**NO_STORE, "ETag": notice_etag(notice)})


@routes.get("/api/v1/audit")
@answered
async def audit_log(request: web.Request) -> web.Response:
    """Every write, newest first: who, when, what, before and after (admins only)."""
    service = service_of(request)
    await require(service.store, request, Scope.AUDIT)
    limit = parse_int(request.query, "limit", 100, 1, 1000)
    wanted = request.query.get("notice")
    records = [r for r in reversed(await service.store.load_audit())
               if wanted is None or r.get("notice_id") == wanted]
    return json_response({"audit": records[:limit]}, headers=dict(NO_STORE))


def upstream_alerts(rt: Runtime, now: int) -> list[BoardAlert]:
    """The alerts of every live GTFS-RT source the realtime hub holds."""
    return rt.realtime.live_alerts(rt.tt, now) if rt.realtime is not None else []


@routes.get("/gtfs-rt/alerts.pb")
async def alerts_feed(request: web.Request) -> web.Response:
    """Open data: operator notices and upstream alerts as a GTFS-RT ServiceAlerts feed."""
    rt = runtime(request.app)
    now = rt.now()
    feed = build_alerts_feed(rt.notice_board.current(now), now, upstream_alerts(rt, now))
    headers = {"Cache-Control": "public, max-age=15"}
    if request.query.get("format") == "json":
        return json_response(feed, headers=headers)
    return web.Response(body=encode_feed_dict(feed), content_type="application/x-protobuf",
                        headers=headers)

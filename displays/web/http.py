"""HTTP plumbing shared by the handlers: conditional responses, errors, headers, middleware."""

from __future__ import annotations

import functools
import gzip
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiohttp import web
from multidict import MultiDict, MultiDictProxy, MultiMapping

from displays.service.board_cache import GZIP_MIN_BYTES, CachedBoard
from displays.service.metrics import Metrics
from displays.service.startup import Startup
from displays.web.params import ParamError
from displays.web.rate_limit import RateLimiter, retry_after

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

STATIC_FEED = "X-Static-Feed"    # board responses: the timetable (feed hash) they come from
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
CSP_FRAMEABLE = CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'")
BOARD_PAGES = ("/displays/",)       # display pages: the fleet view shows them framed
STARTING_RETRY_S = 5                # Retry-After while the first timetable is loading


CORS_PREFLIGHT = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, PATCH, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "If-None-Match, Accept-Language, Authorization, "
                                    "Content-Type",
    "Access-Control-Max-Age": "86400",
}


NO_QUERY: MultiMapping[str] = MultiDictProxy(MultiDict())


def query(request: web.Request) -> MultiMapping[str]:
    """The request's query; a pillar's poll has none, and parsing an empty one is not free."""
    return request.query if request.query_string else NO_QUERY


def etag_matches(request: web.Request, etag: str) -> bool:
    """Weak comparison of If-None-Match against our ETag (RFC 9110 §13.1.2)."""
    return etag_listed(request.headers.get("If-None-Match"), etag)


def etag_listed(header: str | None, etag: str) -> bool:
    """Whether an If-None-Match value names `etag` (weakly) or is "*"."""
    if not header:
        return False
    if header == etag:
        return True                  # a poll sends back the one ETag it got
    if header.strip() == "*":
        return True
    ours = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == ours for tag in header.split(","))


def cache_control(max_age: int) -> str:
    """The Cache-Control of a board-like answer (the few values in use are made once)."""
    found = _CACHE_CONTROL.get(max_age)
    if found is None:
        found = f"public, max-age={max(max_age, 0)}, stale-if-error=300"
        if len(_CACHE_CONTROL) < 4096:
            _CACHE_CONTROL[max_age] = found
    return found


_CACHE_CONTROL: dict[int, str] = {}


def content_type_utf8(content_type: str) -> str:
    """`type; charset=utf-8` as aiohttp writes it (made once per type)."""
    found = _CONTENT_TYPES.get(content_type)
    if found is None:
        found = _CONTENT_TYPES[content_type] = f"{content_type}; charset=utf-8"
    return found


_CONTENT_TYPES: dict[str, str] = {}


def conditional(request: web.Request, *, etag: str, body: bytes, content_type: str,
                max_age: int, gz: bytes | None = None,
                vary: str = "Accept-Encoding, Accept-Language") -> web.Response:
    """Return 304 when the client has this version, else the body (gzip when accepted): a
    `Ready` made for this one answer."""
    return Ready(etag, body, gz, content_type, request.path, vary=vary).answer(request, max_age)


class CompleteResponse(web.Response):
    """A response whose headers are complete, security headers included (`Ready` made them):
    the guard adds none."""


class Ready:
    """A body as it is answered, conditionally: the body, its gzip, and the whole header set
    of each answer (200 plain, 200 gzip, 304) per max-age, made once.

    Kept per board version and variant (`serve_rendering`), a cached board's poll costs a
    dictionary lookup and a `web.Response`: the headers are not assembled, checked and
    extended on every request. `conditional` makes one for a single answer.
    """

    __slots__ = ("_base", "_content_type", "_headers", "_security", "body", "etag", "gz")

    def __init__(self, etag: str, body: bytes, gz: bytes | None, content_type: str, path: str,
                 *, feed_label: str | None = None,
                 vary: str = "Accept-Encoding, Accept-Language") -> None:
        self.etag, self.body, self.gz = etag, body, gz
        self._base = {"ETag": etag, "Vary": vary}
        if feed_label is not None:
            self._base[STATIC_FEED] = feed_label
        self._content_type = content_type_utf8(content_type)
        self._security = security_kind(path)
        self._headers: dict[tuple[int, bool, int], dict[str, str]] = {}

    def answer(self, request: web.Request, max_age: int) -> CompleteResponse:
        """304 when the client holds this version, else the body (gzip when accepted)."""
        asked = request.headers
        if etag_listed(asked.get("If-None-Match"), self.etag):
            return CompleteResponse(status=304, headers=self.headers(304, False, max_age))
        gz = self.gz is not None and "gzip" in asked.get("Accept-Encoding", "")
        return CompleteResponse(body=self.gz if gz else self.body,
                                headers=self.headers(200, gz, max_age))

    def headers(self, status: int, gz: bool, max_age: int) -> dict[str, str]:
        key = (status, gz, max_age)
        found = self._headers.get(key)
        if found is None:
            found = {**self._base, "Cache-Control": cache_control(max_age)}
            if status == 200:
                found["Content-Type"] = self._content_type
                if gz:
                    found["Content-Encoding"] = "gzip"
            api, frameable = self._security
            found.update(security_headers(found.get("Content-Type", ""), api, frameable))
            if len(self._headers) < 256:
                self._headers[key] = found
        return found


def answer_held(request: web.Request, board: CachedBoard, variant: tuple[str, ...],
                max_age: int) -> web.Response | None:
    """The answer of a rendering `serve_rendering` made already, else None."""
    ready: Ready | None = board.answers.get((variant, request.path))
    return None if ready is None else ready.answer(request, max_age)


def serve_rendering(request: web.Request, board: CachedBoard, variant: tuple[str, ...],
                    render: Callable[[], bytes], content_type: str, max_age: int,
                    etag: Callable[[bytes], str | None] | str | None = None) -> web.Response:
    """Answer with a rendering of a cached board, made once per board version and variant
    (`Ready`); its ETag is the body's, or `etag` (a value, or a function of the body)."""
    key = (variant, request.path)
    ready = board.answers.get(key)
    if ready is None:
        body_etag, body = board.rendering(variant, render)
        given = etag(body) if callable(etag) else etag
        ready = Ready(given or body_etag, body, board.gzipped(variant, body), content_type,
                      request.path, feed_label=board.feed_label)
        board.keep_answer(key, ready)
    return ready.answer(request, max_age)


def json_body(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def gzipped(body: bytes) -> bytes | None:
    """Return the gzip of a body worth compressing, else None."""
    if len(body) < GZIP_MIN_BYTES:
        return None
    return gzip.compress(body, compresslevel=6, mtime=0)


def json_response(value: Any, status: int = 200, headers: dict[str, str] | None = None
                  ) -> web.Response:
    return web.Response(body=json_body(value), status=status, content_type="application/json",
                        charset="utf-8", headers=headers)


# The stable, machine-readable `code` of every error body, by HTTP status (a handler may name
# a more precise one: `invalid_parameter`, `invalid_notice`).
ERROR_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 406: "not_acceptable", 409: "conflict",
               412: "precondition_failed", 413: "payload_too_large",
               415: "unsupported_media_type", 422: "invalid_input",
               428: "precondition_required", 429: "rate_limited", 500: "internal_error",
               503: "unavailable"}
ERROR_CODE = "error_code"       # where a response keeps its code for the metrics


def error_code(status: int) -> str:
    return ERROR_CODES.get(status, "client_error" if status < 500 else "server_error")


def error_json(status: int, message: str, headers: dict[str, str] | None = None,
               code: str | None = None, **details: Any) -> web.Response:
    """`{"error": {"status", "code", "message", ...details}}` with the stable code."""
    code = code or error_code(status)
    response = json_response({"error": {"status": status, "code": code, "message": message,
                                        **details}}, status, headers)
    response[ERROR_CODE] = code
    return response


API_PREFIXES = ("/api/", "/gtfs-rt/")
UNLIMITED_PREFIX = "/api/v1/displays/"


def client_key(request: web.Request, trusted_proxies: tuple[str, ...]) -> str:
    """The client address: behind a trusted reverse proxy, the last hop it did not add."""
    remote = request.remote or "unknown"
    if remote not in trusted_proxies:
        return remote
    hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",")
            if h.strip()]
    for hop in reversed(hops):
        if hop not in trusted_proxies:
            return hop[:64]
    return remote


def is_secure(request: web.Request, trusted_proxies: tuple[str, ...]) -> bool:
    """Whether the client talks https: directly, or through a trusted proxy that says so."""
    if request.secure:
        return True
    return (request.remote in trusted_proxies
            and request.headers.get("X-Forwarded-Proto", "").strip().lower() == "https")


Guard = Callable[[Handler, str], Handler]     # (handler, the route's label in the metrics)


def make_guard(metrics: Metrics, render_error: Callable[[int, str], bytes],
               limiter: RateLimiter | None = None,
               trusted_proxies: tuple[str, ...] = (),
               startup: Startup | None = None) -> Guard:
    """What every request goes through: CORS preflight, rate limit, errors as JSON/text/HTML,
    security headers, metrics; and while `startup` is not ready, 503 "starting" for every
    route it does not leave open. It wraps each route's handler (`guarded_routes`) instead of
    being an aiohttp middleware: a middleware adds two coroutine layers to every request
    (its own and aiohttp's, which sets `current_app`), about 6 µs of a cached board's ~40 µs.
    """
    observe = metrics.observe
    perf_counter = time.perf_counter

    def guard(handler: Handler, route: str) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            started = perf_counter()
            path = request.path
            api = path.startswith(API_PREFIXES)
            if api and request.method == "OPTIONS":
                # CORS preflight: apps send If-None-Match / Accept-Language / Authorization
                return web.Response(status=204, headers=CORS_PREFLIGHT)
            try:
                try:
                    if startup is not None and not startup.ready \
                            and path not in startup.open_paths:
                        raise web.HTTPServiceUnavailable(
                            text="starting: the timetable is being loaded, try again shortly "
                                 "/ startet: der Fahrplan wird geladen",
                            headers={"Retry-After": str(STARTING_RETRY_S)})
                    # the API is limited per client; the boards a display polls at its own
                    # rate never are (many pillars may share one carrier's address)
                    if limiter is not None and api and not path.startswith(UNLIMITED_PREFIX):
                        wait = limiter.check(client_key(request, trusted_proxies))
                        if wait:
                            raise web.HTTPTooManyRequests(
                                text="too many requests, slow down",
                                headers={"Retry-After": retry_after(wait)})
                    response = await handler(request)
                except ParamError as exc:
                    if api:
                        response = error_json(400, str(exc), code="invalid_parameter",
                                              parameter=exc.parameter)
                    else:
                        response = error_response(web.HTTPBadRequest(text=str(exc)), api,
                                                  render_error, plain=is_text(path))
                        response[ERROR_CODE] = "invalid_parameter"
            except web.HTTPException as exc:
                if exc.status < 400:
                    raise
                response = error_response(exc, api, render_error, plain=is_text(path))
            except Exception:
                log.exception("unhandled error on %s", path)
                response = error_response(web.HTTPInternalServerError(
                    text="internal error / interner Fehler"), api, render_error,
                    plain=is_text(path))
            if type(response) is not CompleteResponse:
                add_security_headers(response, *security_kind(path))
            status = response.status
            code = None if status < 400 else (response.get(ERROR_CODE) or error_code(status))
            observe(route, status, perf_counter() - started, code)
            return response

        return guarded

    return guard


UNMATCHED = "unmatched"              # the metrics' route label of a request no route serves
UNMATCHED_PATH = "/{unmatched}"


def guarded_routes(app: web.Application, guard: Guard,
                   tables: Iterable[Iterable[web.AbstractRouteDef]]) -> None:
    """Register every route of `tables` with its handler guarded, then a last route for
    everything else (404 or 405 with Allow, in the same error formats, CORS preflight)."""
    for table in tables:
        for route in table:
            if not isinstance(route, web.RouteDef):
                raise TypeError(f"only plain routes can be guarded: {route!r}")
            web.RouteDef(route.method, route.path, guard(route.handler, route_label(route.path)),
                         route.kwargs).register(app.router)
    router = app.router

    async def unmatched(request: web.Request) -> web.StreamResponse:
        allowed: set[str] = set()
        for resource in router.resources():
            if resource is fallback:
                continue
            _, methods = await resource.resolve(request)
            allowed |= methods
        if allowed:
            raise web.HTTPMethodNotAllowed(request.method, allowed)
        raise web.HTTPNotFound()

    fallback = router.add_resource(UNMATCHED_PATH.replace("}", ":.*}"))
    fallback.add_route("*", guard(unmatched, UNMATCHED))


def route_label(path: str) -> str:
    """A route's label in the metrics: its path with `{name:regex}` as `{name}` (aiohttp's
    canonical form), fixed when the route is registered."""
    return re.sub(r"\{([^{}:]+):[^{}]*\}", r"{\1}", path)


def is_text(path: str) -> bool:
    """A text or bitmap board or a readout URL (LED signs, e-paper and audio controllers):
    errors in plain text too."""
    return path.endswith((".txt", ".png")) or "/readout" in path


def error_response(exc: web.HTTPException, api: bool,
                   render_error: Callable[[int, str], bytes], plain: bool = False
                   ) -> web.Response:
    """JSON errors for the API, plain text for text boards, a rendered page for the rest;
    keep the auth headers."""
    message = exc.text or exc.reason
    if api or exc.content_type == "application/json":
        response = error_json(exc.status, message)
    else:
        if plain:
            response = web.Response(text=f"{exc.status} {message}\n", status=exc.status,
                                    content_type="text/plain", charset="utf-8")
        else:
            response = web.Response(body=render_error(exc.status, message), status=exc.status,
                                    content_type="text/html", charset="utf-8")
        response[ERROR_CODE] = error_code(exc.status)
    for key in ("WWW-Authenticate", "Retry-After", "Allow", "Cache-Control"):
        if key in exc.headers:
            response.headers[key] = exc.headers[key]
    return response


def add_security_headers(response: web.StreamResponse, api: bool, frameable: bool = False
                         ) -> None:
    """Strict headers; a board page may be framed by this site only (the fleet view). A
    header the handler set itself is kept."""
    headers = response.headers
    for key, value in security_headers(headers.get("Content-Type", ""), api, frameable):
        if key not in headers:
            headers[key] = value


def security_headers(content_type: str, api: bool, frameable: bool
                     ) -> tuple[tuple[str, str], ...]:
    """The security headers of an answer of `content_type` (API: CORS too)."""
    html = content_type.startswith("text/html") and content_type[9:10] in ("", ";", " ")
    page = (HTML_FRAMEABLE if frameable else HTML_STRICT) if html else ()
    return NOSNIFF + page + (API_HEADERS if api else ())


def security_kind(path: str) -> tuple[bool, bool]:
    """(API, frameable) as the guard tells them from a path."""
    return path.startswith(API_PREFIXES), path.startswith(BOARD_PAGES)


NOSNIFF = (("X-Content-Type-Options", "nosniff"),)
HTML_STRICT = (("Content-Security-Policy", CSP), ("Referrer-Policy", "no-referrer"),
               ("X-Frame-Options", "DENY"))
HTML_FRAMEABLE = (("Content-Security-Policy", CSP_FRAMEABLE), ("Referrer-Policy", "no-referrer"),
                  ("X-Frame-Options", "SAMEORIGIN"))
API_HEADERS = (("Access-Control-Allow-Origin", "*"),
               ("Access-Control-Expose-Headers", f"ETag, Retry-After, {STATIC_FEED}"))

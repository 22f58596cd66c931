"""HTTP plumbing shared by the handlers: the guard around every route, errors, JSON, the query,
the client's address. What a GET for a body answers (ETag, gzip, headers) is `answers`."""

from __future__ import annotations

import functools
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from aiohttp import web
from multidict import MultiDict, MultiDictProxy, MultiMapping

from displays.service.metrics import Metrics
from displays.service.startup import Startup
from displays.web.answers import (
    API_PREFIXES,
    CompleteResponse,
    add_security_headers,
    security_kind,
)
from displays.web.params import ParamError
from displays.web.rate_limit import RateLimiter, retry_after

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

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


def json_body(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


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


# A route's front: the answer held for a request that needs nothing of the guard but its
# metrics (a display's poll of a board held in memory), else None; it neither awaits nor counts.
Front = Callable[[web.Request], web.StreamResponse | None]
Guard = Callable[[Handler, str, Front | None], Handler]   # (handler, metrics label, front)


def make_guard(metrics: Metrics, render_error: Callable[[int, str], bytes],
               limiter: RateLimiter | None = None,
               trusted_proxies: tuple[str, ...] = (),
               startup: Startup | None = None) -> Guard:
    """What every request goes through: CORS preflight, rate limit, errors as JSON/text/HTML,
    security headers, metrics; and while `startup` is not ready, 503 "starting" for every
    route it does not leave open. It wraps each route's handler (`guarded_routes`) instead of
    being an aiohttp middleware: a middleware adds two coroutine layers to every request
    (its own and aiohttp's, which sets `current_app`), about 6 µs of a cached board's ~40 µs.

    A route with a front (`guarded_routes`) asks it first: what it answers is only counted
    (`web.poll_fronts` says why a display's poll has one).
    """
    observe = metrics.observe
    perf_counter = time.perf_counter

    def guard(handler: Handler, route: str, front: Front | None = None) -> Handler:
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

        return guarded if front is None else behind_front(front, guarded, route, observe)

    return guard


def behind_front(front: Front, guarded: Handler, route: str,
                 observe: Callable[[str, int, float, str | None], None]) -> Handler:
    """`guarded` with `front` asked first; what the front answers is counted in the metrics
    like any answer of the route."""
    perf_counter = time.perf_counter

    @functools.wraps(guarded)
    async def fronted(request: web.Request) -> web.StreamResponse:
        started = perf_counter()
        try:
            response = front(request)
        except Exception:               # a front's bug: the guarded handler answers
            log.exception("the front of %s failed on %s", route, request.path)
            response = None
        if response is None:
            return await guarded(request)
        observe(route, response.status, perf_counter() - started, None)
        return response

    return fronted


UNMATCHED = "unmatched"              # the metrics' route label of a request no route serves
UNMATCHED_PATH = "/{unmatched}"


class LiteralPath(web.PlainResource):
    """A route's pattern with its variables given (`/displays/hbf-tram` for
    `/displays/{display_id}`) as a path of its own: found by one dictionary lookup instead of
    a regular expression's match, with the same match info the pattern gives."""

    def __init__(self, pattern: str, values: Mapping[str, str]) -> None:
        super().__init__(pattern.format_map(values))
        self._values = dict(values)

    def _match(self, path: str) -> dict[str, str] | None:
        return self._values if path == self._path else None


LITERAL_VALUE = re.compile(r"[A-Za-z0-9._~-]{1,128}")   # a value the URL carries unencoded


def add_literal_path(router: web.UrlDispatcher, route: web.RouteDef,
                     values: Mapping[str, str], handler: Handler) -> None:
    """Register `route` for these values of its variables as a path of its own (a GET
    answers HEAD too, as aiohttp's does), unless a value would need percent-encoding."""
    if not all(LITERAL_VALUE.fullmatch(v) for v in values.values()):
        return
    literal = LiteralPath(route.path, values)
    router.register_resource(literal)
    for method in (route.method, "HEAD") if route.method == "GET" else (route.method,):
        literal.add_route(method, handler)


def guarded_routes(app: web.Application, guard: Guard,
                   tables: Iterable[Iterable[web.AbstractRouteDef]],
                   fronts: Mapping[str, Front] | None = None,
                   literals: Mapping[str, Iterable[Mapping[str, str]]] | None = None) -> None:
    """Register every route of `tables` with its handler guarded (behind its front in
    `fronts`, by route path, if any), then a last route for everything else (404 or 405 with
    Allow, in the same error formats, CORS preflight). A route path in `literals` is also
    registered for each of those values of its variables (`LiteralPath`): the display routes,
    for every configured display."""
    fronts, literals = fronts or {}, literals or {}
    for table in tables:
        for route in table:
            if not isinstance(route, web.RouteDef):
                raise TypeError(f"only plain routes can be guarded: {route!r}")
            guarded = guard(route.handler, route_label(route.path), fronts.get(route.path))
            for values in literals.get(route.path, ()):
                add_literal_path(app.router, route, values, guarded)
            web.RouteDef(route.method, route.path, guarded, route.kwargs).register(app.router)
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
    fallback.add_route("*", guard(unmatched, UNMATCHED, None))


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

"""JSON API handlers (/api/v1). Thin: parse the request, ask the runtime or cache, answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from displays.board.display import Display
from displays.board.document import board_document, covered_alert_document, iso
from displays.service.cluster.board_cache import CachedBoard, document_etag
from displays.service.cluster.keys import display_board_key, stop_board_key
from displays.service.runtime import Runtime
from displays.service.static.validity import validity_status
from displays.web.answers import conditional, gzipped, serve_rendering
from displays.web.appkeys import runtime
from displays.web.http import json_body, json_response
from displays.web.openapi import openapi_document
from displays.web.params import (
    ParamError,
    negotiate_lang,
    parse_filter,
    parse_float,
    parse_instant,
    parse_int,
)
from displays.web.pillar_polls import pillar_address as pillar_address  # pages use it too

routes = web.RouteTableDef()
MAX_ID_LEN = 256
JSON_VARIANT = ("json",)        # the rendering of a board's document
DISPLAY_JSON_ROUTE = "/api/v1/displays/{display_id}"     # a display's board (has a front)


def stop_or_404(rt: Runtime, stop_id: str) -> int:
    if len(stop_id) > MAX_ID_LEN:
        raise web.HTTPNotFound(text="unknown stop")
    stop = rt.tt.find_stop(stop_id)
    if stop < 0:
        raise web.HTTPNotFound(text=f"unknown stop {stop_id!r}")
    return stop


def stop_summary(rt: Runtime, index: int, distance: float | None = None) -> dict[str, Any]:
    tt = rt.tt
    out: dict[str, Any] = {
        "id": tt.stop_id(index), "name": tt.stop_name[index],
        "lat": float(tt.stop_lat[index]), "lon": float(tt.stop_lon[index]),
        "location_type": int(tt.stop_location_type[index]),
        "platforms": [{"id": tt.stop_id(p), "platform": tt.stop_platform[p] or None}
                      for p in tt.platforms_of(index) if p != index],
    }
    if distance is not None:
        out["distance_m"] = round(distance, 1)
    return out


def max_age(rt: Runtime, board: CachedBoard, now: int) -> int:
    """Seconds until the next refresh could change this board (never longer than the interval)."""
    interval = rt.settings.realtime_interval_s
    return max(1, min(interval, board.computed_at + interval - now))


def stale_after_s(rt: Runtime) -> int:
    """A held board older than this (two refreshes) is computed again before it is served."""
    return 2 * rt.settings.realtime_interval_s


def fresh_held(rt: Runtime, key: str, now: int) -> CachedBoard | None:
    """The board held in memory unless it is stale (then `current_board`)."""
    return rt.cache.fresh(key, now, stale_after_s(rt))


async def current_board(rt: Runtime, key: str, now: int,
                        compute: Callable[[int], CachedBoard]) -> CachedBoard:
    """Return a cached board, computing it when missing or two refreshes old; callers ask
    `fresh_held` first, so the common case awaits nothing.

    The leader stores what it computes; a follower keeps it to itself (the leader's version
    replaces it on the next refresh).
    """
    board = await rt.cache.get(key)
    if board is None or now - board.computed_at > stale_after_s(rt):
        board = compute(now)
        if rt.is_leader:
            await rt.cache.put([board])
        else:
            rt.cache.hot[key] = board
    return board


async def cached_stop_board(rt: Runtime, stop: int, lang: str, now: int) -> CachedBoard:
    """Return the default board of a stop (and keep it fresh for a while: it was asked for)."""
    key = stop_board_key(rt.tt.stop_id(stop), lang)
    rt.recent_stops[key] = now
    held = fresh_held(rt, key, now)
    if held is not None:
        return held
    return await current_board(rt, key, now, lambda t: rt.default_stop_board(stop, lang, t))


def serve_board_json(request: web.Request, rt: Runtime, board: CachedBoard, now: int
                     ) -> web.Response:
    """The board document; its ETag ignores the refresh instant, so polls mostly get 304."""
    return serve_rendering(request, board, JSON_VARIANT, lambda: json_body(board.document),
                           "application/json", max_age(rt, board, now), etag=board.etag)


@routes.get("/api/v1/stops")
async def search_stops(request: web.Request) -> web.Response:
    rt = runtime(request.app)
    query = request.query.get("q", "")
    if not query.strip() or len(query) > 100:
        raise ParamError("q: a search text of 1 to 100 characters is required")
    limit = parse_int(request.query, "limit", 20, 1, 100)
    matches = rt.search.search(query, limit)
    return json_response({"stops": [stop_summary(rt, m.index) for m in matches]})


@routes.get("/api/v1/stops/nearby")
async def nearby_stops(request: web.Request) -> web.Response:
    rt = runtime(request.app)
    lat = parse_float(request.query, "lat", -90, 90)
    lon = parse_float(request.query, "lon", -180, 180)
    radius = parse_int(request.query, "radius", 500, 1, 5000)
    limit = parse_int(request.query, "limit", 20, 1, 100)
    matches = rt.search.nearby(lat, lon, radius, limit)
    return json_response({"stops": [stop_summary(rt, m.index, m.distance_m) for m in matches]})


@routes.get("/api/v1/stops/{stop_id}/departures")
async def stop_departures(request: web.Request) -> web.Response:
    rt = runtime(request.app)
    stop = stop_or_404(rt, request.match_info["stop_id"])
    q = request.query
    lang = negotiate_lang(q, request.headers.get("Accept-Language"))
    now = rt.now()
    custom = any(k in q for k in ("at", "window", "limit", "route", "direction", "platform"))
    if not custom:
        return serve_board_json(request, rt, await cached_stop_board(rt, stop, lang, now), now)
    at = parse_instant(q["at"], rt.tt.zone) if "at" in q else now
    window = parse_int(q, "window", rt.settings.window_min, 1, rt.settings.max_window_min)
    limit = parse_int(q, "limit", rt.settings.default_limit, 1, rt.settings.max_limit)
    board = rt.stop_board(stop, at, rt.request(window * 60, limit, parse_filter(q), lang))
    document = board_document(board)
    body = json_body(document)
    return conditional(request, etag=document_etag(document), body=body,
                       content_type="application/json",
                       max_age=rt.settings.realtime_interval_s, gz=gzipped(body))


# registered before /api/v1/displays: aiohttp tries the routes of one path prefix in order
@routes.get(DISPLAY_JSON_ROUTE)
async def display_json(request: web.Request) -> web.Response:
    rt = runtime(request.app)
    now = rt.now()
    display = display_or_404(rt, request.match_info["display_id"])
    board = await display_board(rt, display, pillar_address(request, rt, display), now=now)
    return serve_board_json(request, rt, board, now)


@routes.get("/api/v1/displays")
async def list_displays(request: web.Request) -> web.Response:
    rt = runtime(request.app)
    now = rt.now()
    out = []
    contacts = rt.contacts

    def when(epoch: int | None) -> str | None:
        return iso(epoch, rt.tt.zone) if epoch is not None else None

    for display in rt.displays.values():
        state = contacts.states.get(display.id)
        out.append({
            "id": display.id, "name": display.name, "stops": list(display.stops),
            "lang": display.lang, "theme": display.theme, "refresh_s": display.refresh_s,
            "title": display.title or None,
            "last_contact": when(seen := contacts.seen.get(display.id)),
            "last_contact_epoch": seen, "online": contacts.is_online(display.id, now),
            "since": when(since := state.since if state is not None else None),
            "since_epoch": since,
            "polls_last_hour": contacts.polls_hour.get(display.id, 0),
        })
    return json_response({"displays": out}, headers={"Cache-Control": "no-store"})


def display_or_404(rt: Runtime, display_id: str) -> Display:
    """The configured display of that id; 404 when there is none."""
    display = rt.displays.get(display_id[:MAX_ID_LEN])
    if display is None:
        raise web.HTTPNotFound(text=f"unknown display {display_id[:64]!r}")
    return display


async def display_board(rt: Runtime, display: Display, pillar: str | None,
                        lang: str | None = None, now: int | None = None) -> CachedBoard:
    """The display's board; `pillar` is the pillar's address when the request is its own poll
    (`pillar_polls.pillar_address`), which counts as its contact; in `lang` when given and not
    the display's own."""
    now = rt.now() if now is None else now
    if pillar is not None:
        rt.contacts.polled(display.id, pillar, now)
    other = lang if lang is not None and lang != display.lang else None
    key = display_board_key(display.id, other)
    held = fresh_held(rt, key, now)
    if held is not None:
        return held
    try:
        return await current_board(rt, key, now, lambda t: rt.display_board(display, t, other))
    except LookupError as exc:      # its stops vanished with a new static feed
        raise web.HTTPServiceUnavailable(text=str(exc), headers={"Retry-After": "60"}) from exc


@routes.get("/api/v1/alerts")
async def alerts(request: web.Request) -> web.Response:
    rt = runtime(request.app)
    lang = negotiate_lang(request.query, request.headers.get("Accept-Language"))
    now = rt.now()
    zone = rt.tt.zone
    shown = list(rt.notice_board.active(now, zone))
    if rt.realtime is not None:
        shown += [a for a in rt.realtime.live_alerts(rt.tt, now) if a.is_active(now)]
    items = [covered_alert_document(a, lang, zone) for a in shown]
    return json_response({"alerts": items}, headers={"Cache-Control": "public, max-age=15"})


@routes.get("/api/v1/status")
async def status(request: web.Request) -> web.Response:
    rt = runtime(request.app)
    now = rt.now()
    fs = rt.feed_status

    def when(epoch: int | None) -> str | None:
        return iso(epoch, rt.tt.zone) if epoch is not None else None

    body = {
        "instance": rt.instance_id, "leader": rt.is_leader, "demo": rt.settings.demo,
        "now": when(now),
        "static": {"source": fs.source, "version": fs.version, "feed_hash": fs.feed_hash,
                   "region": rt.tt.region, "stops": len(rt.tt.stop_ids),
                   "loaded_at": when(fs.loaded_at), "loaded_at_epoch": fs.loaded_at,
                   "last_check": when(fs.last_check), "last_check_epoch": fs.last_check,
                   "error": fs.error, "excluded": fs.excluded,
                   "validity": validity_status(rt.validity())},
        "realtime": rt.realtime.status(rt.tt, now) if rt.realtime is not None else [],
        "boards": {"cached": len(rt.cache.hot), "refreshes": rt.refresh_count,
                   "last_refresh_ms": round(rt.last_refresh_ms, 2),
                   "redis": None if rt.cache.redis is None else
                   ("degraded" if rt.cache.degraded else "ok")},
        "notices": rt.notices.health() if rt.notices is not None else None,
        "event_loop_lag_max_ms": round(rt.loop_lag.max_recent_s * 1000, 1),
    }
    return json_response(body, headers={"Cache-Control": "no-store"})


@routes.get("/api/v1/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    settings = runtime(request.app).settings
    return json_response(openapi_document(settings.default_limit, settings.max_limit),
                         headers={"Cache-Control": "public, max-age=3600"})


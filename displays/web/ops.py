"""Operations endpoints: /healthz (alive), /readyz (ready, or what is missing), /metrics."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from displays.service.metrics import Metrics
from displays.web.appkeys import RUNTIME
from displays.web.http import json_response

routes = web.RouteTableDef()
METRICS: web.AppKey[Metrics] = web.AppKey("metrics", Metrics)


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return json_response({"status": "alive"}, headers={"Cache-Control": "no-store"})


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    """200 while boards can be served; 'degraded' names what is missing (Redis, realtime)."""
    rt = request.app[RUNTIME]
    missing = []
    if rt.cache.redis is not None:
        try:
            await rt.cache.redis.ping()
            rt.cache._redis_ok()
        except Exception:
            rt.cache._redis_failed(ConnectionError("ping failed"))
            missing.append("redis")
    if rt.realtime is not None and not rt.realtime.any_live(rt.tt, rt.now()):
        missing.append("realtime")
    notices = rt.notices.health() if rt.notices is not None else None
    if notices is not None and notices["store"] != "ok":
        missing.append("notices")
    body: dict[str, Any] = {"status": "degraded" if missing else "ready", "missing": missing,
            "feed": rt.feed_status.version or rt.feed_status.feed_hash}
    if notices is not None:
        body["notices"] = notices
    if rt.realtime is not None:
        body["realtime"] = rt.realtime.summary(rt.tt, rt.now())
    return json_response(body, headers={"Cache-Control": "no-store"})


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    rt = request.app[RUNTIME]
    now = rt.now()
    gauges: dict[str, tuple[str, list[tuple[dict[str, str], float]]]] = {
        "abfahrt_static_feed_age_seconds": (
            "seconds since the static feed was loaded",
            [({}, float(now - (rt.feed_status.loaded_at or now)))]),
        "abfahrt_board_cache_hits_total": ("board cache hits", [({}, float(rt.cache.hits))]),
        "abfahrt_board_cache_misses_total": ("board cache misses",
                                             [({}, float(rt.cache.misses))]),
        "abfahrt_board_cache_boards": ("boards held in process", [({}, float(len(rt.cache.hot)))]),
        "abfahrt_board_renderings": ("renderings (variants) held in process",
                                     [({}, float(sum(len(b.renderings)
                                                     for b in rt.cache.hot.values())))]),
        "abfahrt_board_rendering_bytes": ("bytes of the renderings held in process",
                                          [({}, float(sum(b.rendering_bytes
                                                          for b in rt.cache.hot.values())))]),
        "abfahrt_board_refresh_seconds": ("duration of the last board refresh",
                                          [({}, rt.last_refresh_ms / 1000)]),
        "abfahrt_displays_online": (
            "displays that polled within the offline threshold",
            [({}, float(sum(rt.contacts.is_online(d, now) for d in rt.displays)))]),
        "abfahrt_displays_offline": (
            "configured displays without a poll within the offline threshold",
            [({}, float(sum(not rt.contacts.is_online(d, now) for d in rt.displays)))]),
        "abfahrt_displays_went_dark_total": (
            "displays that went dark (counted by the instance that decides, the leader)",
            [({}, float(rt.contacts.went_dark))]),
        "abfahrt_leader": ("1 when this instance computes boards", [({}, float(rt.is_leader))]),
        "abfahrt_event_loop_lag_max_seconds": ("the largest event-loop lag of the last minute",
                                               [({}, rt.loop_lag.max_recent_s)]),
    }
    if rt.realtime is not None:
        gauges.update(rt.realtime.metrics(now))
    histograms = {"abfahrt_event_loop_lag_seconds": (
        "how late the event loop ran a 0.1 s timer", rt.loop_lag.histogram)}
    return web.Response(text=request.app[METRICS].render(gauges, histograms),
                        content_type="text/plain", charset="utf-8",
                        headers={"Cache-Control": "no-store"})

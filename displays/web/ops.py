"""Operations endpoints: /healthz (alive), /readyz (ready, or degraded and why), /metrics."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from displays.service.runtime import Runtime
from displays.service.static.validity import validity_text
from displays.web.appkeys import STARTUP, runtime
from displays.web.http import STARTING_RETRY_S, json_response

routes = web.RouteTableDef()
NO_STORE = {"Cache-Control": "no-store"}


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return json_response({"status": "alive"}, headers=NO_STORE)


async def degradations(rt: Runtime) -> list[tuple[str, str]]:
    """What keeps the service from being fully ready: (name, reason in words)."""
    found = []
    if not await rt.cache.ping():
        found.append(("redis", "Redis does not answer; boards are served from memory"))
    validity = rt.validity()
    if not validity.is_valid:
        found.append(("timetable", validity_text(validity)))
    if rt.realtime is not None and not rt.realtime.any_live(rt.tt, rt.now()):
        found.append(("realtime", "no realtime source is live; boards show the timetable"))
    if rt.notices is not None and (notices := rt.notices.health())["store"] != "ok":
        found.append(("notices", f"the notice store is {notices['store']}; boards show the "
                                 f"last known notices"))
    if rt.speech is not None and not rt.speech.available:
        found.append(("audio", f"no spoken readout: {rt.speech.reason or 'no engine'}; "
                               f"boards and readout texts are served"))
    return found


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    """200 while boards can be served; 'degraded' names what is missing and says why; 503
    "building" with the phase and progress while the first timetable is built."""
    startup = request.app.get(STARTUP)
    if startup is not None and not startup.ready:       # the first timetable is not served yet
        return json_response(startup.document(), 503,
                             headers={**NO_STORE, "Retry-After": str(STARTING_RETRY_S)})
    rt = runtime(request.app)
    found = await degradations(rt)
    body: dict[str, Any] = {
        "status": "degraded" if found else "ready", "missing": [n for n, _ in found],
        "reasons": [reason for _, reason in found],
        "feed": rt.feed_status.version or rt.feed_status.feed_hash}
    if rt.notices is not None:
        body["notices"] = rt.notices.health()
    if rt.realtime is not None:
        body["realtime"] = rt.realtime.summary(rt.tt, rt.now())
    return json_response(body, headers=NO_STORE)


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    """The Prometheus text exposition of this instance (displays.service.metrics)."""
    rt = runtime(request.app)
    return web.Response(body=rt.metrics.exposition(), headers={
        "Content-Type": "text/plain; version=0.0.4; charset=utf-8", **NO_STORE})

"""Application state keys (aiohttp AppKey), declared in one place."""

from __future__ import annotations

import asyncio

import jinja2
from aiohttp import web

from displays.service.runtime import Runtime
from displays.service.startup import Startup

JINJA: web.AppKey[jinja2.Environment] = web.AppKey("jinja", jinja2.Environment)
# at most this many bitmaps / syntheses run at once (each in a worker thread)
RENDER_SLOTS: web.AppKey[asyncio.Semaphore] = web.AppKey("render_slots", asyncio.Semaphore)
# the state of the start, and the Runtime once the first timetable is served (set in the app
# before it starts, filled in later: a started aiohttp app must not change its own keys)
STARTUP: web.AppKey[Startup] = web.AppKey("startup", Startup)


def runtime(app: web.Application) -> Runtime:
    """The service's Runtime; 503 while the service is still starting (the guard keeps
    requests away until then, except the routes it leaves open)."""
    rt = app[STARTUP].runtime
    if rt is None:
        raise web.HTTPServiceUnavailable(text="starting: the timetable is being loaded")
    return rt

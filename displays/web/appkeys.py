"""Application state keys (aiohttp AppKey), declared in one place."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import jinja2
from aiohttp import web

from displays.service.startup import Startup

if TYPE_CHECKING:
    from displays.service.runtime import Runtime

RUNTIME: web.AppKey[Runtime] = web.AppKey("runtime")
JINJA: web.AppKey[jinja2.Environment] = web.AppKey("jinja", jinja2.Environment)
# at most this many bitmaps / syntheses run at once (each in a worker thread)
RENDER_SLOTS: web.AppKey[asyncio.Semaphore] = web.AppKey("render_slots", asyncio.Semaphore)
# the state of the start: the first timetable may still be building while requests come in
STARTUP: web.AppKey[Startup] = web.AppKey("startup", Startup)

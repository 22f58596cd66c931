"""The aiohttp application: one factory, every resource opened and closed in cleanup_ctx."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable

import aiohttp
from aiohttp import web
from aiohttp.web_runner import GracefulExit
from redis.asyncio import Redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from displays.board.display import Display
from displays.board.html import make_environment
from displays.board.lexicon import load_lexicon
from displays.board.wording import LANGUAGES
from displays.notices.setup import NOTICE_ROUTES, open_notices, setup_notices
from displays.service.clock import Clock
from displays.service.cluster.board_cache import BoardCache
from displays.service.cluster.keys import Keys
from displays.service.cluster.leader import LeaderLock
from displays.service.config.displays_file import (
    default_displays_file,
    load_displays,
    unknown_stops,
)
from displays.service.config.errors import ConfigError
from displays.service.config.settings import Settings
from displays.service.jobs import (
    follow_leader,
    poll_realtime,
    set_feed_status,
    start_scheduler,
    static_announced,
)
from displays.service.live.hub import RealtimeHub
from displays.service.metrics import Metrics
from displays.service.runtime import FeedStatus, Runtime
from displays.service.runtime_gauges import watch_runtime
from displays.service.speech.audio import Speech, open_engine
from displays.service.startup import Startup
from displays.service.static.feed import StaticFeed
from displays.service.stop_search import StopSearch
from displays.web import api, ops, pages, readout, standards
from displays.web.appkeys import JINJA, RENDER_SLOTS, STARTUP
from displays.web.http import guarded_routes, make_guard
from displays.web.poll_fronts import display_fronts, display_paths
from displays.web.rate_limit import RateLimiter
from feeds import FeedError, Timetable
from feeds.progress import Progress, ProgressPrinter

log = logging.getLogger("abfahrt")
PROGRESS_LOG_S = 5.0        # a build's progress: a log line at most this often (and per phase)


class StartupError(Exception):
    """The service cannot start (feed unreachable or broken, displays naming unknown stops);
    the message says why in words an operator can act on."""


def connect_redis(url: str) -> Redis:
    """A client with short timeouts and bounded retries, so a dead Redis costs little per call."""
    return Redis.from_url(
        url, socket_timeout=0.5, socket_connect_timeout=0.5, health_check_interval=10,
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=1),
        retry_on_timeout=False)


async def load_initial_timetable(static: StaticFeed, session: aiohttp.ClientSession
                                 ) -> tuple[Timetable, str, str | None]:
    """Return the timetable to start with, its label and the error that made it the last good
    one (None: the feed's own); StartupError when there is nothing to serve."""
    try:
        loaded = await static.load_initial(session)
    except (FeedError, aiohttp.ClientError, OSError) as exc:
        source = static.source or "demo"
        said = str(exc) if source in str(exc) else f"{source}: {exc}"
        raise StartupError(f"cannot load the static feed {said}") from None
    return loaded.tt, loaded.label, loaded.error


def create_app(settings: Settings, displays: dict[str, Display] | None = None, *,
               serve_while_loading: bool = False) -> web.Application:
    """The application; `displays` as already loaded (else read from the settings' file).

    With `serve_while_loading` (`abfahrt serve`), the app starts at once and opens its first
    timetable in the background: until it is served, /readyz answers 503 with the build's
    phase and every other route 503 "starting"; a start that fails records why in
    `app[STARTUP].error` and stops the server. Otherwise (tests, embedding) the app's start
    waits for the timetable and raises StartupError itself.
    """
    metrics = Metrics()
    env = make_environment()

    def render_error(status: int, message: str) -> bytes:
        return env.get_template("error.html").render(
            lang="de", status=status, message=message).encode("utf-8")

    startup = Startup()
    limiter = RateLimiter(settings.rate_limit_per_min)
    guard = make_guard(metrics, render_error, limiter, settings.trusted_proxies, startup)
    app = web.Application(client_max_size=64 * 1024)     # no middleware: handlers are guarded
    app[JINJA] = env
    app[RENDER_SLOTS] = asyncio.Semaphore(2)
    app[STARTUP] = startup
    setup_notices(app)                        # operator notices: the slot of their service
    # pages before readout: /displays/{id} is polled far more often than /displays/{id}/…
    guarded_routes(app, guard, (api.routes, pages.routes, readout.routes, ops.routes,
                                standards.routes, *NOTICE_ROUTES),
                   fronts=display_fronts(startup), literals=display_paths(displays))
    app.cleanup_ctx.append(_service_context(settings, displays, metrics, startup,
                                            serve_while_loading))
    return app


def _service_context(settings: Settings, displays: dict[str, Display] | None,
                     metrics: Metrics, startup: Startup, serve_while_loading: bool
                     ) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(app: web.Application) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            if not serve_while_loading:
                await _start(app, settings, displays, metrics, startup, stack)
                yield
                return
            task = asyncio.create_task(_start_in_background(app, settings, displays, metrics,
                                                            startup, stack))
            try:
                yield
            finally:
                if not task.done():
                    task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    return context


async def _start_in_background(app: web.Application, settings: Settings,
                               displays: dict[str, Display] | None, metrics: Metrics,
                               startup: Startup, stack: contextlib.AsyncExitStack) -> None:
    """Open the service while the server already answers; a failure stops the server."""
    try:
        await _start(app, settings, displays, metrics, startup, stack)
    except asyncio.CancelledError:
        raise
    except StartupError as exc:
        startup.error = str(exc)
    except Exception as exc:       # reported, and the server stops
        log.exception("the service could not start")
        startup.error = f"the service could not start: {type(exc).__name__}: {exc}"
    if startup.error is not None:
        asyncio.get_running_loop().call_soon(_stop_serving)


def _stop_serving() -> None:
    """End `web.run_app` the way SIGTERM does (it then runs every cleanup)."""
    raise GracefulExit()


async def _start(app: web.Application, settings: Settings, displays: dict[str, Display] | None,
                 metrics: Metrics, startup: Startup, stack: contextlib.AsyncExitStack) -> None:
    """Open everything the service needs; register each resource's closing on `stack`."""
    session = aiohttp.ClientSession()
    stack.push_async_callback(session.close)
    redis = connect_redis(settings.redis_url) if settings.redis_url else None
    if redis is not None:
        stack.push_async_callback(redis.aclose)
    keys = Keys(settings.redis_prefix)
    clock = Clock(settings.clock_start)
    printer = ProgressPrinter(log.info, time.monotonic, every_s=PROGRESS_LOG_S)

    def progress(event: Progress) -> None:        # on the build's thread
        printer(event)
        startup(event)

    static = StaticFeed(settings, clock, progress=progress)
    tt, label, error = await load_initial_timetable(static, session)
    shown = configured_displays(settings) if displays is None else displays
    if missing := unknown_stops(shown, tt):
        raise StartupError(str(ConfigError(
            f"displays file {settings.displays_file or default_displays_file()}", missing)))
    instance_id = uuid.uuid4().hex[:12]
    cache = BoardCache(redis, keys, origin=instance_id, generation=tt.feed_hash,
                       metrics=metrics)
    stack.push_async_callback(cache.close)
    rt = Runtime(settings=settings, tt=tt, search=StopSearch(tt), displays=shown,
                 cache=cache, feed_status=FeedStatus(source=label, error=error),
                 clock=clock, instance_id=instance_id, metrics=metrics,
                 abbreviations=load_lexicon("abbreviations", settings.abbreviations_file),
                 pronunciation={lang: load_lexicon(f"pronunciation.{lang}",
                                                   settings.lexicon_file)
                                for lang in LANGUAGES})
    stack.callback(rt.worker.shutdown, wait=False, cancel_futures=True)
    engine, reason = await asyncio.to_thread(open_engine, settings.speech_engine,
                                             dict(settings.piper_voices))
    if reason:
        log.warning("readout audio: %s", reason)
    rt.speech = Speech(engine, reason, settings.speech_concurrency, redis, keys)
    set_feed_status(rt, tt)
    hub = rt.realtime = RealtimeHub.from_settings(settings, redis, keys, metrics, rt.worker)
    if hub.resolver is not None:
        stack.callback(hub.resolver.shutdown)
    watch_runtime(metrics, rt)
    if redis is not None and settings.redis_url:
        lock = LeaderLock(settings.redis_url, keys.leader, rt.instance_id,
                          settings.leader_ttl_s)
        stack.push_async_callback(lock.release)
        rt.is_leader = await lock.start(follow_leader(rt, lock, session))
    scheduler = start_scheduler(rt, session, static)
    stack.callback(scheduler.shutdown, wait=False)
    if redis is not None:
        cache.start_listening({
            keys.realtime_channel: lambda message: hub.load_shared(message, rt.tt, rt.now()),
            keys.static_channel: static_announced(rt, scheduler),
            keys.notices_channel: lambda _: rt.notices.wake() if rt.notices else None,
        }, is_leader=lambda: rt.is_leader)
        if not rt.is_leader:
            await hub.load_all_shared(rt.tt, rt.now())
    startup.runtime = rt
    rt.loop_lag.start()
    stack.push_async_callback(rt.loop_lag.stop)
    await poll_realtime(rt, session)
    await stack.enter_async_context(open_notices(app, settings, rt))
    startup.ready = True
    log.info("abfahrt serving %s (%s%d stops, %d displays, leader=%s)", label,
             f"region {tt.region}, " if tt.region else "", len(tt.stop_ids), len(shown),
             rt.is_leader)


def configured_displays(settings: Settings) -> dict[str, Display]:
    """The displays of the settings' file (the demo's own with the demo network)."""
    path = settings.displays_file or (default_displays_file() if settings.demo else None)
    return load_displays(path) if path else {}

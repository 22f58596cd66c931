"""Scheduled jobs (APScheduler AsyncIOScheduler): realtime polls, board refresh, static feed
check, shared contacts; and what runs when the leader lock changes hands. Each job keeps the
last good data on failure and logs on transitions.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable

import aiohttp
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from redis.exceptions import RedisError

from displays.service.cluster.board_cache import CachedBoard
from displays.service.cluster.display_contacts import watch_displays
from displays.service.cluster.keys import RECENT_TTL_S, stop_of_board_key
from displays.service.cluster.leader import LeaderLock
from displays.service.heap import long_lived_objects
from displays.service.runtime import Runtime
from displays.service.static.feed import StaticFeed
from displays.service.static.validity import validity_text
from displays.service.stop_search import StopSearch
from feeds import FeedError, Timetable

log = logging.getLogger("abfahrt.jobs")
WARN_DAYS = 14             # warn this many days before the timetable's last service day


async def refresh_boards(rt: Runtime) -> int:
    """Recompute the boards of every display and of recently asked stops; return how many changed.

    Only the leader computes; followers serve what it wrote. The boards are computed in the
    worker thread (never on the event loop), from one timetable: if it is swapped meanwhile,
    the result is dropped (the swap refreshes anyway).
    """
    if not rt.is_leader:
        return 0
    started = time.perf_counter()
    now = rt.now()
    tt = rt.tt
    stops = recent_stops(rt, tt, now)
    displays = list(rt.displays.values())

    def compute() -> list[CachedBoard]:
        with long_lived_objects():
            return compute_boards()

    def compute_boards() -> list[CachedBoard]:
        # time.sleep(0) after each board lets the event loop take the GIL at once if it
        # waits for it, instead of after the interpreter's switch interval
        boards: list[CachedBoard] = []
        for display in displays:
            try:
                boards.append(rt.display_board(display, now))
            except LookupError as exc:
                log.warning("%s", exc)
            time.sleep(0)
        for stop, lang in stops:
            boards.append(rt.default_stop_board(stop, lang, now))
            time.sleep(0)
        if rt.cache.redis is not None:
            for board in boards:
                board.to_bytes()
                time.sleep(0)
        return boards

    boards = await asyncio.get_running_loop().run_in_executor(rt.worker, compute)
    if rt.tt is not tt:
        return 0
    changed = await rt.cache.put(boards)
    rt.refresh_count += 1
    rt.last_refresh_at = now
    elapsed = time.perf_counter() - started
    rt.last_refresh_ms = elapsed * 1000
    rt.metrics.refresh_seconds.observe(elapsed)
    log.debug("refresh boards=%d changed=%d ms=%.1f", len(boards), len(changed),
              rt.last_refresh_ms)
    return len(changed)


def recent_stops(rt: Runtime, tt: Timetable, now: int) -> list[tuple[int, str]]:
    """(stop, language) of the stop boards asked for lately, the most recent first; the ones
    asked long ago or beyond the most recent `max_recent_stops` (a crawler) are forgotten:
    they are computed on demand."""
    horizon = now - rt.settings.recent_stop_ttl_s
    recent = sorted(rt.recent_stops.items(), key=lambda item: -item[1])
    stops: list[tuple[int, str]] = []
    for rank, (key, asked) in enumerate(recent):
        if asked < horizon or rank >= rt.settings.max_recent_stops:
            del rt.recent_stops[key]
            continue
        found = stop_of_board_key(key)
        stop = tt.find_stop(found[1]) if found is not None else -1
        if found is not None and stop >= 0:
            stops.append((stop, found[0]))
    return stops


async def poll_realtime(rt: Runtime, session: aiohttp.ClientSession) -> None:
    """Leader: fetch every realtime source and apply it, then refresh the boards."""
    if not rt.is_leader:
        return
    if rt.realtime is not None:
        await rt.realtime.poll_all(session, rt.tt, rt.now())
        rt.realtime.note_transitions(rt.tt, rt.now())
    await refresh_boards(rt)


async def refresh_if_due(rt: Runtime) -> None:
    """Refresh boards when the realtime job has not (e.g. it waits on a hanging upstream)."""
    if rt.is_leader and rt.now() - rt.last_refresh_at >= rt.settings.realtime_interval_s:
        await refresh_boards(rt)


async def check_static(rt: Runtime, session: aiohttp.ClientSession, feed: StaticFeed) -> bool:
    """Reload the static feed if it changed; swap atomically after a full build.

    On any failure the old timetable stays and /api/v1/status names the error; the error stays
    until a feed really builds (a 304 for the same broken bytes is no recovery).
    """
    fs = rt.feed_status
    fs.last_check = rt.now()
    try:
        tt = await feed.check(session, rt.tt)
    except Exception as exc:   # a published feed is untrusted input
        # not only FeedError: a malformed CSV can still raise from pandas (KeyError, ParserError)
        error = str(exc) if isinstance(exc, FeedError) else f"{type(exc).__name__}: {exc}"
        if fs.error != error:
            log.error("static feed check failed, keeping version %s: %s",
                      fs.version or fs.feed_hash, error)
        fs.error = error
        return False
    if tt is None:                 # 304 for bytes that built: what we serve is current
        tt = rt.tt
    if fs.error:
        log.info("static feed recovered")
    fs.error = None
    if tt.feed_hash == rt.tt.feed_hash:
        return False
    old = fs.version or (fs.feed_hash or "")[:12]
    search = await asyncio.get_running_loop().run_in_executor(rt.worker, StopSearch, tt)
    rt.swap_timetable(tt, search)
    set_feed_status(rt, tt)
    log.info("static feed swapped from %s to %s", old, tt.feed_version or tt.feed_hash[:12])
    log_validity(rt)
    if rt.realtime is not None:
        await rt.realtime.rebase(tt, rt.now())
    rt.cache.set_generation(tt.feed_hash)
    await refresh_boards(rt)
    await announce_static(rt, tt)
    return True


def log_validity(rt: Runtime) -> None:
    """Say how long the timetable is valid: at start, after a swap, then once a day; a
    warning when it has expired, is not yet valid, or ends within WARN_DAYS."""
    validity = rt.validity()
    key = (rt.tt.feed_hash, validity.today)
    if rt.validity_logged == key:
        return
    rt.validity_logged = key
    text = validity_text(validity)
    if not validity.is_valid:
        log.warning("%s", text)
    elif validity.days_left is not None and validity.days_left < WARN_DAYS:
        log.warning("%s: publish a new static feed soon", text)
    else:
        log.info("%s", text)
async def announce_static(rt: Runtime, tt: Timetable) -> None:
    """Tell the other instances that a new static feed is here, so they check it now instead
    of at their next hourly check (each serves only boards of its own timetable meanwhile)."""
    redis = rt.cache.redis
    if redis is None:
        return
    try:
        await redis.publish(rt.cache.keys.static_channel, tt.feed_hash)
    except (RedisError, OSError) as exc:
        log.warning("could not announce the new static feed through redis: %s", exc)


def static_announced(rt: Runtime, scheduler: AsyncIOScheduler) -> Callable[[str], None]:
    """The handler of another instance's announcement: check the static feed at once."""
    def announced(feed_hash: str) -> None:
        if feed_hash != rt.tt.feed_hash:
            log.info("another instance serves static feed %s: checking ours now",
                     feed_hash[:12])
            scheduler.modify_job("static", next_run_time=dt.datetime.now(dt.UTC))
    return announced


def set_feed_status(rt: Runtime, tt: Timetable) -> None:
    fs = rt.feed_status
    fs.version, fs.feed_hash, fs.loaded_at = tt.feed_version, tt.feed_hash, rt.now()
    fs.excluded = {str(k): v for k, v in tt.excluded.items()}


async def sync_contacts(rt: Runtime) -> None:
    """Share the recently asked stops through Redis, so the leader refreshes stops asked for on
    any instance; share the display contacts and let the deciding instance log transitions."""
    now = rt.now()
    redis = rt.cache.redis
    await watch_displays(rt.contacts, list(rt.displays), now, redis, rt.cache.keys,
                         decides=rt.is_leader)
    if redis is None:
        return
    keys = rt.cache.keys
    try:
        async with redis.pipeline(transaction=False) as pipe:
            if rt.recent_stops:
                pipe.zadd(keys.recent_stops, dict(rt.recent_stops), gt=True)
            pipe.zremrangebyscore(keys.recent_stops, 0, now - RECENT_TTL_S)
            pipe.zrangebyscore(keys.recent_stops, now - rt.settings.recent_stop_ttl_s, "+inf",
                               withscores=True)
            *_, recent = await pipe.execute()
    except (RedisError, OSError) as exc:
        log.warning("could not share the asked stops through redis: %s", exc)
        return
    for board_key, score in recent:
        key = board_key.decode()
        rt.recent_stops[key] = max(rt.recent_stops.get(key, 0), int(score))


def follow_leader(rt: Runtime, lock: LeaderLock, session: aiohttp.ClientSession
                  ) -> Callable[[], None]:
    """What the lock's thread runs on the event loop when this instance's role changes: a new
    leader polls realtime (and refreshes every board) at once."""
    running: set[asyncio.Task[None]] = set()

    async def lead() -> None:
        was, rt.is_leader = rt.is_leader, lock.computing
        if rt.is_leader and not was:
            await poll_realtime(rt, session)

    def changed() -> None:
        task = asyncio.ensure_future(lead())
        running.add(task)
        task.add_done_callback(running.discard)

    return changed


def start_scheduler(rt: Runtime, session: aiohttp.ClientSession, static: StaticFeed
                    ) -> AsyncIOScheduler:
    settings = rt.settings
    scheduler = AsyncIOScheduler(timezone="UTC")
    common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 30}
    scheduler.add_job(poll_realtime, "interval", seconds=settings.realtime_interval_s,
                      args=(rt, session), id="realtime", **common)
    scheduler.add_job(refresh_if_due, "interval", seconds=max(1, settings.realtime_interval_s // 2),
                      args=(rt,), id="refresh", **common)
    scheduler.add_job(sync_contacts, "interval", seconds=5, args=(rt,), id="contacts", **common)
    scheduler.add_job(check_static, "interval", seconds=settings.static_interval_s,
                      args=(rt, session, static), id="static", **common)
    log_validity(rt)
    scheduler.add_job(log_validity, "interval", seconds=3600, args=(rt,), id="validity",
                      **common)
    scheduler.start()
    return scheduler

"""The service's realtime sources: poll (leader) or receive through Redis (followers), apply.

Each source keeps its last good snapshot inside one immutable `RealtimeState`; a failed fetch,
a garbage body, an older header or a header from the future only adds a failure note. The
demo's simulated source builds a GTFS-RT message and feeds its bytes through the same
parse → apply path as a real feed.

Decoding and applying a feed (seconds for a national feed) never runs on the event loop: it
runs in one worker thread, one feed at a time, and the result replaces the state in one
assignment. Bytes identical to the last applied ones are not decoded again. What the leader
shares with the followers goes through `shared_form` / `apply_shared`, the one seam where the
core's compact serialised snapshot replaces the raw GTFS-RT bytes (followers then load the
leader's result instead of decoding the feed again).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from redis.asyncio import Redis
from redis.exceptions import RedisError

from displays.board.document import alert_document
from displays.board.model import BoardAlert
from displays.demo.simulation import simulate_feed
from displays.service.heap import long_lived_objects
from displays.service.keys import Keys
from displays.service.settings import Settings
from feeds import Timetable
from realtime.alerts import render_alert
from realtime.errors import RealtimeError
from realtime.fetch import FetchSettings, NotModified, Validators, fetch_feed, read_feed_file
from realtime.freshness import feed_freshness
from realtime.parse import encode_feed_dict, parse_feed
from realtime.records import Alert, RealtimeFeed
from realtime.state import RealtimeState

log = logging.getLogger("abfahrt.realtime")
SIMULATION = "simulation"
Applied = tuple[RealtimeState, RealtimeFeed | None, str | None]   # state, feed kept, rejection


def future_header(feed: RealtimeFeed, now: int, max_ahead_s: int) -> str | None:
    """Why a feed stamped too far ahead of the receiving clock is rejected (None: it is not).

    One such feed would make every later, correct feed look "older" and be dropped."""
    ahead = feed.header.timestamp - now
    if ahead <= max_ahead_s:
        return None
    stamp = dt.datetime.fromtimestamp(min(feed.header.timestamp, 253402300799), dt.UTC)
    return (f"header timestamp {stamp.isoformat()} is {ahead} s in the future (more than "
            f"{max_ahead_s} s ahead of this clock): feed rejected")


def decode_and_apply(state: RealtimeState, source: str, data: bytes, tt: Timetable, now: int,
                     max_ahead_s: int) -> Applied:
    """Decode `data` and apply it to `state` (runs in the worker thread, never on the loop).

    Raise FeedDecodeError for bytes that are no feed."""
    with long_lived_objects():
        feed = parse_feed(data)
        rejected = future_header(feed, now, max_ahead_s)
        if rejected is not None:
            return state.with_failure(source, rejected), None, rejected
        applied = state.apply(source, feed, tt)
        return applied, feed if applied.feed(source).stats.applied else None, None


def shared_form(data: bytes) -> bytes:
    """What the leader shares of an applied feed (today: its GTFS-RT bytes; with the core's
    compact snapshot, the applied result)."""
    return data


def apply_shared(state: RealtimeState, source: str, blob: bytes, tt: Timetable, now: int,
                 max_ahead_s: int) -> Applied:
    """Follower: take what the leader shared (in the worker thread)."""
    return decode_and_apply(state, source, blob, tt, now, max_ahead_s)


@dataclass
class SourceHealth:
    name: str
    validators: Validators | None = None
    last_attempt: int | None = None
    last_success: int | None = None
    error: str | None = None
    polls: int = 0
    failures: int = 0
    rejected_future: int = 0           # feeds refused for a header ahead of our clock
    digest: bytes = b""                # of the bytes last applied (identical ones are skipped)
    shared_at: int | None = None       # header timestamp last shared with the followers


@dataclass
class RealtimeHub:
    sources: list[str]
    max_age_s: int
    fetch_settings: FetchSettings
    redis: Redis | None = None
    keys: Keys = field(default_factory=Keys)
    max_ahead_s: int = 60
    state: RealtimeState = field(default_factory=RealtimeState)
    health: dict[str, SourceHealth] = field(default_factory=dict)
    parsed: dict[str, RealtimeFeed] = field(default_factory=dict)   # kept for a static swap
    worker: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(
        max_workers=1, thread_name_prefix="abfahrt-realtime"))
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)       # one state change at a time

    @classmethod
    def from_settings(cls, settings: Settings, redis: Redis | None, keys: Keys,
                      worker: ThreadPoolExecutor) -> RealtimeHub:
        sources = list(settings.realtime) or ([SIMULATION] if settings.simulate_realtime else [])
        fetch = FetchSettings(connect_timeout_s=min(5.0, settings.fetch_timeout_s),
                              read_timeout_s=settings.fetch_timeout_s,
                              max_bytes=settings.max_feed_bytes)
        hub = cls(sources=sources, max_age_s=settings.max_age_s, fetch_settings=fetch,
                  redis=redis, keys=keys, max_ahead_s=settings.max_clock_skew_s, worker=worker)
        hub.health = {s: SourceHealth(s) for s in sources}
        return hub

    # ---- leader: fetch and apply ---------------------------------------------------------
    async def poll_all(self, session: aiohttp.ClientSession, tt: Timetable, now: int) -> None:
        """Poll every source at once, so one hanging upstream does not delay the others."""
        await asyncio.gather(*(self.poll(session, tt, source, now) for source in self.sources))

    async def poll(self, session: aiohttp.ClientSession, tt: Timetable, source: str, now: int
                   ) -> None:
        health = self.health[source]
        health.last_attempt, health.polls = now, health.polls + 1
        try:
            data = await self._fetch(session, tt, source, now)
            rejected = None if data is None else \
                await self._apply(source, data, tt, now, decode_and_apply)   # None: 304
        except RealtimeError as exc:
            await self._fail(health, str(exc))
            return
        except Exception as exc:   # a bug must not stop realtime for every source
            log.exception("realtime source %s: unexpected error, keeping last good data",
                          source)
            await self._fail(health, f"internal error: {type(exc).__name__}: {exc}")
            return
        if rejected is None:
            self._succeeded(health, now)
            if data is not None:
                await self._share(source, data)

    async def _fetch(self, session: aiohttp.ClientSession, tt: Timetable, source: str, now: int
                     ) -> bytes | None:
        if source == SIMULATION:
            return await asyncio.get_running_loop().run_in_executor(
                self.worker, lambda: encode_feed_dict(simulate_feed(tt, now)))
        if source.startswith(("http://", "https://")):
            health = self.health[source]
            result = await fetch_feed(session, source, health.validators, self.fetch_settings)
            health.validators = result.validators
            return None if isinstance(result, NotModified) else result.body
        return read_feed_file(Path(source), self.fetch_settings.max_bytes)

    async def _apply(self, source: str, data: bytes, tt: Timetable, now: int,
                     how: Callable[..., Applied]) -> str | None:
        """Apply `data` in the worker thread with `how` (decode_and_apply or apply_shared);
        return why it was rejected (None: applied, or the very bytes applied already)."""
        health = self.health[source]
        loop = asyncio.get_running_loop()
        async with self.lock:
            digest = await loop.run_in_executor(self.worker, _digest, data)
            current = self.state.feed(source)
            if digest == health.digest and current.snapshot is not None \
                    and current.snapshot.feed_hash == tt.feed_hash:
                return None              # the very bytes already applied: nothing to do
            applied: Applied = await loop.run_in_executor(
                self.worker, how, self.state, source, data, tt, now, self.max_ahead_s)
            state, feed, rejected = applied
            self.state = state
        if rejected is not None:
            health.rejected_future += 1
            self._failed(health, rejected)
            return rejected
        health.digest = digest
        if feed is not None:
            self.parsed[source] = feed
        return None

    def _succeeded(self, health: SourceHealth, now: int) -> None:
        if health.error is not None:
            log.info("realtime source %s recovered", health.name)
        health.error, health.last_success = None, now

    def _failed(self, health: SourceHealth, error: str) -> None:
        if health.error is None:
            log.error("realtime source %s failed, keeping last good data: %s", health.name,
                      error)
        health.error, health.failures = error, health.failures + 1

    async def _fail(self, health: SourceHealth, error: str) -> None:
        self._failed(health, error)
        async with self.lock:
            self.state = self.state.with_failure(health.name, error)

    # ---- sharing through Redis -----------------------------------------------------------
    async def _share(self, source: str, data: bytes) -> None:
        """Leader: hand the applied feed to the followers (once per header timestamp)."""
        health = self.health[source]
        stamp = self.header_timestamp(source)
        if self.redis is None or stamp is None or stamp == health.shared_at \
                or health.error is not None:
            return
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.set(self.keys.realtime_raw(source), shared_form(data), ex=86400)
                pipe.publish(self.keys.realtime_channel, f"{stamp} {source}")
                await pipe.execute()
            health.shared_at = stamp
        except (RedisError, OSError) as exc:
            log.warning("could not share realtime %s through redis: %s", source, exc)

    async def load_shared(self, message: str, tt: Timetable, now: int) -> None:
        """Follower: take what the leader shared for a source (message "<stamp> <source>")."""
        stamp, _, source = message.partition(" ")
        if self.redis is None or source not in self.health:
            return
        if stamp.isdigit() and self.header_timestamp(source) == int(stamp):
            return                       # we hold that very feed already
        try:
            blob = await self.redis.get(self.keys.realtime_raw(source))
            if blob is not None:
                raw = blob if isinstance(blob, bytes) else blob.encode()
                await self._apply(source, raw, tt, now, apply_shared)
        except (RedisError, OSError, RealtimeError) as exc:
            log.warning("could not load shared realtime %s: %s", source, exc)

    async def load_all_shared(self, tt: Timetable, now: int) -> None:
        for source in self.sources:
            await self.load_shared(f"- {source}", tt, now)

    async def rebase(self, tt: Timetable) -> None:
        """A new static feed: resolve the held realtime again against it (in the worker)."""
        def resolve() -> RealtimeState:
            state = RealtimeState()
            with long_lived_objects():
                for source, feed in list(self.parsed.items()):
                    state = state.apply(source, feed, tt)
            return state

        async with self.lock:
            self.state = await asyncio.get_running_loop().run_in_executor(self.worker, resolve)

    # ---- what the service reports ---------------------------------------------------------
    def freshness(self, tt: Timetable, source: str, now: int) -> str:
        return str(feed_freshness(self.state.feed(source), tt, now, self.max_age_s))

    def header_timestamp(self, source: str) -> int | None:
        snapshot = self.state.feed(source).snapshot
        return snapshot.header.timestamp if snapshot is not None else None

    def status(self, tt: Timetable, now: int) -> list[dict[str, Any]]:
        out = []
        for source in self.sources:
            health = self.health[source]
            out.append({
                "source": source, "freshness": self.freshness(tt, source, now),
                "feed_timestamp": self.header_timestamp(source),
                "last_attempt": health.last_attempt, "last_success": health.last_success,
                "error": health.error, "polls": health.polls, "failures": health.failures,
                "rejected_future": health.rejected_future,
                "stats": self.state.feed(source).stats.as_dict(),
            })
        return out

    def summary(self, tt: Timetable, now: int) -> list[dict[str, Any]]:
        """Per source: freshness, the last error and the feeds rejected from the future."""
        return [{"source": s, "freshness": self.freshness(tt, s, now),
                 "error": self.health[s].error,
                 "rejected_future": self.health[s].rejected_future} for s in self.sources]

    def any_live(self, tt: Timetable, now: int) -> bool:
        return not self.sources or any(
            self.freshness(tt, s, now) == "live" for s in self.sources)

    def live_alerts(self, tt: Timetable, now: int) -> list[Alert]:
        """The alerts of every live source (active or not at `now`)."""
        out: list[Alert] = []
        for source in self.sources:
            snapshot = self.state.feed(source).snapshot
            if snapshot is not None and self.freshness(tt, source, now) == "live":
                out.extend(snapshot.alerts.alerts)
        return out

    def all_alerts(self, tt: Timetable, lang: str, now: int) -> list[dict[str, Any]]:
        """Every active alert of every live source, in `lang` (the contract's alert shape)."""
        out = []
        for alert in self.live_alerts(tt, now):
            if alert.is_active(now):
                shown = render_alert(alert, lang)
                out.append(alert_document(BoardAlert(
                    id=shown.id, header=shown.header, description=shown.description,
                    effect=shown.effect, severity=shown.severity, source="gtfs-rt")))
        return out

    def metrics(self, now: int) -> dict[str, tuple[str, list[tuple[dict[str, str], float]]]]:
        ages, matched, failures = [], [], []
        for source in self.sources:
            ts = self.header_timestamp(source)
            ages.append(({"source": source}, float(now - ts) if ts else -1.0))
            stats = self.state.feed(source).stats
            matched.append(({"source": source}, float(stats.trip_updates_matched)))
            failures.append(({"source": source}, float(self.health[source].failures)))
        return {
            "abfahrt_realtime_age_seconds": ("age of the applied realtime header timestamp "
                                             "(-1: none)", ages),
            "abfahrt_realtime_trip_updates_matched": ("trip updates matched to the timetable",
                                                      matched),
            "abfahrt_realtime_fetch_failures_total": ("failed realtime fetches", failures),
            "abfahrt_realtime_rejected_future_total": (
                "feeds rejected for a header timestamp ahead of this clock",
                [({"source": s}, float(self.health[s].rejected_future)) for s in self.sources]),
        }


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()

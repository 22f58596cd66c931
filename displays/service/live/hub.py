"""The service's realtime sources: poll (leader) or receive through Redis (followers), apply.

Each source keeps its last good snapshot inside one immutable `RealtimeState`; a failed fetch,
a garbage body, an older header or a header from the future only adds a failure note. The
demo's simulated source builds a GTFS-RT message and feeds its bytes through the same
decode → resolve → apply path as a real feed.

Decoding and resolving a feed (seconds for a national feed) never runs on the event loop: a
large feed is resolved in a child process (`service.resolver`; a thread would hold the GIL for
seconds, and the loop with it), a small one in one worker thread, one feed at a time
(`realtime.state.resolve_bytes`, a pure function of bytes, timetable and instant), and the
result replaces the state in one assignment. Bytes identical to the last applied ones are not
decoded again. The leader shares its result with the followers as a resolved snapshot
(`realtime.snapshot_codec`), so they load it instead of decoding the feed again; the raw bytes
stay beside it for an instance that has to resolve them against another timetable.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from redis.asyncio import Redis
from redis.exceptions import RedisError

from displays.board.alert import BoardAlert
from displays.board.build import upstream_alert
from displays.board.document import iso
from displays.demo.simulation import simulate_feed
from displays.service.cluster.keys import SHARED_REALTIME_TTL_S, Keys
from displays.service.config.settings import Settings
from displays.service.heap import long_lived_objects
from displays.service.live.health import matched_share, realtime_hint
from displays.service.live.resolver import Resolver, ResolverUnavailable
from displays.service.metrics import Metrics
from feeds import Timetable
from realtime.encode import encode_feed_dict
from realtime.errors import FeedDecodeError, FeedHeaderInvalid, FeedTooLarge, RealtimeError
from realtime.fetch import FetchSettings, NotModified, Validators, fetch_feed, read_feed_file
from realtime.freshness import Freshness, feed_freshness
from realtime.instances import DEFAULT_MAX_DELAY_S
from realtime.reasons import FeedRefusal, FeedStats
from realtime.snapshot_codec import dump_snapshot, load_snapshot
from realtime.state import RealtimeState, resolve_bytes

log = logging.getLogger("abfahrt.realtime")
SIMULATION = "simulation"


@dataclass(frozen=True)
class Applied:
    """What one feed did to the state (made in the worker thread)."""

    state: RealtimeState
    snapshot: bytes | None        # the resolved snapshot to share (None: nothing applied)


def apply_bytes(state: RealtimeState, source: str, data: bytes, tt: Timetable, now: int,
                max_ahead_s: int, share: bool, max_delay_s: int = DEFAULT_MAX_DELAY_S
                ) -> Applied:
    """Decode and resolve `data`, put it into `state` (runs in the worker, never on the loop).

    `now` is the instant the bytes were received: a header more than `max_ahead_s` ahead of it
    is refused. Raise FeedDecodeError for bytes that are no feed."""
    with long_lived_objects():
        snapshot, stats = resolve_bytes(data, tt, max_delay_s=max_delay_s)
        new = state.apply_resolved(source, snapshot, stats, tt, received_at=now,
                                   max_future_s=max_ahead_s)
        shared = dump_snapshot(snapshot, stats) if share and new.feed(source).stats.applied \
            else None
    return Applied(new, shared)


def apply_snapshot(state: RealtimeState, source: str, data: bytes, tt: Timetable, now: int,
                   max_ahead_s: int) -> Applied:
    """Follower: load the snapshot the leader resolved (in the worker thread); raise
    SnapshotError when it is damaged or belongs to another timetable."""
    with long_lived_objects():
        snapshot, stats = load_snapshot(data, tt)
        return Applied(state.apply_resolved(source, snapshot, stats, tt, received_at=now,
                                            max_future_s=max_ahead_s), None)


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
    freshness: Freshness | None = None  # as last logged: a change is logged once
    hint: str | None = None


@dataclass
class RealtimeHub:
    sources: list[str]
    max_age_s: int
    fetch_settings: FetchSettings
    redis: Redis | None = None
    keys: Keys = field(default_factory=Keys)
    max_ahead_s: int = 60
    max_delay_s: int = DEFAULT_MAX_DELAY_S   # a plausible instance's largest delay
    state: RealtimeState = field(default_factory=RealtimeState)
    health: dict[str, SourceHealth] = field(default_factory=dict)
    raw: dict[str, bytes] = field(default_factory=dict)   # applied bytes, for a static swap
    metrics: Metrics = field(default_factory=Metrics)
    worker: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(
        max_workers=1, thread_name_prefix="abfahrt-realtime"))
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)       # one state change at a time
    resolver: Resolver | None = None      # large feeds are resolved in its child process

    @classmethod
    def from_settings(cls, settings: Settings, redis: Redis | None, keys: Keys,
                      metrics: Metrics, worker: ThreadPoolExecutor) -> RealtimeHub:
        sources = list(settings.realtime) or ([SIMULATION] if settings.simulate_realtime else [])
        fetch = FetchSettings(connect_timeout_s=min(5.0, settings.fetch_timeout_s),
                              read_timeout_s=settings.fetch_timeout_s,
                              max_bytes=settings.max_feed_bytes)
        resolver = (Resolver(settings.cache_dir, settings.realtime_process_min_bytes)
                    if settings.realtime_process_min_bytes >= 0 else None)
        hub = cls(sources=sources, max_age_s=settings.max_age_s, fetch_settings=fetch,
                  redis=redis, keys=keys, max_ahead_s=settings.max_clock_skew_s,
                  max_delay_s=settings.max_delay_s,
                  metrics=metrics, worker=worker, resolver=resolver)
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
        fetches = self.metrics.realtime_fetches
        try:
            data = await self._fetch(session, tt, source, now)
            if data is None:          # 304: what we hold is current
                fetches.labels(source, "not_modified").inc()
                self._succeeded(health, now)
                return
            shared = await self._apply_bytes(source, data, tt, now)
        except RealtimeError as exc:
            fetches.labels(source, "failed").inc()
            if reason := _refusal(exc):
                self.metrics.realtime_rejections.labels(source, "feed", reason).inc()
            await self._fail(health, str(exc))
            return
        except Exception as exc:   # a bug must not stop realtime for every source
            log.exception("realtime source %s: unexpected error, keeping last good data",
                          source)
            fetches.labels(source, "failed").inc()
            await self._fail(health, f"internal error: {type(exc).__name__}: {exc}")
            return
        fetches.labels(source, "ok").inc()
        if self.state.feed(source).stats.refusal is not FeedRefusal.FUTURE_HEADER:
            self._succeeded(health, now)
            await self._share(source, data, shared)

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
        return await asyncio.get_running_loop().run_in_executor(
            self.worker, read_feed_file, Path(source), self.fetch_settings.max_bytes)

    async def _apply_bytes(self, source: str, data: bytes, tt: Timetable, now: int
                           ) -> bytes | None:
        """Apply fetched bytes in the worker; return the snapshot to share with followers
        (None when there is nothing new to share)."""
        health = self.health[source]
        loop = asyncio.get_running_loop()
        async with self.lock:
            digest = await loop.run_in_executor(self.worker, _digest, data)
            current = self.state.feed(source)
            if digest == health.digest and current.snapshot is not None \
                    and current.snapshot.feed_hash == tt.feed_hash:
                return None              # the very bytes already applied: nothing to do
            applied = await self._resolve_and_apply(source, data, tt, now)
            self.state = applied.state
        if self._judge(source, self.state.feed(source).stats):
            health.digest = digest
            self.raw[source] = data
        return applied.snapshot

    async def _resolve_and_apply(self, source: str, data: bytes, tt: Timetable, now: int
                                 ) -> Applied:
        """Resolve in the child process when the feed is large (the thread keeps only the
        snapshot's load), else in the worker thread."""
        loop = asyncio.get_running_loop()
        share = self.redis is not None
        if self.resolver is not None and self.resolver.wants(data, tt):
            try:
                blob = await self.resolver.resolve(data, tt, self.max_delay_s)
            except ResolverUnavailable as exc:
                log.debug("resolving %s in the worker thread: %s", source, exc)
            else:
                applied = await loop.run_in_executor(
                    self.worker, apply_snapshot, self.state, source, blob, tt, now,
                    self.max_ahead_s)
                keep = share and applied.state.feed(source).stats.applied
                return Applied(applied.state, blob if keep else None)
        return await loop.run_in_executor(self.worker, apply_bytes, self.state, source, data,
                                          tt, now, self.max_ahead_s, share, self.max_delay_s)

    def _judge(self, source: str, stats: FeedStats) -> bool:
        """Count what applying a feed rejected; return whether the feed was applied."""
        health = self.health[source]
        if stats.refusal is FeedRefusal.FUTURE_HEADER:
            health.rejected_future += 1
            self._failed(health, stats.note or "header timestamp in the future")
        rejections = self.metrics.realtime_rejections
        if stats.refusal is not None:
            rejections.labels(source, "feed", str(stats.refusal)).inc()
        for kind, counts in (("trip_update", stats.rejected),
                             ("stop_time_update", stats.stop_time_updates_dropped),
                             ("vehicle", stats.vehicles_rejected)):
            for reason, n in counts.items():
                rejections.labels(source, kind, str(reason)).inc(n)
        return stats.applied

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
    async def _share(self, source: str, data: bytes, snapshot: bytes | None) -> None:
        """Leader: hand the applied feed to the followers (once per header timestamp): the
        resolved snapshot to load, and the raw bytes for an instance on another timetable."""
        health = self.health[source]
        stamp = self.header_timestamp(source)
        if self.redis is None or snapshot is None or stamp is None \
                or stamp == health.shared_at or health.error is not None:
            return
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.set(self.keys.realtime_raw(source), data, ex=SHARED_REALTIME_TTL_S)
                pipe.set(self.keys.realtime_snapshot(source), snapshot, ex=SHARED_REALTIME_TTL_S)
                pipe.publish(self.keys.realtime_channel, f"{stamp} {source}")
                await pipe.execute()
            health.shared_at = stamp
        except (RedisError, OSError) as exc:
            log.warning("could not share realtime %s through redis: %s", source, exc)

    async def load_shared(self, message: str, tt: Timetable, now: int) -> None:
        """Follower: take what the leader shared for a source (message "<stamp> <source>"):
        its resolved snapshot, or — made for another timetable — its bytes, resolved here."""
        stamp, _, source = message.partition(" ")
        if self.redis is None or source not in self.health:
            return
        if stamp.isdigit() and self.header_timestamp(source) == int(stamp):
            return                       # we hold that very feed already
        loop = asyncio.get_running_loop()
        try:
            blob = await self.redis.get(self.keys.realtime_snapshot(source))
            if blob is None:
                return
            async with self.lock:
                try:
                    applied = await loop.run_in_executor(
                        self.worker, apply_snapshot, self.state, source, _bytes(blob), tt, now,
                        self.max_ahead_s)
                except RealtimeError as exc:       # another timetable's, or damaged
                    log.debug("shared snapshot of %s not usable here (%s): resolving the "
                              "feed itself", source, exc)
                    raw = await self.redis.get(self.keys.realtime_raw(source))
                    if raw is None:
                        return
                    applied = await loop.run_in_executor(
                        self.worker, apply_bytes, self.state, source, _bytes(raw), tt, now,
                        self.max_ahead_s, False)
                self.state = applied.state
            self._judge(source, self.state.feed(source).stats)
        except (RedisError, OSError, RealtimeError) as exc:
            log.warning("could not load shared realtime %s: %s", source, exc)

    async def load_all_shared(self, tt: Timetable, now: int) -> None:
        for source in self.sources:
            await self.load_shared(f"- {source}", tt, now)

    async def rebase(self, tt: Timetable, now: int) -> None:
        """A new static feed: resolve the held realtime bytes again against it (in the
        worker), and share the result anew."""
        def resolve() -> RealtimeState:
            state = RealtimeState()
            for source, data in list(self.raw.items()):
                state = apply_bytes(state, source, data, tt, now, self.max_ahead_s,
                                    False).state
            return state

        async with self.lock:
            self.state = await asyncio.get_running_loop().run_in_executor(self.worker, resolve)
        for health in self.health.values():
            health.shared_at = None

    # ---- what the service reports ---------------------------------------------------------
    def freshness(self, tt: Timetable, source: str, now: int) -> Freshness:
        return feed_freshness(self.state.feed(source), tt, now, self.max_age_s)

    def header_timestamp(self, source: str) -> int | None:
        snapshot = self.state.feed(source).snapshot
        return snapshot.header.timestamp if snapshot is not None else None

    def status(self, tt: Timetable, now: int) -> list[dict[str, Any]]:
        """Each source: freshness, instants (ISO 8601, epochs beside), matches, hint."""
        def when(epoch: int | None) -> str | None:
            return iso(epoch, tt.zone) if epoch is not None else None

        out = []
        for source in self.sources:
            health = self.health[source]
            stamp = self.header_timestamp(source)
            stats = self.state.feed(source).stats
            out.append({
                "source": source, "freshness": self.freshness(tt, source, now),
                "feed_timestamp": when(stamp), "feed_timestamp_epoch": stamp,
                "age_s": now - stamp if stamp is not None else None,
                "last_attempt": when(health.last_attempt),
                "last_attempt_epoch": health.last_attempt,
                "last_success": when(health.last_success),
                "last_success_epoch": health.last_success,
                "error": health.error, "polls": health.polls, "failures": health.failures,
                "rejected_future": health.rejected_future,
                "matched_share": matched_share(stats),
                "hint": realtime_hint(tt, stats, stamp), "stats": stats.as_dict(),
            })
        return out

    def summary(self, tt: Timetable, now: int) -> list[dict[str, Any]]:
        """Per source: freshness, the last error and the feeds rejected from the future."""
        return [{"source": s, "freshness": self.freshness(tt, s, now),
                 "error": self.health[s].error,
                 "rejected_future": self.health[s].rejected_future} for s in self.sources]

    def note_transitions(self, tt: Timetable, now: int) -> None:
        """Log each source's change of freshness and of hint, once per change."""
        for source in self.sources:
            health = self.health[source]
            fresh = self.freshness(tt, source, now)
            stamp = self.header_timestamp(source)
            if fresh != health.freshness:
                if fresh is Freshness.LIVE:
                    share = matched_share(self.state.feed(source).stats)
                    log.info("realtime source %s is live%s", source,
                             f" ({share:.0%} of its trip updates matched)"
                             if share is not None else "")
                elif fresh is Freshness.STALE and stamp is not None:
                    log.warning("realtime source %s is stale: its newest header is %d s old "
                                "(max age %d s); boards show the timetable", source,
                                now - stamp, self.max_age_s)
                else:
                    log.warning("realtime source %s is unavailable: %s", source,
                                health.error or "nothing usable received yet")
                health.freshness = fresh
            hint = realtime_hint(tt, self.state.feed(source).stats, stamp)
            if hint != health.hint:
                if hint is not None:
                    log.warning("realtime source %s: %s", source, hint)
                else:
                    log.info("realtime source %s matches the timetable again", source)
                health.hint = hint

    def any_live(self, tt: Timetable, now: int) -> bool:
        return not self.sources or any(
            self.freshness(tt, s, now) is Freshness.LIVE for s in self.sources)

    def live_alerts(self, tt: Timetable, now: int) -> list[BoardAlert]:
        """The alerts of every live source (active or not at `now`), as boards carry them."""
        out: list[BoardAlert] = []
        for source in self.sources:
            snapshot = self.state.feed(source).snapshot
            if snapshot is not None and self.freshness(tt, source, now) is Freshness.LIVE:
                out.extend(upstream_alert(a, tt) for a in snapshot.alerts.alerts)
        return out

    def ages(self, now: int) -> list[tuple[tuple[str], float]]:
        """(source,) and the age of its applied header, for sources that have one."""
        return [((source,), float(now - stamp)) for source in self.sources
                if (stamp := self.header_timestamp(source)) is not None]

    def matched_shares(self) -> list[tuple[tuple[str], float]]:
        return [((source,), share) for source in self.sources
                if (share := matched_share(self.state.feed(source).stats)) is not None]

    def rejected_future(self) -> list[tuple[tuple[str], float]]:
        return [((s,), float(self.health[s].rejected_future)) for s in self.sources]


def _refusal(exc: RealtimeError) -> str | None:
    """Why a fetched feed was refused (None: it could not be fetched at all)."""
    if isinstance(exc, FeedTooLarge):
        return "too_large"
    if isinstance(exc, FeedHeaderInvalid):
        return "header_invalid"
    if isinstance(exc, FeedDecodeError):
        return "undecodable"
    return None


def _bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()

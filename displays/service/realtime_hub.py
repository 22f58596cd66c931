"""The service's realtime sources: poll (leader) or receive through Redis (followers), apply.

Each source keeps its last good snapshot inside one immutable `RealtimeState`; a failed fetch,
a garbage body or an older header only adds a failure note. The demo's simulated source builds a
GTFS-RT message and feeds its bytes through the same parse → apply path as a real feed.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from redis.asyncio import Redis
from redis.exceptions import RedisError

from displays.board.document import alert_document, coverage_document, iso
from displays.board.model import BoardAlert
from displays.demo.simulation import simulate_feed
from displays.service.feed_health import matched_share, realtime_hint
from displays.service.keys import Keys
from displays.service.metrics import Metrics
from displays.service.settings import Settings
from feeds import Timetable
from realtime.alerts import render_alert
from realtime.errors import FeedDecodeError, FeedHeaderInvalid, FeedTooLarge, RealtimeError
from realtime.fetch import FetchSettings, NotModified, Validators, fetch_feed, read_feed_file
from realtime.freshness import feed_freshness
from realtime.parse import encode_feed_dict, parse_feed
from realtime.reasons import FeedStats
from realtime.records import Alert, RealtimeFeed
from realtime.state import RealtimeState

log = logging.getLogger("abfahrt.realtime")
SIMULATION = "simulation"


@dataclass
class SourceHealth:
    name: str
    validators: Validators | None = None
    last_attempt: int | None = None
    last_success: int | None = None
    error: str | None = None
    polls: int = 0
    failures: int = 0
    freshness: str | None = None      # as last logged: a change is logged once
    hint: str | None = None


@dataclass
class RealtimeHub:
    sources: list[str]
    max_age_s: int
    fetch_settings: FetchSettings
    redis: Redis | None = None
    keys: Keys = field(default_factory=Keys)
    state: RealtimeState = field(default_factory=RealtimeState)
    health: dict[str, SourceHealth] = field(default_factory=dict)
    parsed: dict[str, RealtimeFeed] = field(default_factory=dict)   # kept for a static swap
    metrics: Metrics = field(default_factory=Metrics)

    @classmethod
    def from_settings(cls, settings: Settings, redis: Redis | None, keys: Keys,
                      metrics: Metrics) -> RealtimeHub:
        sources = list(settings.realtime) or ([SIMULATION] if settings.simulate_realtime else [])
        fetch = FetchSettings(connect_timeout_s=min(5.0, settings.fetch_timeout_s),
                              read_timeout_s=settings.fetch_timeout_s,
                              max_bytes=settings.max_feed_bytes)
        hub = cls(sources=sources, max_age_s=settings.max_age_s, fetch_settings=fetch,
                  redis=redis, keys=keys, metrics=metrics)
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
            self._apply_bytes(source, data, tt)
        except RealtimeError as exc:
            fetches.labels(source, "failed").inc()
            if reason := _refusal(exc):
                self.metrics.realtime_rejections.labels(source, "feed", reason).inc()
            self._failed(health, str(exc))
            self.state = self.state.with_failure(source, str(exc))
            return
        except Exception as exc:   # a bug must not stop realtime for every source
            log.exception("realtime source %s: unexpected error, keeping last good data",
                          source)
            fetches.labels(source, "failed").inc()
            self._failed(health, f"internal error: {type(exc).__name__}")
            self.state = self.state.with_failure(source, f"internal error: {exc}")
            return
        fetches.labels(source, "ok").inc()
        self._succeeded(health, now)
        await self._share(source, data)

    async def _fetch(self, session: aiohttp.ClientSession, tt: Timetable, source: str, now: int
                     ) -> bytes | None:
        if source == SIMULATION:
            return encode_feed_dict(simulate_feed(tt, now))
        if source.startswith(("http://", "https://")):
            health = self.health[source]
            result = await fetch_feed(session, source, health.validators, self.fetch_settings)
            health.validators = result.validators
            return None if isinstance(result, NotModified) else result.body
        return read_feed_file(Path(source), self.fetch_settings.max_bytes)

    def _apply_bytes(self, source: str, data: bytes, tt: Timetable) -> None:
        feed = parse_feed(data)             # raises FeedDecodeError on garbage
        self.state = self.state.apply(source, feed, tt)
        stats = self.state.feed(source).stats
        if stats.applied:
            self.parsed[source] = feed
        self._count_rejections(source, stats)

    def _count_rejections(self, source: str, stats: FeedStats) -> None:
        rejections = self.metrics.realtime_rejections
        if not stats.applied:
            rejections.labels(source, "feed", "older_header").inc()
        for kind, counts in (("trip_update", stats.rejected),
                             ("stop_time_update", stats.stop_time_updates_dropped),
                             ("vehicle", stats.vehicles_rejected)):
            for reason, n in counts.items():
                rejections.labels(source, kind, str(reason)).inc(n)

    def _succeeded(self, health: SourceHealth, now: int) -> None:
        if health.error is not None:
            log.info("realtime source %s recovered", health.name)
        health.error, health.last_success = None, now

    def _failed(self, health: SourceHealth, error: str) -> None:
        if health.error is None:
            log.error("realtime source %s failed, keeping last good data: %s", health.name,
                      error)
        health.error, health.failures = error, health.failures + 1

    # ---- sharing through Redis -----------------------------------------------------------
    async def _share(self, source: str, data: bytes) -> None:
        if self.redis is None:
            return
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.set(self.keys.realtime_raw(source), data, ex=86400)
                pipe.publish(self.keys.realtime_channel, source)
                await pipe.execute()
        except (RedisError, OSError) as exc:
            log.warning("could not share realtime %s through redis: %s", source, exc)

    async def load_shared(self, source: str, tt: Timetable) -> None:
        """Follower: apply the bytes the leader shared for `source`."""
        if self.redis is None or source not in self.health:
            return
        try:
            data = await self.redis.get(self.keys.realtime_raw(source))
            if data is not None:
                self._apply_bytes(source, data if isinstance(data, bytes) else data.encode(), tt)
        except (RedisError, OSError, RealtimeError) as exc:
            log.warning("could not load shared realtime %s: %s", source, exc)

    async def load_all_shared(self, tt: Timetable) -> None:
        for source in self.sources:
            await self.load_shared(source, tt)

    def rebase(self, tt: Timetable) -> None:
        """A new static feed: resolve the held realtime again against it."""
        state = RealtimeState()
        for source, feed in self.parsed.items():
            state = state.apply(source, feed, tt)
        self.state = state

    # ---- what the service reports ---------------------------------------------------------
    def freshness(self, tt: Timetable, source: str, now: int) -> str:
        return str(feed_freshness(self.state.feed(source), tt, now, self.max_age_s))

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
                "matched_share": matched_share(stats),
                "hint": realtime_hint(tt, stats, stamp), "stats": stats.as_dict(),
            })
        return out

    def note_transitions(self, tt: Timetable, now: int) -> None:
        """Log each source's change of freshness and of hint, once per change."""
        for source in self.sources:
            health = self.health[source]
            fresh = self.freshness(tt, source, now)
            stamp = self.header_timestamp(source)
            if fresh != health.freshness:
                if fresh == "live":
                    share = matched_share(self.state.feed(source).stats)
                    log.info("realtime source %s is live%s", source,
                             f" ({share:.0%} of its trip updates matched)"
                             if share is not None else "")
                elif fresh == "stale" and stamp is not None:
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
        """Every active alert of every live source, in `lang` (the contract's alert shape,
        with its active periods and informed entities)."""
        out = []
        for alert in self.live_alerts(tt, now):
            if alert.is_active(now):
                shown = render_alert(alert, lang)
                out.append(alert_document(BoardAlert(
                    id=shown.id, header=shown.header, description=shown.description,
                    effect=shown.effect, severity=shown.severity, source="gtfs-rt"))
                    | coverage_document(alert.active_periods, alert.informed_entities, tt))
        return out

    def ages(self, now: int) -> list[tuple[tuple[str], float]]:
        """(source,) and the age of its applied header, for sources that have one."""
        return [((source,), float(now - stamp)) for source in self.sources
                if (stamp := self.header_timestamp(source)) is not None]

    def matched_shares(self) -> list[tuple[tuple[str], float]]:
        return [((source,), share) for source in self.sources
                if (share := matched_share(self.state.feed(source).stats)) is not None]


def _refusal(exc: RealtimeError) -> str | None:
    """Why a fetched feed was refused (None: it could not be fetched at all)."""
    if isinstance(exc, FeedTooLarge):
        return "too_large"
    if isinstance(exc, FeedHeaderInvalid):
        return "header_invalid"
    if isinstance(exc, FeedDecodeError):
        return "undecodable"
    return None

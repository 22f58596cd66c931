"""The realtime state: the last good snapshot of every source, replaced whole on each feed.

Immutable: `apply` returns a new state. A FULL_DATASET replaces everything the source said
before (an empty one clears it, OTP PR #1849); a feed whose header timestamp is older than the
applied one is ignored (load-balancer flapping, RTV E018). A feed stamped more than
`max_future_s` ahead of the instant it was received is refused (issue 15.6: one fetch stamped an
hour ahead, or in the year 2999, must not make every later correct feed "older"); and a held
snapshot that is itself in the future is never the "newer than" reference. Resolution against
the timetable happens here, once per feed, with the feed's header timestamp as "now".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from feeds import Timetable
from realtime.alerts import AlertIndex, build_alert_index
from realtime.gc_pause import no_cyclic_gc
from realtime.instances import DEFAULT_MAX_DELAY_S, InstanceResolver
from realtime.overlay import VehicleInfo
from realtime.propagation import DEFAULT_EARLY_LIMIT_S
from realtime.reasons import FeedRefusal, FeedStats, Reason, Tally
from realtime.records import FeedHeader, Incrementality, RealtimeFeed
from realtime.trip_updates import InstanceKey, TripUpdateIndex, resolve_trip_updates
from realtime.vehicles import resolve_vehicles

DEFAULT_MAX_FUTURE_S = 300   # a header this far ahead of the receiving instant is refused


@dataclass(frozen=True)
class Snapshot:
    """One applied feed, resolved against the timetable whose hash it carries."""

    header: FeedHeader
    feed_hash: str
    trips: TripUpdateIndex = field(default_factory=TripUpdateIndex)
    alerts: AlertIndex = field(default_factory=AlertIndex)
    vehicles: Mapping[InstanceKey, VehicleInfo] = field(default_factory=dict)
    # The feed had trip_update or vehicle entities, or none at all (an empty FULL_DATASET of a
    # trip-update feed): False only for an alert-only feed. Decides which sources the board's
    # realtime status is computed over (realtime.freshness.board_freshness).
    carries_predictions: bool = True


def carries_predictions(feed: RealtimeFeed) -> bool:
    """False when the feed has entities and none of them is a trip update or vehicle."""
    counts = dict(feed.entity_counts)
    predicting = bool(feed.trip_updates or feed.vehicles
                      or counts.get("trip_update", 0) or counts.get("vehicle", 0))
    return predicting or not (feed.alerts or any(counts.values()))


@dataclass(frozen=True)
class FeedState:
    source: str
    snapshot: Snapshot | None = None     # None: nothing usable yet (status "unavailable")
    stats: FeedStats = field(default_factory=FeedStats)
    error: str | None = None             # the last failure; the snapshot was kept


def resolve_feed(tt: Timetable, feed: RealtimeFeed, now: int | None = None,
                 early_limit_s: int = DEFAULT_EARLY_LIMIT_S,
                 max_delay_s: int = DEFAULT_MAX_DELAY_S) -> tuple[Snapshot, FeedStats]:
    """Resolve every entity of `feed` against `tt`; return the snapshot and its statistics.

    `max_delay_s` bounds the delay of a plausible instance (`resolve_trip_updates`)."""
    if feed.filtered_for is not None and feed.filtered_for != tt.feed_hash:
        raise ValueError("the feed was parsed for another timetable (parse_feed(timetable=...)):"
                         " parse its bytes again for this one")
    at = feed.header.timestamp if now is None else now
    resolver = InstanceResolver(tt, at)
    tally = Tally()
    for reason, n in feed.skipped_trip_updates:
        tally.rejected[Reason(reason)] += n
    for reason, n in feed.skipped_vehicles:
        tally.vehicles_rejected[Reason(reason)] += n
    skipped = sum(n for _, n in feed.skipped_trip_updates)
    skipped_vehicles = sum(n for _, n in feed.skipped_vehicles)
    with no_cyclic_gc():
        trips = resolve_trip_updates(tt, feed.trip_updates, resolver, tally, early_limit_s,
                                     max_delay_s)
    vehicles = resolve_vehicles(feed.vehicles, resolver, tally)
    snapshot = Snapshot(header=feed.header, feed_hash=tt.feed_hash, trips=trips,
                        alerts=build_alert_index(feed.alerts), vehicles=vehicles,
                        carries_predictions=carries_predictions(feed))
    note = None
    if feed.header.incrementality is Incrementality.DIFFERENTIAL:
        note = "DIFFERENTIAL feed applied as a full dataset (DIFFERENTIAL is unspecified)"
    stats = FeedStats(
        entities=dict(feed.entity_counts), trip_updates=len(feed.trip_updates) + skipped,
        trip_updates_matched=tally.matched, rejected=dict(tally.rejected),
        stop_time_updates_dropped=dict(tally.dropped),
        vehicles=len(feed.vehicles) + skipped_vehicles,
        vehicles_matched=tally.vehicles_matched,
        vehicles_rejected=dict(tally.vehicles_rejected),
        alerts=len(feed.alerts) + feed.skipped_alerts, note=note,
        skipped_early=skipped + skipped_vehicles + feed.skipped_alerts)
    return snapshot, stats


def resolve_bytes(data: bytes, tt: Timetable, now: int | None = None,
                  early_limit_s: int = DEFAULT_EARLY_LIMIT_S,
                  max_delay_s: int = DEFAULT_MAX_DELAY_S) -> tuple[Snapshot, FeedStats]:
    """Decode and resolve one feed's bytes against `tt`: a pure function of (bytes, timetable,
    now) — no clock, no shared state — so it can run in a worker thread or process. Entities
    that cannot match `tt` are counted, not decoded. Raise FeedDecodeError for garbage.

    Put the result into a state with `RealtimeState.apply_resolved`; hand it to followers as
    bytes with `realtime.snapshot_codec.dump_snapshot`.
    """
    from realtime.parse import parse_feed

    return resolve_feed(tt, parse_feed(data, timetable=tt), now, early_limit_s, max_delay_s)


@dataclass(frozen=True)
class RealtimeState:
    """The realtime sources of one timetable, in the order they were first applied."""

    feeds: tuple[FeedState, ...] = ()

    def feed(self, source: str) -> FeedState:
        """Return the state of `source` (an empty one when it was never applied)."""
        return next((f for f in self.feeds if f.source == source), FeedState(source))

    def _with(self, new: FeedState) -> RealtimeState:
        if any(f.source == new.source for f in self.feeds):
            return RealtimeState(tuple(new if f.source == new.source else f for f in self.feeds))
        return RealtimeState((*self.feeds, new))

    def apply(self, source: str, feed: RealtimeFeed, tt: Timetable, *, now: int | None = None,
              early_limit_s: int = DEFAULT_EARLY_LIMIT_S, received_at: int | None = None,
              max_future_s: int = DEFAULT_MAX_FUTURE_S,
              max_delay_s: int = DEFAULT_MAX_DELAY_S) -> RealtimeState:
        """Return the state with `feed` as the new snapshot of `source`.

        `received_at` is the instant the feed was fetched; without it a future header cannot
        be told and is not checked (`now` is the instant boards are resolved for, which a
        replay may put anywhere). A header more than `max_future_s`
        ahead of it is refused: the old snapshot stays and the source's `error` says so. A
        header older than the applied one keeps the old snapshot too, unless that one is
        itself in the future. Refused feeds leave stats with applied=False and a `refusal`.
        """
        refused = self._refusal(source, feed.header.timestamp, dict(feed.entity_counts), tt,
                                received_at, max_future_s)
        if refused is not None:
            return refused
        snapshot, stats = resolve_feed(tt, feed, now, early_limit_s, max_delay_s)
        return self._with(FeedState(source, snapshot, stats, None))

    def apply_resolved(self, source: str, snapshot: Snapshot, stats: FeedStats, tt: Timetable,
                       *, received_at: int | None = None,
                       max_future_s: int = DEFAULT_MAX_FUTURE_S) -> RealtimeState:
        """`apply` for a snapshot resolved elsewhere (`resolve_bytes` in a worker, or
        `realtime.snapshot_codec.load_snapshot` on a follower): the same ordering rules."""
        if snapshot.feed_hash != tt.feed_hash:
            raise ValueError("the snapshot was resolved against another timetable")
        refused = self._refusal(source, snapshot.header.timestamp, stats.entities, tt,
                                received_at, max_future_s)
        if refused is not None:
            return refused
        return self._with(FeedState(source, snapshot, stats, None))

    def _refusal(self, source: str, stamp: int, entities: Mapping[str, int], tt: Timetable,
                 received: int | None, max_future_s: int) -> RealtimeState | None:
        """Return the state that keeps the old snapshot when a feed stamped `stamp` is refused
        (in the future, or older than the applied one), None when it is to be applied."""
        current = self.feed(source)
        old = current.snapshot
        if received is not None and stamp - received > max_future_s:
            note = (f"header timestamp {stamp} is {stamp - received} s in the future "
                    f"(received at {received}); feed refused")
            stats = FeedStats(entities=dict(entities), applied=False, note=note,
                              refusal=FeedRefusal.FUTURE_HEADER)
            return self._with(FeedState(source, old, stats, note))
        old_in_future = (old is not None and received is not None
                         and old.header.timestamp - received > max_future_s)
        if (old is not None and old.feed_hash == tt.feed_hash and not old_in_future
                and stamp < old.header.timestamp):
            stats = FeedStats(entities=dict(entities), applied=False,
                              note=f"header timestamp {stamp} is older than "
                                   f"the applied {old.header.timestamp}; kept the applied feed",
                              refusal=FeedRefusal.OLDER_HEADER)
            return self._with(FeedState(source, old, stats, current.error))
        return None

    def with_failure(self, source: str, error: str) -> RealtimeState:
        """Return the state noting a failed fetch of `source`; its last snapshot is kept."""
        current = self.feed(source)
        return self._with(FeedState(source, current.snapshot, current.stats, error))

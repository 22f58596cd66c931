"""Is a source's realtime fit to show? live / stale / unavailable from its header timestamp.

Best practice asks for data at most 90 s old (BP-RT L23–L30); displays tolerate more, so the
limit is an argument (default 300 s, as OBA and iRail use). A stale source contributes nothing:
the board falls back to the schedule and says so (C1).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from feeds import Timetable
from realtime.state import FeedState, Snapshot

DEFAULT_MAX_AGE_S = 300


class Freshness(StrEnum):
    LIVE = "live"
    STALE = "stale"
    UNAVAILABLE = "unavailable"


def usable_snapshot(feed: FeedState, tt: Timetable) -> Snapshot | None:
    """The snapshot, if it was resolved against this timetable."""
    snap = feed.snapshot
    return snap if snap is not None and snap.feed_hash == tt.feed_hash else None


def feed_freshness(feed: FeedState, tt: Timetable, at: int,
                   max_age_s: int = DEFAULT_MAX_AGE_S) -> Freshness:
    snap = usable_snapshot(feed, tt)
    if snap is None:
        return Freshness.UNAVAILABLE
    return Freshness.STALE if at - snap.header.timestamp > max_age_s else Freshness.LIVE


def overall_freshness(each: Iterable[Freshness]) -> Freshness:
    """The worst of the sources; "unavailable" only when none could be used at all."""
    values = list(each)
    if not values or all(v is Freshness.UNAVAILABLE for v in values):
        return Freshness.UNAVAILABLE
    return Freshness.LIVE if all(v is Freshness.LIVE for v in values) else Freshness.STALE

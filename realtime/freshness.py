"""Is a source's realtime fit to show? live / stale / unavailable from its header timestamp.

Best practice asks for data at most 90 s old (BP-RT L23–L30); displays tolerate more, so the
limit is an argument (default 300 s, as OBA and iRail use). A stale source contributes nothing:
the board falls back to the schedule and says so (C1).

A board's status speaks about its predictions ("stale" means every departure realtime = false),
so it is computed over the sources that can carry predictions; an alert-only source counts
only when every source is alert-only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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


def can_predict(feed: FeedState) -> bool:
    """False only when the source's last applied feed was alert-only (never applied: True)."""
    return feed.snapshot is None or feed.snapshot.carries_predictions


def board_freshness(feeds: Sequence[FeedState], tt: Timetable, at: int,
                    max_age_s: int = DEFAULT_MAX_AGE_S) -> tuple[Freshness, int | None]:
    """Return a board's realtime status and its feed timestamp (the oldest header).

    Both are computed over the sources that can carry predictions, or over all of them when
    every source is alert-only: a stale alerts feed must not call live predictions stale.
    """
    counted = [f for f in feeds if can_predict(f)] or list(feeds)
    status = overall_freshness(feed_freshness(f, tt, at, max_age_s) for f in counted)
    stamps = [s.header.timestamp for f in counted if (s := usable_snapshot(f, tt)) is not None]
    return status, min(stamps, default=None)

"""Does a realtime feed fit the timetable? Plain-words findings for status, log and `rt-info`:
how much of it matched, and a hint when realtime and timetable evidently do not belong
together (the header's day outside the calendar, trip updates naming instances that cannot be
meant, next to nothing matched).
"""

from __future__ import annotations

import datetime as dt

from feeds import Timetable
from feeds.validity import calendar_range
from realtime.reasons import FeedStats

MIN_UPDATES_FOR_HINT = 10      # fewer trip updates say too little about a mismatch
LOW_SHARE = 0.2                # below this share of matched trip updates: hint


def matched_share(stats: FeedStats) -> float | None:
    """The share of trip updates matched to the timetable (None without trip updates)."""
    if not stats.applied or not stats.trip_updates:
        return None
    return stats.trip_updates_matched / stats.trip_updates


def implausible_hint(stats: FeedStats) -> str | None:
    """Say how many trip updates were refused for naming an instance that cannot be meant."""
    if not stats.applied or not stats.implausible:
        return None
    return (f"{stats.implausible} of {stats.trip_updates} trip updates name an instance that "
            f"cannot be the one meant (a delay beyond the plausibility bound, or a run that "
            f"ended long before the header time) and were refused: does their start_date give "
            f"the trip's service day?")


def realtime_hint(tt: Timetable, stats: FeedStats, header_timestamp: int | None) -> str | None:
    """Return why realtime and timetable seem not to belong together, or None."""
    span = calendar_range(tt)
    if header_timestamp is not None and span is not None:
        day = dt.datetime.fromtimestamp(header_timestamp, tt.zone).date()
        if not span[0] <= day <= span[1]:
            newer = "realtime" if day > span[1] else "static feed"
            return (f"the realtime header's day {day} lies outside the timetable's calendar "
                    f"({span[0]} … {span[1]}): realtime and timetable do not belong together "
                    f"(the {newer} is newer)")
    implausible = implausible_hint(stats)
    if implausible is not None:
        return implausible
    share = matched_share(stats)
    if share is None or stats.trip_updates < MIN_UPDATES_FOR_HINT or share >= LOW_SHARE:
        return None
    return (f"only {stats.trip_updates_matched} of {stats.trip_updates} trip updates "
            f"({share:.0%}) match a trip of the timetable: realtime and timetable probably "
            f"come from different publishers or feed versions")

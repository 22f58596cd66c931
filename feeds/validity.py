"""Is the timetable valid today? Its calendar range, and whether a stop has service on a day.

Pure: the day is an argument. A feed whose last service day has passed is `expired`, one whose
first is still ahead `not_yet_valid`, one without any day of service `no_service`; a board adds
`no_service_today` when its stop has no departure on the day (see `board_validity`).
"""

from __future__ import annotations

import datetime as dt
import weakref
from dataclasses import dataclass, replace
from enum import StrEnum

from feeds.departures import find_rows
from feeds.timetable import Timetable


class TimetableStatus(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"                      # today is after the last day with service
    NOT_YET_VALID = "not_yet_valid"          # today is before the first day with service
    NO_SERVICE = "no_service"                # no day of the calendar has any service
    NO_SERVICE_TODAY = "no_service_today"    # (a board) the stop has no departure today


@dataclass(frozen=True)
class Validity:
    """The timetable's state on `today` (a local date in the agency's zone)."""

    status: TimetableStatus
    first: dt.date | None                    # first and last service day of the feed
    last: dt.date | None
    today: dt.date

    @property
    def days_left(self) -> int | None:
        """Days from today to the last service day (0 = today is the last; negative: expired)."""
        return (self.last - self.today).days if self.last is not None else None

    @property
    def is_valid(self) -> bool:
        return self.status in (TimetableStatus.VALID, TimetableStatus.NO_SERVICE_TODAY)


_RANGES: weakref.WeakKeyDictionary[Timetable, tuple[dt.date, dt.date] | None] = \
    weakref.WeakKeyDictionary()


def calendar_range(tt: Timetable) -> tuple[dt.date, dt.date] | None:
    """`tt.calendar_range()`, computed once per timetable (it reads the whole service matrix)."""
    if tt not in _RANGES:
        _RANGES[tt] = tt.calendar_range()
    return _RANGES[tt]


def feed_validity(tt: Timetable, today: dt.date) -> Validity:
    """Return whether `today` lies inside the timetable's calendar."""
    span = calendar_range(tt)
    if span is None:
        return Validity(TimetableStatus.NO_SERVICE, None, None, today)
    first, last = span
    if today > last:
        status = TimetableStatus.EXPIRED
    elif today < first:
        status = TimetableStatus.NOT_YET_VALID
    else:
        status = TimetableStatus.VALID
    return Validity(status, first, last, today)


def local_day(tt: Timetable, at: int) -> tuple[dt.date, int, int]:
    """Return the local date of instant `at` and the epochs of its midnight and the next."""
    zone = tt.zone
    day = dt.datetime.fromtimestamp(at, zone).date()
    start = int(dt.datetime.combine(day, dt.time(), zone).timestamp())
    end = int(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone).timestamp())
    return day, start, end


def has_service(tt: Timetable, stop: int, start: int, end: int) -> bool:
    """Whether the stop (a station: any of its platforms) has a departure in [start, end)."""
    return any(find_rows(tt, platform, start, end) for platform in tt.platforms_of(stop))


def board_validity(tt: Timetable, stops: list[int], at: int, has_departures: bool) -> Validity:
    """The timetable's state as a board of `stops` at `at` reports it.

    A valid feed whose stops have no departure during the whole local day of `at` is
    `no_service_today` (checked only for an empty board: a listed departure is service).
    """
    day, start, end = local_day(tt, at)
    validity = feed_validity(tt, day)
    if validity.status is TimetableStatus.VALID and not has_departures and \
            not any(has_service(tt, stop, start, end) for stop in stops):
        return replace(validity, status=TimetableStatus.NO_SERVICE_TODAY)
    return validity

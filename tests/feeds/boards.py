"""Small helpers to query a timetable in tests by stop id and to read the answer compactly."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from feeds import Departure, Timetable, find_departures

BERLIN = ZoneInfo("Europe/Berlin")


def board(tt: Timetable, stop_id: str, start: int, end: int) -> list[Departure]:
    """Return find_departures for a stop id; fail loudly when the id is unknown."""
    stop = tt.find_stop(stop_id)
    assert stop >= 0, f"unknown stop {stop_id!r}"
    return find_departures(tt, stop, start, end)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0,
          zone: ZoneInfo = BERLIN) -> int:
    """Return the epoch of a wall-clock time that exists exactly once (not on DST switches)."""
    return int(dt.datetime(year, month, day, hour, minute, tzinfo=zone).timestamp())


def summary(deps: list[Departure]) -> list[tuple[str, str, int]]:
    """Return (trip_id, service_date ISO, scheduled epoch) per departure, in order."""
    return [(d.trip_id, d.service_date.isoformat(), d.scheduled) for d in deps]

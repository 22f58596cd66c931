"""Service calendar: which service_id runs on which service date.

calendar.txt gives weekday flags over [start_date, end_date] (end_date included, GTFS L346);
calendar_dates.txt adds (exception_type 1) or removes (2) single dates, and may stand alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class CalendarRow:
    service_id: str
    weekdays: tuple[bool, bool, bool, bool, bool, bool, bool]
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class CalendarException:
    service_id: str
    date: dt.date
    added: bool


def build_service_matrix(
    service_ids: list[str],
    rows: list[CalendarRow],
    exceptions: list[CalendarException],
) -> tuple[dt.date, npt.NDArray[np.bool_]]:
    """Return (first_date, active) where active[service, day] says the service runs that day.

    Days count from first_date; the matrix spans every date any row or exception mentions.
    """
    dates = [r.start for r in rows] + [r.end for r in rows] + [e.date for e in exceptions]
    if not dates:
        return dt.date(1970, 1, 1), np.zeros((len(service_ids), 0), dtype=bool)
    first, last = min(dates), max(dates)
    n_days = (last - first).days + 1
    index = {sid: i for i, sid in enumerate(service_ids)}
    active = np.zeros((len(service_ids), n_days), dtype=bool)
    weekday_of_day = (np.arange(n_days) + first.weekday()) % 7
    for row in rows:
        flags = np.array(row.weekdays, dtype=bool)
        lo, hi = (row.start - first).days, (row.end - first).days + 1
        if hi > lo:
            active[index[row.service_id], lo:hi] = flags[weekday_of_day[lo:hi]]
    for exc in exceptions:
        active[index[exc.service_id], (exc.date - first).days] = exc.added
    return first, active

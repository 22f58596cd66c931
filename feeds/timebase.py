"""The GTFS time base: a service day's times count from "noon minus 12 h" in agency_timezone.

GTFS reference (Time type): times are "measured from 'noon minus 12h' of the service day
(effectively midnight except for days on which daylight savings time changes occur)".
All arithmetic here is on UTC epochs; aware-datetime addition would be wall-clock arithmetic.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

_TIME = re.compile(r"^\s*(\d{1,3}):([0-5]\d):([0-5]\d)\s*$")


def service_day_base(day: dt.date, tz: ZoneInfo) -> int:
    """Return the UTC epoch (s) of noon minus 12 h on `day` in `tz`."""
    noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=tz)
    return int(noon.timestamp()) - 43_200


def build_day_bases(first: dt.date, n_days: int, tz: ZoneInfo) -> npt.NDArray[np.int64]:
    """Return the base epoch of each of `n_days` service days starting at `first`."""
    return np.array(
        [service_day_base(first + dt.timedelta(days=i), tz) for i in range(n_days)],
        dtype=np.int64,
    )


def parse_gtfs_time(text: str) -> int:
    """Return seconds since the service-day base for 'HH:MM:SS' or 'H:MM:SS' (may exceed 24 h).

    Raise ValueError for anything else.
    """
    m = _TIME.match(text)
    if m is None:
        raise ValueError(f"not a GTFS time (H:MM:SS): {text!r}")
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3))


def format_gtfs_time(seconds: int) -> str:
    """Return seconds since the service-day base as HH:MM:SS (hours may exceed 23)."""
    h, rest = divmod(seconds, 3600)
    return f"{h:02d}:{rest // 60:02d}:{rest % 60:02d}"


def parse_gtfs_date(text: str) -> dt.date:
    """Return a date from GTFS 'YYYYMMDD'; raise ValueError otherwise."""
    text = text.strip()
    if len(text) != 8 or not text.isdigit():
        raise ValueError(f"not a GTFS date (YYYYMMDD): {text!r}")
    return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))

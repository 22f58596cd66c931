"""The service's clock: the only place the shell reads the time of day.

Core code (`feeds/`, `realtime/`) takes the instant as an argument; the shell asks one `Clock`.
A clock can start at a given instant and run on from there (`ABFAHRT_CLOCK`): the demo, the
screenshots and the tests then see the same network at any hour of the real day.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo


class Clock:
    """Seconds since the epoch (UTC), from the wall clock or from a chosen starting instant."""

    def __init__(self, start_at: int | None = None,
                 wall: Callable[[], float] = time.time) -> None:
        self._wall = wall
        self._offset = 0.0 if start_at is None else start_at - wall()

    @property
    def is_wall(self) -> bool:
        return self._offset == 0.0

    def now(self) -> int:
        return int(self._wall() + self._offset)

    def today(self, zone: ZoneInfo) -> dt.date:
        """The calendar day it is now in `zone`."""
        return dt.datetime.fromtimestamp(self.now(), zone).date()


class FakeClock(Clock):
    """A clock that stands still until a test moves it (`advance`, `set`)."""

    def __init__(self, at: int) -> None:
        self._at = at
        super().__init__(at, wall=lambda: float(self._at))

    def now(self) -> int:
        return self._at

    def set(self, at: int) -> None:
        self._at = at

    def advance(self, seconds: int) -> None:
        self._at += seconds

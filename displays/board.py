"""The board view-model: one stop's departures, realtime status and alerts at an instant.

Pure: `at` is an argument. The JSON document (`displays.document`) and every HTML/text rendering
are made from this one structure, so they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from feeds import Departure, Timetable, find_departures


@dataclass(frozen=True, slots=True)
class BoardAlert:
    id: str
    header: str | None
    description: str | None
    effect: str | None
    severity: str | None
    source: str                          # "gtfs-rt" | "operator"
    url: str | None = None


@dataclass(frozen=True)
class Board:
    stop_id: str
    stop_name: str
    timezone: str
    at: int                              # UTC epoch (s) the board was computed for
    window_s: int
    departures: tuple[Departure, ...]
    realtime_status: str = "unavailable"  # live | stale | unavailable
    feed_timestamp: int | None = None
    alerts: tuple[BoardAlert, ...] = field(default_factory=tuple)


def build_board(tt: Timetable, stop: int, at: int, window_s: int, limit: int | None = None
                ) -> Board:
    """Return the schedule-only board of stop index `stop` for [at, at + window_s)."""
    departures = find_departures(tt, stop, at, at + window_s)
    if limit is not None:
        departures = departures[:limit]
    return Board(stop_id=tt.stop_id(stop), stop_name=tt.stop_name[stop], timezone=tt.timezone,
                 at=at, window_s=window_s, departures=tuple(departures))

"""The board view-model: one stop's departures, realtime status and alerts at an instant.

Pure: `at` is an argument. The JSON document (`displays.board.document`) and every HTML and
text rendering are made from this one structure, so they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from feeds import Departure, Timetable
from realtime.freshness import DEFAULT_MAX_AGE_S
from realtime.merge import merge_board
from realtime.state import RealtimeState


@dataclass(frozen=True, slots=True)
class BoardAlert:
    id: str
    header: str | None
    description: str | None
    effect: str | None
    severity: str | None
    source: str                          # "gtfs-rt" | "operator"
    url: str | None = None
    cause: str | None = None


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
    lang: str = "de"
    realtime_sources: tuple[tuple[str, str], ...] = ()   # (source, live|stale|unavailable)


def build_board(tt: Timetable, stop: int, at: int, window_s: int, limit: int | None = None,
                realtime: RealtimeState | None = None, max_age_s: int = DEFAULT_MAX_AGE_S,
                lang: str = "de") -> Board:
    """Return the board of stop index `stop` for [at, at + window_s).

    `realtime` None gives the schedule alone (status "unavailable"). A source whose header
    timestamp is more than `max_age_s` before `at` is stale and contributes nothing. Alert texts
    are chosen for `lang`.
    """
    merged = merge_board(tt, stop, at, window_s, realtime, max_age_s, lang, limit)
    alerts = tuple(
        BoardAlert(id=a.id, header=a.header, description=a.description, effect=a.effect,
                   severity=a.severity, source="gtfs-rt", url=a.url, cause=a.cause)
        for a in merged.alerts)
    return Board(stop_id=tt.stop_id(stop), stop_name=tt.stop_name[stop], timezone=tt.timezone,
                 at=at, window_s=window_s, departures=merged.departures,
                 realtime_status=str(merged.status), feed_timestamp=merged.feed_timestamp,
                 alerts=alerts, lang=lang,
                 realtime_sources=tuple((s, str(f)) for s, f in merged.sources))

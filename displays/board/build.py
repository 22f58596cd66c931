"""Build boards: a stop's, several stops' (a display's), filtered and limited, with the alerts
of the realtime feeds and the operator notices. Pure: the timetable, the realtime state, the
notices and the instant are arguments.

Filters (route, direction, platform, per-line cap) apply before the row limit; a filtered
display shows only the upstream alerts that concern a departure it lists.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from displays.board.alert import AlertSource, BoardAlert, NamedEntity
from displays.board.display import BoardFilter, Display
from displays.board.model import Board, BoardDeparture, BoardDisplay
from displays.board.when import when_of
from feeds import Departure, Timetable
from feeds.validity import TimetableStatus, Validity, board_validity
from realtime.freshness import DEFAULT_MAX_AGE_S, overall_freshness
from realtime.merge import merge_board
from realtime.records import Alert, EntitySelector
from realtime.state import RealtimeState

DEFAULT_HORIZON_MIN = 20       # minutes shown as "in N min"; later departures show the clock


@dataclass(frozen=True, slots=True)
class BoardRequest:
    """What a board is asked for besides its stops: the window, rows, filter, language."""

    window_s: int
    limit: int | None = None
    flt: BoardFilter = field(default_factory=BoardFilter)
    lang: str = "de"
    max_age_s: int = DEFAULT_MAX_AGE_S
    horizon_min: int = DEFAULT_HORIZON_MIN


def named(selectors: Iterable[EntitySelector], tt: Timetable) -> tuple[NamedEntity, ...]:
    """Informed entities with the route's short name and the stop's name where the timetable
    knows them."""
    out = []
    for sel in selectors:
        route = tt.find_route(sel.route_id) if sel.route_id is not None else -1
        stop = tt.find_stop(sel.stop_id) if sel.stop_id is not None else -1
        out.append(NamedEntity(sel, tt.routes[route].short_name if route >= 0 else None,
                               tt.stop_name[stop] if stop >= 0 else None))
    return tuple(out)


def upstream_alert(alert: Alert, tt: Timetable) -> BoardAlert:
    """A GTFS-RT alert as boards carry it."""
    return BoardAlert(id=alert.entity_id, source=AlertSource.GTFS_RT, header=alert.header,
                      description=alert.description, url=alert.url, effect=alert.effect,
                      severity=alert.severity, cause=alert.cause, periods=alert.active_periods,
                      entities=named(alert.informed_entities, tt))


def build_board(tt: Timetable, stop: int, at: int, window_s: int, limit: int | None = None,
                realtime: RealtimeState | None = None, max_age_s: int = DEFAULT_MAX_AGE_S,
                lang: str = "de", horizon_min: int = DEFAULT_HORIZON_MIN) -> Board:
    """Return the board of stop index `stop` for [at, at + window_s).

    `realtime` None gives the schedule alone ("unavailable"). A source whose header timestamp
    is more than `max_age_s` before `at` is stale and contributes nothing.
    """
    merged = merge_board(tt, stop, at, window_s, realtime, max_age_s, limit)
    return Board(stop_id=tt.stop_id(stop), stop_name=tt.stop_name[stop], timezone=tt.timezone,
                 at=at, window_s=window_s, departures=_listed(merged.departures, at,
                                                              horizon_min),
                 freshness=merged.status, feed_timestamp=merged.feed_timestamp,
                 sources=merged.sources,
                 alerts=tuple(upstream_alert(a, tt) for a in merged.alerts), lang=lang,
                 timetable=board_validity(tt, [stop], at, bool(merged.departures)),
                 feed_version=tt.feed_version, feed_hash=tt.feed_hash)


def _listed(departures: Iterable[Departure], at: int, horizon_min: int
            ) -> tuple[BoardDeparture, ...]:
    return tuple(BoardDeparture(d, when_of(d, at, horizon_min)) for d in departures)


def apply_filter(departures: Sequence[BoardDeparture], flt: BoardFilter, limit: int | None
                 ) -> tuple[BoardDeparture, ...]:
    """Return the departures that pass the filter, at most `per_line` per route, then `limit`."""
    kept: list[BoardDeparture] = []
    per_route: Counter[str] = Counter()
    for listed in departures:
        dep = listed.dep
        if flt.routes and dep.route.id not in flt.routes and (dep.route.short_name or "") \
                not in flt.routes:
            continue
        if flt.direction is not None and dep.direction_id != flt.direction:
            continue
        if flt.platforms and (dep.platform or "") not in flt.platforms:
            continue
        if flt.per_line:
            per_route[dep.route.id] += 1
            if per_route[dep.route.id] > flt.per_line:
                continue
        kept.append(listed)
        if limit is not None and len(kept) >= limit:
            break
    return tuple(kept)


def combine_boards(boards: list[Board]) -> Board:
    """Return one board listing the departures and alerts of several (a multi-stop display)."""
    first = boards[0]
    if len(boards) == 1:
        return first
    departures = sorted((d for b in boards for d in b.departures),
                        key=lambda d: d.dep.sort_key())
    alerts: dict[str, BoardAlert] = {}
    for board in boards:
        for alert in board.alerts:
            alerts.setdefault(alert.id, alert)
    stamps = [b.feed_timestamp for b in boards if b.feed_timestamp is not None]
    return replace(first, departures=tuple(departures), alerts=tuple(alerts.values()),
                   freshness=overall_freshness(b.freshness for b in boards),
                   feed_timestamp=min(stamps) if stamps else None,
                   timetable=combined_validity(boards))


def combined_validity(boards: list[Board]) -> Validity | None:
    """The stops share one feed and so its state, except "no service today": that holds for
    several stops only when it holds for each."""
    states = [b.timetable for b in boards if b.timetable is not None]
    served = [v for v in states if v.status is not TimetableStatus.NO_SERVICE_TODAY]
    return served[0] if served else (states[0] if states else None)


def compute_board(tt: Timetable, realtime: RealtimeState | None, stops: list[int], at: int,
                  ask: BoardRequest, notices: tuple[BoardAlert, ...] = ()) -> Board:
    """Return the (filtered, limited) board of one or more stops at `at`; the operator
    `notices` for it come first among its alerts."""
    flt = ask.flt
    boards = [build_board(tt, s, at, ask.window_s, ask.limit if flt.empty else None,
                          realtime=realtime, max_age_s=ask.max_age_s, lang=ask.lang,
                          horizon_min=ask.horizon_min) for s in stops]
    board = combine_boards(boards)
    if not (flt.empty and len(stops) == 1):
        kept = apply_filter(board.departures, flt, ask.limit)
        alerts = board.alerts if flt.empty else \
            concerning(board.alerts, apply_filter(board.departures, flt, None))
        board = replace(board, departures=kept, alerts=alerts)
    return replace(board, alerts=notices + board.alerts) if notices else board


def concerning(alerts: tuple[BoardAlert, ...], departures: tuple[BoardDeparture, ...]
               ) -> tuple[BoardAlert, ...]:
    """Return the alerts that concern at least one of `departures` (a filtered display's).

    A departure lists the alerts that select it: its trip, its route (and route type), its
    platform or station, its agency. An alert of a line or platform the display leaves out
    selects none of its departures, so that display does not show it.
    """
    wanted = {alert_id for listed in departures for alert_id in listed.dep.alert_ids}
    return tuple(a for a in alerts if a.id in wanted)


def display_stops(tt: Timetable, display: Display) -> list[int]:
    """The display's stops in the timetable (LookupError when none is)."""
    stops = [i for i in (tt.find_stop(s) for s in display.stops) if i >= 0]
    if not stops:
        raise LookupError(f"display {display.id}: none of its stops is in the timetable")
    return stops


def compute_display_board(tt: Timetable, realtime: RealtimeState | None, display: Display,
                          at: int, ask: BoardRequest, notices: tuple[BoardAlert, ...] = ()
                          ) -> Board:
    """Return the board of a configured display (its stops, filter, rows and language)."""
    ask = replace(ask, limit=display.rows, flt=display.filter, lang=display.lang)
    board = compute_board(tt, realtime, display_stops(tt, display), at, ask, notices)
    return replace(board, display=BoardDisplay(
        id=display.id, name=display.name, title=display.title or board.stop_name,
        lang=display.lang, theme=display.theme, refresh_s=display.refresh_s,
        platforms=tuple(sorted(display.filter.platforms)), audio=display.audio,
        readout_rows=display.readout_rows))

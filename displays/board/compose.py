"""Compute the board documents the service caches: a stop's board, a display's board.

Pure apart from taking the runtime's current timetable and realtime state as arguments.
Filters (route, direction, platform, per-line cap) apply before the row limit.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

from displays.board.display import BoardFilter, Display
from displays.board.document import board_document
from displays.board.model import Board, BoardAlert, build_board
from feeds import Departure, Timetable
from feeds.validity import TimetableStatus, Validity


def apply_filter(departures: tuple[Departure, ...], flt: BoardFilter, limit: int | None
                 ) -> tuple[Departure, ...]:
    """Return the departures that pass the filter, at most `per_line` per route, then `limit`."""
    kept: list[Departure] = []
    per_route: Counter[str] = Counter()
    for dep in departures:
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
        kept.append(dep)
        if limit is not None and len(kept) >= limit:
            break
    return tuple(kept)


def combine_boards(boards: list[Board]) -> Board:
    """Return one board listing the departures and alerts of several (a multi-stop display)."""
    first = boards[0]
    if len(boards) == 1:
        return first
    departures = sorted((d for b in boards for d in b.departures), key=Departure.sort_key)
    alerts: dict[str, BoardAlert] = {}
    for board in boards:
        for alert in board.alerts:
            alerts.setdefault(alert.id, alert)
    statuses = [b.realtime_status for b in boards]
    status = next((s for s in ("stale", "unavailable") if s in statuses), "live")
    stamps = [b.feed_timestamp for b in boards if b.feed_timestamp is not None]
    return replace(first, departures=tuple(departures), alerts=tuple(alerts.values()),
                   realtime_status=status, feed_timestamp=min(stamps) if stamps else None,
                   timetable=combined_validity(boards))


def combined_validity(boards: list[Board]) -> Validity | None:
    """The stops share one feed and so its state, except "no service today": that holds for
    several stops only when it holds for each."""
    states = [b.timetable for b in boards if b.timetable is not None]
    served = [v for v in states if v.status is not TimetableStatus.NO_SERVICE_TODAY]
    return served[0] if served else (states[0] if states else None)


def compute_board(
    tt: Timetable,
    realtime: Any,
    stops: list[int],
    at: int,
    window_s: int,
    limit: int | None,
    flt: BoardFilter,
    lang: str,
    max_age_s: int,
) -> Board:
    """Return the (filtered, limited) board of one or more stops at `at`."""
    boards = [build_board(tt, s, at, window_s, None if not flt.empty else limit,
                          realtime=realtime, max_age_s=max_age_s, lang=lang) for s in stops]
    board = combine_boards(boards)
    if flt.empty and len(stops) == 1:
        return board
    kept = apply_filter(board.departures, flt, limit)
    if flt.empty:
        return replace(board, departures=kept)
    return replace(board, departures=kept,
                   alerts=concerning(board.alerts, apply_filter(board.departures, flt, None)))


def concerning(alerts: tuple[BoardAlert, ...], departures: tuple[Departure, ...]
               ) -> tuple[BoardAlert, ...]:
    """Return the alerts that concern at least one of `departures` (a filtered display's).

    A departure lists the alerts that select it: its trip, its route (and route type), its
    platform or station, its agency. An alert of a line or platform the display leaves out
    selects none of its departures, so that display does not show it.
    """
    wanted = {alert_id for dep in departures for alert_id in dep.alert_ids}
    return tuple(a for a in alerts if a.id in wanted)


def compute_display_board(tt: Timetable, realtime: Any, display: Display, at: int,
                          window_s: int, max_age_s: int) -> Board:
    """Return the board of a configured display (its stops, filter and rows)."""
    stops = [i for i in (tt.find_stop(s) for s in display.stops) if i >= 0]
    if not stops:
        raise LookupError(f"display {display.id}: none of its stops is in the timetable")
    return compute_board(tt, realtime, stops, at, window_s, display.rows, display.filter,
                         display.lang, max_age_s)


def display_document(tt: Timetable, realtime: Any, display: Display, at: int, window_s: int,
                     max_age_s: int) -> dict[str, Any]:
    """Return the board document of a configured display (the contract plus `display`)."""
    return display_board_document(
        compute_display_board(tt, realtime, display, at, window_s, max_age_s), display)


def display_board_document(board: Board, display: Display) -> dict[str, Any]:
    """The contract document of a display's board plus its `display` object."""
    document = board_document(board)
    document["display"] = {"id": display.id, "name": display.name,
                           "title": display.title or board.stop_name, "lang": display.lang,
                           "theme": display.theme, "refresh_s": display.refresh_s,
                           "platforms": sorted(display.filter.platforms),
                           "audio": display.audio, "readout_rows": display.readout_rows}
    return document

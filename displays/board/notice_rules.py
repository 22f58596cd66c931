"""Where and when an operator notice is shown: its targets, its schedule, and what one board
covers. Pure: the instant and the timetable are arguments.

A notice is shown while `valid_from <= at < valid_until` (end exclusive, as a GTFS-RT
TimeRange), on the listed local weekdays (if any) and inside the daily window of local time
(if one is given); a window that wraps midnight (22:00–02:00) belongs to the weekday it starts
on. It applies to a board when it targets everything, the board's display, a stop of the board
(a stop covers its parent station and a station its platforms), or a route serving the board's
platforms (in the given direction), always after the display's own filter.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np

from displays.board.display import Display
from feeds import Timetable

RouteDirection = tuple[str, int]            # (route_id, direction_id or -1 when unknown)


@dataclass(frozen=True, slots=True)
class RouteTarget:
    id: str
    direction: int | None = None      # GTFS direction_id 0/1; None = both directions


@dataclass(frozen=True, slots=True)
class Targets:
    all: bool = False
    stops: tuple[str, ...] = ()       # stop or station ids (a station covers its platforms)
    routes: tuple[RouteTarget, ...] = ()
    displays: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.all or self.stops or self.routes or self.displays)


@dataclass(frozen=True, slots=True)
class DailyWindow:
    """Minutes after local midnight, start inclusive, end exclusive; end < start wraps midnight."""

    start: int
    end: int

    @property
    def wraps(self) -> bool:
        return self.end <= self.start


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a notice is shown: its validity, weekdays and daily window."""

    valid_from: int                           # epoch seconds, inclusive
    valid_until: int | None = None            # epoch seconds, exclusive; None = no end
    weekdays: tuple[int, ...] = ()            # ISO weekdays; () = every day
    daily: DailyWindow | None = None

    def is_over(self, at: int) -> bool:
        return self.valid_until is not None and self.valid_until <= at

    def shows(self, at: int, zone: ZoneInfo) -> bool:
        """Whether the notice is shown at `at` (validity, weekday, daily window)."""
        if at < self.valid_from or self.is_over(at):
            return False
        if not self.weekdays and self.daily is None:
            return True
        local = dt.datetime.fromtimestamp(at, zone)
        weekday = local.isoweekday()
        window = self.daily
        if window is not None:
            minute = local.hour * 60 + local.minute
            if not window.wraps:
                if not window.start <= minute < window.end:
                    return False
            elif minute < window.end:
                weekday = weekday - 1 or 7          # the early part belongs to the day before
            elif minute < window.start:
                return False
        return not self.weekdays or weekday in self.weekdays


@dataclass(frozen=True, slots=True)
class BoardScope:
    """What one board covers: stop ids (with stations and platforms), serving routes, display."""

    stop_ids: frozenset[str]
    route_directions: frozenset[RouteDirection]
    display: str | None = None

    @property
    def routes(self) -> frozenset[str]:
        return frozenset(r for r, _ in self.route_directions)


def applies_to(targets: Targets, scope: BoardScope) -> bool:
    """True when a notice with these targets is shown on the board of `scope`."""
    if targets.all:
        return True
    if scope.display is not None and scope.display in targets.displays:
        return True
    if any(stop in scope.stop_ids for stop in targets.stops):
        return True
    return any(
        (route.id, route.direction) in scope.route_directions if route.direction is not None
        else route.id in scope.routes
        for route in targets.routes)


def build_serving(tt: Timetable) -> Mapping[int, frozenset[RouteDirection]]:
    """Return, per stop index, the (route, direction) pairs of the trips calling there."""
    if len(tt.st_stop) == 0:
        return {}
    trips = tt.st_trip.astype(np.int64)
    routes = tt.trip_route[trips].astype(np.int64)
    directions = tt.trip_direction[trips].astype(np.int64) + 1          # -1..1 -> 0..2
    keys = np.unique((tt.st_stop.astype(np.int64) * len(tt.routes) + routes) * 3 + directions)
    serving: dict[int, set[RouteDirection]] = {}
    for key in keys.tolist():
        stop_route, direction = divmod(key, 3)
        stop, route = divmod(stop_route, len(tt.routes))
        serving.setdefault(stop, set()).add((tt.routes[route].id, direction - 1))
    return {stop: frozenset(pairs) for stop, pairs in serving.items()}


_SERVING: weakref.WeakKeyDictionary[Timetable, Mapping[int, frozenset[RouteDirection]]] = \
    weakref.WeakKeyDictionary()


def serving_of(tt: Timetable) -> Mapping[int, frozenset[RouteDirection]]:
    """`build_serving(tt)`, made once per timetable."""
    found = _SERVING.get(tt)
    if found is None:
        found = _SERVING[tt] = build_serving(tt)
    return found


def _route_allowed(tt: Timetable, route_id: str, display: Display | None) -> bool:
    if display is None or not display.filter.routes:
        return True
    index = tt.find_route(route_id)
    short = (tt.routes[index].short_name or "") if index >= 0 else ""
    return route_id in display.filter.routes or short in display.filter.routes


def build_scope(tt: Timetable, serving: Mapping[int, frozenset[RouteDirection]],
                stops: Iterable[int], display: Display | None = None) -> BoardScope:
    """Return the scope of a board of `stops` (indices), narrowed by the display's filter."""
    ids: set[str] = set()
    pairs: set[RouteDirection] = set()
    wanted = display.filter.platforms if display is not None else frozenset()
    for stop in stops:
        ids.add(tt.stop_id(stop))
        if (parent := int(tt.stop_parent[stop])) >= 0:
            ids.add(tt.stop_id(parent))
        for platform in tt.platforms_of(stop):
            if wanted and platform != stop and tt.stop_platform[platform] not in wanted:
                continue
            ids.add(tt.stop_id(platform))
            pairs.update(serving.get(platform, ()))
    if display is not None:
        flt = display.filter
        pairs = {(r, d) for r, d in pairs if _route_allowed(tt, r, display)
                 and (flt.direction is None or d == flt.direction)}
    return BoardScope(frozenset(ids), frozenset(pairs), display.id if display else None)

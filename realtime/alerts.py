"""Service alerts: which active alerts concern a departure, and which belong on a stop's board.

EntitySelector fields are AND-ed, selectors OR-ed (RT-ref L550–L565); `direction_id` needs
`route_id`. A stop selector covers the platform and its parent station, and a station selector
its platforms. A TimeRange is start-inclusive, end-exclusive, open where unset; an alert without
periods is active while it is in the feed. Text is chosen by exact language tag, then primary
subtag, then the untagged translation, then the first one (PR #112 of homeassistant-gtfs-rt).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from feeds import Departure, Timetable
from realtime.records import Alert, EntitySelector, Translation

Entry = tuple[int, EntitySelector]        # (alert position, selector)
K = TypeVar("K")


@dataclass(frozen=True)
class AlertIndex:
    """The alerts of one feed, each selector filed under its most specific field."""

    alerts: tuple[Alert, ...] = ()
    by_trip: Mapping[str, tuple[Entry, ...]] = field(default_factory=dict)
    by_stop: Mapping[str, tuple[Entry, ...]] = field(default_factory=dict)
    by_route: Mapping[str, tuple[Entry, ...]] = field(default_factory=dict)
    by_route_type: Mapping[int, tuple[Entry, ...]] = field(default_factory=dict)
    by_agency: Mapping[str, tuple[Entry, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StopScope:
    """What a board's stop is: its stop ids (self, station, platforms) and what serves it."""

    stop_ids: frozenset[str]
    routes: frozenset[str]
    route_directions: frozenset[tuple[str, int]]
    route_types: frozenset[int]
    agencies: frozenset[str]


def build_alert_index(alerts: Iterable[Alert]) -> AlertIndex:
    """File each (alert, selector) under trip, stop, route, route_type or agency."""
    kept = tuple(alerts)
    trips: dict[str, list[Entry]] = {}
    stops: dict[str, list[Entry]] = {}
    routes: dict[str, list[Entry]] = {}
    types: dict[int, list[Entry]] = {}
    agencies: dict[str, list[Entry]] = {}
    for pos, alert in enumerate(kept):
        for sel in alert.informed_entities:
            entry = (pos, sel)
            if sel.direction_id is not None and sel.route_id is None:
                continue                     # direction_id without route_id selects nothing
            if sel.trip is not None:
                if sel.trip.trip_id is not None:   # a trip selector must name its trip
                    trips.setdefault(sel.trip.trip_id, []).append(entry)
            elif sel.stop_id is not None:
                stops.setdefault(sel.stop_id, []).append(entry)
            elif sel.route_id is not None:
                routes.setdefault(sel.route_id, []).append(entry)
            elif sel.route_type is not None:
                types.setdefault(sel.route_type, []).append(entry)
            elif sel.agency_id is not None:
                agencies.setdefault(sel.agency_id, []).append(entry)
            # an empty selector selects nothing (RTV E033)
    return AlertIndex(kept, _frozen(trips), _frozen(stops), _frozen(routes), _frozen(types),
                      _frozen(agencies))


def _frozen(files: dict[K, list[Entry]]) -> dict[K, tuple[Entry, ...]]:
    return {k: tuple(v) for k, v in files.items()}


def pick(translations: tuple[Translation, ...], lang: str) -> Translation | None:
    """Return the translation for `lang`: exact tag, primary subtag, untagged, else the first."""
    if not translations:
        return None
    want = lang.lower()
    primary = want.split("-")[0]
    tagged = [(t.language.lower() if t.language else None, t) for t in translations]
    for tag, t in tagged:
        if tag == want:
            return t
    for tag, t in tagged:
        if tag is not None and tag.split("-")[0] == primary:
            return t
    for tag, t in tagged:
        if tag is None:
            return t
    return translations[0]


def pick_text(translations: tuple[Translation, ...], lang: str) -> str | None:
    """The text of `pick`."""
    found = pick(translations, lang)
    return found.text if found is not None else None


def agency_of(tt: Timetable, agency_id: str | None) -> str | None:
    """A route's agency; a one-agency feed may leave agency_id empty (GTFS L197)."""
    if agency_id:
        return agency_id
    return tt.agencies[0].id if len(tt.agencies) == 1 and tt.agencies[0].id else None


def stop_family(tt: Timetable, stop: int) -> frozenset[str]:
    """The stop, its parent station, and a station's child stops."""
    ids = {tt.stop_id(stop)}
    parent = int(tt.stop_parent[stop])
    if parent >= 0:
        ids.add(tt.stop_id(parent))
    ids.update(tt.stop_id(int(k)) for k in tt.children(stop))
    return frozenset(ids)


def departure_alert_ids(tt: Timetable, index: AlertIndex, dep: Departure, at: int
                        ) -> list[str]:
    """Return the ids of the active alerts whose selectors concern this departure."""
    stop = tt.find_stop(dep.stop_id)
    parent = int(tt.stop_parent[stop]) if stop >= 0 else -1
    stops = {dep.stop_id} | ({tt.stop_id(parent)} if parent >= 0 else set())
    agency = agency_of(tt, dep.route.agency_id)
    candidates: list[Entry] = list(index.by_trip.get(dep.trip_id, ()))
    for s in stops:
        candidates += index.by_stop.get(s, ())
    candidates += index.by_route.get(dep.route.id, ())
    candidates += index.by_route_type.get(dep.route.type, ())
    if agency is not None:
        candidates += index.by_agency.get(agency, ())
    hits: set[int] = set()
    for pos, sel in candidates:
        if pos not in hits and _selects_departure(sel, dep, stops, agency) \
                and index.alerts[pos].is_active(at):
            hits.add(pos)
    return [index.alerts[p].entity_id for p in sorted(hits)]


def _selects_departure(sel: EntitySelector, dep: Departure, stops: set[str],
                       agency: str | None) -> bool:
    if sel.agency_id is not None and sel.agency_id != agency:
        return False
    if sel.route_id is not None and sel.route_id != dep.route.id:
        return False
    if sel.direction_id is not None and sel.direction_id != dep.direction_id:
        return False
    if sel.route_type is not None and sel.route_type != dep.route.type:
        return False
    if sel.stop_id is not None and sel.stop_id not in stops:
        return False
    if sel.trip is not None:
        if sel.trip.trip_id != dep.trip_id:
            return False
        if (sel.trip.start_date is not None
                and sel.trip.start_date != dep.service_date.strftime("%Y%m%d")):
            return False
    return True


def board_alerts(index: AlertIndex, scope: StopScope, at: int) -> list[Alert]:
    """Return the active alerts for a stop: its stop/station, routes serving it, its agencies.

    Trip selectors are shown with their departures, not on the board.
    """
    candidates: list[Entry] = []
    for s in scope.stop_ids:
        candidates += index.by_stop.get(s, ())
    for r in scope.routes:
        candidates += index.by_route.get(r, ())
    for t in scope.route_types:
        candidates += index.by_route_type.get(t, ())
    for a in scope.agencies:
        candidates += index.by_agency.get(a, ())
    hits = {pos for pos, sel in candidates
            if _selects_stop(sel, scope) and index.alerts[pos].is_active(at)}
    return [index.alerts[p] for p in sorted(hits)]


def _selects_stop(sel: EntitySelector, scope: StopScope) -> bool:
    if sel.trip is not None:
        return False
    if sel.stop_id is not None and sel.stop_id not in scope.stop_ids:
        return False
    if sel.route_id is not None:
        if sel.direction_id is not None:
            if (sel.route_id, sel.direction_id) not in scope.route_directions:
                return False
        elif sel.route_id not in scope.routes:
            return False
    if sel.route_type is not None and sel.route_type not in scope.route_types:
        return False
    return sel.agency_id is None or sel.agency_id in scope.agencies

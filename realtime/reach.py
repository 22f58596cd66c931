"""Which realtime entities can concern a timetable: the pre-filter of `parse_feed(timetable=)`.

A Germany-wide feed against one city's timetable is mostly about trips, stops and routes the
city does not have. What cannot match is counted by the reason resolution would give
(`realtime.instances`, `realtime.trip_updates`) and never decoded further; the statistics and
boards stay those of a full parse (tests/realtime/test_filtered_parse.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from feeds import Timetable
from realtime.reasons import Reason
from realtime.records import TripRelationship

TRIP_UPDATE, VEHICLE = 0, 1       # the two kinds of entity that name a trip


class TripLike(Protocol):
    """A TripDescriptor: the record, or `realtime.decode.TripView` (read on access)."""

    @property
    def trip_id(self) -> str | None: ...
    @property
    def route_id(self) -> str | None: ...
    @property
    def direction_id(self) -> int | None: ...
    @property
    def start_time(self) -> str | None: ...
    @property
    def start_date(self) -> str | None: ...
    @property
    def relationship(self) -> TripRelationship: ...


def usable_trips(tt: Timetable, trip_ids: Sequence[str | None]) -> npt.NDArray[np.bool_]:
    """Return which trip ids name a trip of `tt` that realtime can use."""
    found: npt.NDArray[np.bool_] = usable_trip_indices(tt, trip_ids) >= 0
    return found


def usable_trip_indices(tt: Timetable, trip_ids: Sequence[str | None]) -> npt.NDArray[np.int64]:
    """Return the index of the usable trip each id names, -1 for none (one vectorised lookup;
    see `realtime.instances.find_usable_trip`)."""
    ids = tt.trip_ids
    if not trip_ids or ids.size == 0:
        return np.full(len(trip_ids), -1, dtype=np.int64)
    raw = [(t or "").encode("utf-8") for t in trip_ids]
    fits = np.array([0 < len(r) <= ids.dtype.itemsize for r in raw], dtype=bool)
    keys = np.array([r if ok else b"" for r, ok in zip(raw, fits, strict=True)], dtype=ids.dtype)
    pos = np.minimum(np.searchsorted(ids, keys), ids.size - 1)
    found = fits & (ids[pos] == keys) & (tt.trip_st_start[pos] < tt.trip_st_end[pos])
    return np.where(found, pos, -1).astype(np.int64)


def cannot_match(tt: Timetable, kind: int, trip: TripLike | None) -> Reason | None:
    """Return why an entity whose trip_id is not usable in `tt` cannot match, or None when it
    might (a NEW trip of a known route; a descriptor by route, direction and start)."""
    if trip is None:
        return Reason.NO_TRIP
    rel = trip.relationship
    if kind == TRIP_UPDATE and rel in (TripRelationship.NEW, TripRelationship.ADDED):
        return None if tt.find_route(trip.route_id or "") >= 0 else Reason.UNKNOWN_ROUTE
    if kind == TRIP_UPDATE and rel is TripRelationship.REPLACEMENT:
        return Reason.UNSUPPORTED_RELATIONSHIP
    if kind == TRIP_UPDATE and rel is TripRelationship.DUPLICATED:
        return Reason.UNKNOWN_TRIP
    if (trip.route_id and trip.direction_id is not None and trip.start_time
            and trip.start_date):
        # named by route, direction and start (InstanceResolver._resolve_alternative)
        return None if tt.find_route(trip.route_id) >= 0 else Reason.UNKNOWN_TRIP
    return Reason.UNKNOWN_TRIP if trip.trip_id else Reason.NO_TRIP_DESCRIPTOR


def alert_reach(tt: Timetable, informed: Sequence[Sequence[tuple[bool, str, str, str]]]
                ) -> list[bool]:
    """Return, per alert (given by `realtime.decode.selector_keys`: per selector whether it
    names a trip, its trip_id, stop_id and route_id), whether it may concern `tt`: False only
    when every selector it has names a trip, stop or route that `tt` does not have.

    Selector fields are AND-ed (RT-ref L550–L565), so one unknown id rules a selector out.
    A trip selector whose trip_id is unknown still counts when its route is known (it may name
    a NEW trip of that route). An alert without selectors is kept: it is shown as it would be
    without the filter. Trip ids are looked up at once (`usable_trips`).
    """
    left = [0] * len(informed)                # selectors not ruled out, per alert
    owners: list[int] = []
    trips: list[tuple[str, str]] = []
    for i, selectors in enumerate(informed):
        for is_trip, trip_id, stop, route in selectors:
            if is_trip:
                owners.append(i)
                trips.append((trip_id, route))
            elif not ((stop and tt.find_stop(stop) < 0)
                      or (route and tt.find_route(route) < 0)):
                left[i] += 1
    known = usable_trips(tt, [t for t, _ in trips]).tolist()
    for i, (trip_id, route), ok in zip(owners, trips, known, strict=True):
        if ok or not trip_id or (route and tt.find_route(route) >= 0):
            left[i] += 1
    return [n > 0 or not selectors for n, selectors in zip(left, informed, strict=True)]

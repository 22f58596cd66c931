"""Departures of a NEW (or deprecated ADDED) trip that the static feed does not know.

The TripUpdate must carry the whole journey (RT-ref L196–L210): a known route_id, and for
every stop a known stop_id and an absolute time. An unknown stop rejects the update instead of
silently dropping the stop (OTP PR #7897; DELFI "wormholes", mfdz/GTFS-Issues#192); so does a
stop that is not a stop or platform (a station id: on no board, RTV E010/E015).
"""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

from feeds import Departure, Timetable
from feeds.timebase import parse_gtfs_date
from realtime.overlay import is_boarding_stop
from realtime.reasons import Reason
from realtime.records import StopRelationship, StopTimeEvent, StopTimeUpdate, TripUpdate


def _times(event: StopTimeEvent | None) -> tuple[int | None, int | None]:
    """Return (scheduled, predicted) of an added trip's event."""
    if event is None:
        return None, None
    planned = event.scheduled_time
    if event.time is not None:
        return (planned if planned is not None else event.time), event.time
    if planned is not None:
        return planned, planned + (event.delay or 0)
    return None, None


def _departure_times(u: StopTimeUpdate) -> tuple[int | None, int | None]:
    planned, predicted = _times(u.departure)
    if predicted is None:
        planned, predicted = _times(u.arrival)
    return planned, predicted


def _has_schedule(u: StopTimeUpdate) -> bool:
    event = u.departure if u.departure is not None and u.departure.has_data else u.arrival
    return event is not None and event.scheduled_time is not None


def build_new_trip(tt: Timetable, tu: TripUpdate, trip_id: str
                   ) -> list[tuple[int, Departure]] | Reason:
    """Return (stop index, departure) of each boardable call, or why the trip is rejected."""
    route = tt.find_route(tu.trip.route_id) if tu.trip.route_id is not None else -1
    if route < 0:
        return Reason.UNKNOWN_ROUTE
    updates = tu.stop_time_updates
    if len(updates) < 2:
        return Reason.INCOMPLETE_ADDED_TRIP
    stops = [tt.find_stop(u.stop_id) if u.stop_id is not None else -1 for u in updates]
    if any(s < 0 or not is_boarding_stop(tt, s) for s in stops):
        return Reason.UNKNOWN_STOP
    times = [_departure_times(u) for u in updates]
    if any(p is None for _, p in times):
        return Reason.INCOMPLETE_ADDED_TRIP
    predicted = [p for _, p in times if p is not None]
    if any(b < a for a, b in pairwise(predicted)):
        return Reason.PREDICTIONS_BACKWARDS
    seqs = [u.stop_sequence for u in updates if u.stop_sequence is not None]
    if any(b <= a for a, b in pairwise(seqs)):
        return Reason.UNSORTED_STOP_SEQUENCE
    zone = tt.zone
    if tu.trip.start_date is not None:
        try:
            service_date = parse_gtfs_date(tu.trip.start_date)
        except ValueError:
            return Reason.UNKNOWN_INSTANCE
    else:
        service_date = dt.datetime.fromtimestamp(predicted[0], zone).date()
    props = tu.properties
    headsign = (props.trip_headsign if props else None) or tt.stop_name[stops[-1]] or None
    wheelchair = None
    if tu.vehicle is not None and tu.vehicle.wheelchair is not None:
        wheelchair = {"WHEELCHAIR_ACCESSIBLE": True,
                      "WHEELCHAIR_INACCESSIBLE": False}.get(tu.vehicle.wheelchair)
    out: list[tuple[int, Departure]] = []
    for i, u in enumerate(updates[:-1]):       # the last call is an arrival, not a departure
        if u.pickup_type == 1:
            continue
        planned, when = times[i]
        assert planned is not None and when is not None
        skipped = u.relationship is StopRelationship.SKIPPED
        stop = stops[i]
        out.append((stop, Departure(
            trip_id=trip_id, service_date=service_date, stop_id=tt.stop_id(stop),
            stop_sequence=u.stop_sequence if u.stop_sequence is not None else i + 1,
            route=tt.routes[route], direction_id=tu.trip.direction_id,
            headsign=u.stop_headsign or headsign, scheduled=planned,
            platform=tt.stop_platform[stop] or None, on_request=u.pickup_type in (2, 3),
            approximate=False, headway_s=None, wheelchair_accessible=wheelchair,
            trip_index=-1, st_row=-1,
            predicted=None if skipped else when,
            delay_s=None if skipped or not _has_schedule(u) else when - planned,
            realtime=True, status="skipped" if skipped else "added",
            occupancy=u.departure_occupancy)))
    return out

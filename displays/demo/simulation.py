"""Simulated realtime for the demo network: GTFS-RT messages through the real parse → merge path.

DEMO DATA. Deterministic for a given instant: delays from a hash of trip and date, one cancelled
tram 52 at Hauptbahnhof, one bus 80 moved to another platform (assigned_stop_id), an alert on
line 80 and crowding on some trams. The message is built as the GTFS-RT JSON mapping and
encoded by `realtime.parse.encode_feed_dict`, so it takes exactly the path a real feed takes.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from feeds import Timetable

DELAYS_MIN = (0, 0, 0, 1, 1, 2, 3, 4, 6, 9)
OCCUPANCY = ("MANY_SEATS_AVAILABLE", "FEW_SEATS_AVAILABLE", "STANDING_ROOM_ONLY")
HBF_PREFIX = "de:07315:1001:"


def _pick(key: str, n: int) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=4).digest(), "big") % n


def running_instances(tt: Timetable, now: int, before_s: int = 600, ahead_s: int = 5400
                      ) -> list[tuple[int, int, int]]:
    """Return (trip, day, first departure epoch) of trips running in [now - before, now + ahead]."""
    out: list[tuple[int, int, int]] = []
    day_now = int(np.searchsorted(tt.day_base, now, side="right")) - 1
    for day in range(max(day_now - 1, 0), min(day_now + 1, tt.n_days - 1) + 1):
        base = int(tt.day_base[day])
        services = np.flatnonzero(tt.service_active[:, day])
        trips = np.flatnonzero(np.isin(tt.trip_service, services)
                               & (tt.trip_st_end > tt.trip_st_start))
        first = base + tt.st_dep[tt.trip_st_start[trips]]
        last = base + tt.st_arr[tt.trip_st_end[trips] - 1]
        keep = (last >= now - before_s) & (first <= now + ahead_s)
        out.extend((int(t), day, int(f)) for t, f in zip(trips[keep], first[keep], strict=True))
    out.sort(key=lambda x: x[2])
    return out


def _hbf_row(tt: Timetable, trip: int) -> int | None:
    for row in tt.trip_rows(trip):
        last = row == tt.trip_st_end[trip] - 1
        if not last and tt.stop_id(int(tt.st_stop[row])).startswith(HBF_PREFIX):
            return row
    return None


def simulate_feed(tt: Timetable, now: int) -> dict[str, Any]:
    """Return a FULL_DATASET FeedMessage (GTFS-RT JSON mapping) for the demo network at `now`."""
    entities: list[dict[str, Any]] = []
    cancelled = moved = False
    for trip, day, _first in running_instances(tt, now):
        trip_id = tt.trip_id(trip)
        route = tt.routes[int(tt.trip_route[trip])]
        date = tt.day_of(day).strftime("%Y%m%d")
        descriptor = {"tripId": trip_id, "startDate": date, "routeId": route.id}
        hbf = _hbf_row(tt, trip)
        # the showcase cancellation and platform change pick the next trip due at Hauptbahnhof
        soon_at_hbf = hbf is not None and now + 120 < int(tt.day_base[day]) + int(tt.st_dep[hbf]) \
            < now + 3600
        if not cancelled and route.id == "52" and soon_at_hbf:
            cancelled = True
            entities.append({"id": f"sim-cancel-{trip_id}", "tripUpdate": {
                "trip": {**descriptor, "scheduleRelationship": "CANCELED"}}})
            continue
        delay = 60 * DELAYS_MIN[_pick(f"{trip_id}/{date}", len(DELAYS_MIN))]
        rows = tt.trip_rows(trip)
        updates: list[dict[str, Any]] = [{
            "stopSequence": int(tt.st_seq[rows[0]]),
            "departure": {"delay": delay},
        }]
        if not moved and route.id == "80" and soon_at_hbf and hbf is not None:
            moved = True
            updates = [{"stopSequence": int(tt.st_seq[hbf]),
                        "departure": {"delay": delay},
                        "stopTimeProperties": {"assignedStopId": HBF_PREFIX + "D"}}]
        entities.append({"id": f"sim-{trip_id}-{date}", "tripUpdate": {
            "trip": descriptor, "stopTimeUpdate": updates, "timestamp": str(now)}})
        if route.type == 0:
            entities.append({"id": f"sim-vehicle-{trip_id}-{date}", "vehicle": {
                "trip": descriptor, "vehicle": {"id": f"tram-{_pick(trip_id, 90) + 200}"},
                "occupancyStatus": OCCUPANCY[_pick(trip_id + "occ", len(OCCUPANCY))],
                "timestamp": str(now)}})
    entities.append({"id": "sim-alert-80", "alert": {
        "informedEntity": [{"routeId": "80"}],
        "cause": "CONSTRUCTION", "effect": "STOP_MOVED", "severityLevel": "WARNING",
        "headerText": {"translation": [
            {"text": "Linie 80: Haltestelle Römisches Theater wegen Bauarbeiten verlegt",
             "language": "de"},
            {"text": "Line 80: Römisches Theater stop moved due to construction",
             "language": "en"}]},
        "descriptionText": {"translation": [
            {"text": "Ersatzhaltestelle 50 m weiter in der Holzhofstraße. (Demodaten)",
             "language": "de"},
            {"text": "Temporary stop 50 m further on Holzhofstraße. (demo data)",
             "language": "en"}]}}})
    return {"header": {"gtfsRealtimeVersion": "2.0", "incrementality": "FULL_DATASET",
                       "timestamp": str(now)},
            "entity": entities}

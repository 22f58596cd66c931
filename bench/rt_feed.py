"""A GTFS-RT TripUpdates feed that matches a timetable: N trips running at an instant.

Used by bench/realtime.py and bench/timetable.py so that resolve/apply and boards with realtime
are measured on realistic input (every trip known, delays that propagate), not on a feed whose
trips are all unknown.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
from google.transit import gtfs_realtime_pb2 as pb


def running_trips(tt: Any, at: int, limit: int, seed: int = 7) -> list[tuple[int, int]]:
    """Return up to `limit` (trip, service day) pairs running at `at` (started, not arrived)."""
    today = int(np.searchsorted(tt.day_base, at, side="right")) - 1
    valid = tt.trip_st_start < tt.trip_st_end
    out: list[tuple[int, int]] = []
    for day in range(today, max(today - tt.max_span_days, -1), -1):
        if day < 0 or day >= tt.n_days:
            continue
        rel = at - int(tt.day_base[day])
        active = tt.service_active[tt.trip_service, day] & valid
        first = np.where(valid, tt.st_dep[np.minimum(tt.trip_st_start, len(tt.st_dep) - 1)], 0)
        last = np.where(valid, tt.st_arr[np.maximum(tt.trip_st_end - 1, 0)], 0)
        hits = np.flatnonzero(active & (first <= rel + 1800) & (last >= rel))
        out += [(int(t), day) for t in hits]
    random.Random(seed).shuffle(out)
    return out[:limit]


def matching_feed(tt: Any, at: int, n_trips: int, every_stop: bool = True,
                  seed: int = 7) -> tuple[bytes, int, int]:
    """Return (feed bytes, trips, stop_time_updates): one TripUpdate per running trip with a
    delay on every stop (growing along the trip) or only on its first stop."""
    rng = random.Random(seed)
    msg = pb.FeedMessage()
    msg.header.gtfs_realtime_version = "2.0"
    msg.header.timestamp = at
    stus = 0
    trips = running_trips(tt, at, n_trips, seed)
    for k, (trip, day) in enumerate(trips):
        e = msg.entity.add()
        e.id = f"tu{k}"
        tu = e.trip_update
        tu.trip.trip_id = tt.trip_id(trip)
        tu.trip.start_date = tt.day_of(day).strftime("%Y%m%d")
        lo, hi = int(tt.trip_st_start[trip]), int(tt.trip_st_end[trip])
        delay = rng.randrange(-60, 300)
        rows = range(lo, hi) if every_stop else range(lo, lo + 1)
        for row in rows:
            u = tu.stop_time_update.add()
            u.stop_sequence = int(tt.st_seq[row])
            u.arrival.delay = delay
            u.departure.delay = delay
            delay += rng.randrange(0, 30)
            stus += 1
    return bytes(msg.SerializeToString()), len(trips), stus

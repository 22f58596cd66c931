"""The departure index: for every stop, its departure rows sorted by time since service-day base.

A stop_time is a departure iff it is not the last stop_time of its trip and pickup_type != 1
(gtfs-semantics A1.4). Frequency trips are expanded into one row per generated instance: their
stop_times are templates whose first departure is shifted to each start_time + k * headway.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

I32 = npt.NDArray[np.int32]


@dataclass(frozen=True)
class DepartureIndex:
    ptr: I32
    dep: I32
    st: I32
    freq: I32


def is_departure_row(st_trip: I32, st_pickup: npt.NDArray[np.int8]) -> npt.NDArray[np.bool_]:
    """Return the rows that are departures: not the trip's last row, and boardable."""
    last = np.ones(len(st_trip), dtype=bool)
    last[:-1] = st_trip[1:] != st_trip[:-1]
    departs: npt.NDArray[np.bool_] = ~last & (st_pickup != 1)
    return departs


def build_departure_index(
    n_stops: int,
    st_trip: I32,
    st_stop: I32,
    st_dep: I32,
    st_pickup: npt.NDArray[np.int8],
    trip_st_start: I32,
    trip_st_end: I32,
    freq_trip: I32,
    freq_start: I32,
    freq_end: I32,
    freq_headway: I32,
) -> DepartureIndex:
    """Return the CSR departure index over stops (rows sorted by departure time)."""
    departs = is_departure_row(st_trip, st_pickup)
    is_freq_trip = np.zeros(len(trip_st_start), dtype=bool)
    is_freq_trip[freq_trip] = True
    plain = np.flatnonzero(departs & ~is_freq_trip[st_trip]).astype(np.int32)

    rows = [plain]
    deps = [st_dep[plain]]
    freqs = [np.full(plain.size, -1, dtype=np.int32)]
    for f in range(len(freq_trip)):
        trip = int(freq_trip[f])
        lo, hi = int(trip_st_start[trip]), int(trip_st_end[trip])
        template = (np.flatnonzero(departs[lo:hi]) + lo).astype(np.int32)
        if template.size == 0:
            continue
        offsets = st_dep[template] - st_dep[lo]
        starts = np.arange(freq_start[f], freq_end[f], freq_headway[f], dtype=np.int32)
        rows.append(np.tile(template, starts.size))
        deps.append((starts[:, None] + offsets[None, :]).ravel().astype(np.int32))
        freqs.append(np.full(starts.size * template.size, f, dtype=np.int32))

    st = np.concatenate(rows)
    dep = np.concatenate(deps)
    freq = np.concatenate(freqs)
    stop = st_stop[st]
    # one sort of a combined key is several times faster than lexsort((dep, stop)); rows with
    # the same stop and time may come in any order (boards sort by Departure.sort_key)
    key = (stop.astype(np.int64) << 32) | dep.astype(np.int64)
    order = np.argsort(key)
    del key
    st, dep, freq, stop = st[order], dep[order], freq[order], stop[order]
    ptr = np.zeros(n_stops + 1, dtype=np.int32)
    np.cumsum(np.bincount(stop, minlength=n_stops), out=ptr[1:])
    return DepartureIndex(ptr=ptr, dep=dep, st=st, freq=freq)

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
    if len(freq_trip):
        departs &= ~is_freq_trip[st_trip]
    st = np.flatnonzero(departs).astype(np.int32)
    del departs
    dep = st_dep[st]
    freq = np.full(st.size, -1, dtype=np.int32)
    extra = [_frequency_rows(f, st_dep, st_trip, st_pickup, trip_st_start, trip_st_end,
                             freq_trip, freq_start, freq_end, freq_headway)
             for f in range(len(freq_trip))]
    if extra:
        st = np.concatenate([st, *(e[0] for e in extra)])
        dep = np.concatenate([dep, *(e[1] for e in extra)])
        freq = np.concatenate([freq, *(e[2] for e in extra)])
    # one sort of a combined key is several times faster than lexsort((dep, stop)); rows with
    # the same stop and time may come in any order (boards sort by Departure.sort_key)
    key = st_stop[st].astype(np.int64)
    key <<= 32
    key |= dep
    order = np.argsort(key)
    del key
    st = st[order]                   # one column at a time: the old one is freed at once
    dep = dep[order]
    freq = freq[order]
    del order
    stop = st_stop[st]
    ptr = np.zeros(n_stops + 1, dtype=np.int32)
    np.cumsum(np.bincount(stop, minlength=n_stops), out=ptr[1:])
    return DepartureIndex(ptr=ptr, dep=dep, st=st, freq=freq)


def _frequency_rows(f: int, st_dep: I32, st_trip: I32, st_pickup: npt.NDArray[np.int8],
                    trip_st_start: I32, trip_st_end: I32, freq_trip: I32, freq_start: I32,
                    freq_end: I32, freq_headway: I32) -> tuple[I32, I32, I32]:
    """Return (st rows, times, frequency row) of the instances one frequencies row generates."""
    trip = int(freq_trip[f])
    lo, hi = int(trip_st_start[trip]), int(trip_st_end[trip])
    departs = is_departure_row(st_trip[lo:hi], st_pickup[lo:hi])
    template = (np.flatnonzero(departs) + lo).astype(np.int32)
    offsets = st_dep[template] - st_dep[lo]
    starts = np.arange(freq_start[f], freq_end[f], freq_headway[f], dtype=np.int32)
    return (np.tile(template, starts.size),
            (starts[:, None] + offsets[None, :]).ravel().astype(np.int32),
            np.full(starts.size * template.size, f, dtype=np.int32))

"""The departure index: for every stop, its departure rows sorted by time since service-day base.

A stop_time is a departure iff it is not the last stop_time of its trip and pickup_type != 1
(gtfs-semantics A1.4). Frequency trips are expanded into one row per generated instance: their
stop_times are templates whose first departure is shifted to each start_time + k * headway.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
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
    freq = np.full(st.size, -1, dtype=np.int32) if len(freq_trip) else None
    extra = [_frequency_rows(f, st_dep, st_trip, st_pickup, trip_st_start, trip_st_end,
                             freq_trip, freq_start, freq_end, freq_headway)
             for f in range(len(freq_trip))]
    if extra and freq is not None:
        st = np.concatenate([st, *(e[0] for e in extra)])
        dep = np.concatenate([dep, *(e[1] for e in extra)])
        freq = np.concatenate([freq, *(e[2] for e in extra)])
    stop = st_stop[st]
    ptr = np.zeros(n_stops + 1, dtype=np.int32)
    np.cumsum(np.bincount(stop, minlength=n_stops), out=ptr[1:])
    order = stop_time_order(stop, dep, ptr)
    del stop
    st = st[order]                   # one column at a time: the old one is freed at once
    dep = dep[order]
    freq = freq[order] if freq is not None else np.full(st.size, -1, dtype=np.int32)
    del order
    return DepartureIndex(ptr=ptr, dep=dep, st=st, freq=freq)


def stop_time_order(stop: I32, dep: I32, ptr: I32, *, packed: bool = True
                    ) -> npt.NDArray[np.intp]:
    """Return the order of the rows by (stop, departure time, row): rows with the same stop and
    time keep their order (boards sort those by Departure.sort_key anyway).

    `ptr` is the CSR pointer of `stop` (rows per stop, summed). When stop, time and row fit in
    63 bits (a national feed does), the three are packed into one int64 key and the keys
    themselves are sorted, which is several times faster than an argsort; the stops are split
    in two halves at `ptr`'s median, sorted on two threads (the sort releases the GIL). Else
    (or without `packed`), a stable argsort of (stop, time) gives the same order.
    """
    n = len(stop)
    row_bits = max(n - 1, 1).bit_length()
    time_bits = max(int(dep.max()) if n else 0, 1).bit_length()
    stop_bits = max(len(ptr) - 2, 1).bit_length()
    if not packed or n == 0 or row_bits + time_bits + stop_bits > 63 or int(dep.min()) < 0:
        key = stop.astype(np.int64)
        key <<= 32
        key |= dep
        order: npt.NDArray[np.intp] = np.argsort(key, kind="stable")
        return order
    keys = stop.astype(np.int64)
    keys <<= time_bits
    keys |= dep
    keys <<= row_bits
    keys |= np.arange(n, dtype=np.int64)
    half = min(int(np.searchsorted(ptr, n // 2)), len(ptr) - 2)   # first stop of the upper half
    low = keys < (np.int64(half) << (time_bits + row_bits))
    m = int(np.count_nonzero(low))
    ordered = np.empty(n, dtype=np.int64)
    np.compress(low, keys, out=ordered[:m])
    np.compress(~low, keys, out=ordered[m:])
    del keys, low
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="departure-index") as pool:
        for done in [pool.submit(part.sort) for part in (ordered[:m], ordered[m:])]:
            done.result()
    ordered &= (1 << row_bits) - 1
    return ordered


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

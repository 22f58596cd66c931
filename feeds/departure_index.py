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
    if freq is None:                 # st ascends: the rows themselves order equal times
        st, dep, ptr = sort_by_stop_and_time(stop, dep, st, n_stops)
        return DepartureIndex(ptr=ptr, dep=dep, st=st,
                              freq=np.full(st.size, -1, dtype=np.int32))
    at = np.arange(st.size, dtype=np.int32)
    order, dep, ptr = sort_by_stop_and_time(stop, dep, at, n_stops)
    del stop, at
    st = st[order]                   # one column at a time: the old one is freed at once
    freq = freq[order]
    return DepartureIndex(ptr=ptr, dep=dep, st=st, freq=freq)


def sort_by_stop_and_time(stop: I32, dep: I32, rows: I32, n_stops: int, *,
                          packed: bool = True) -> tuple[I32, I32, I32]:
    """Return `rows` and `dep` ordered by (stop, departure time, row), and the CSR pointer of
    the stops (rows per stop, summed). `rows` (distinct, ascending, non-negative) decide
    between rows with the same stop and time (boards sort those by Departure.sort_key anyway).

    When stop, time and row fit in 63 bits (a national feed does), the three are packed into
    one int64 key and the keys themselves are sorted, which is several times faster than an
    argsort, and rows and times are read back from the sorted keys: the stops are split in two
    halves, sorted on two threads (the sort releases the GIL). Else (or without `packed`), a
    stable argsort of (stop, time) gives the same order.
    """
    n = len(stop)
    row_bits = max(int(rows[-1]) if n else 0, 1).bit_length()
    time_bits = max(int(dep.max()) if n else 0, 1).bit_length()
    stop_bits = max(n_stops - 1, 1).bit_length()
    if not packed or n == 0 or row_bits + time_bits + stop_bits > 63 or int(dep.min()) < 0:
        ptr = np.zeros(n_stops + 1, dtype=np.int32)
        np.cumsum(np.bincount(stop, minlength=n_stops), out=ptr[1:])
        key = stop.astype(np.int64)
        key <<= 32
        key |= dep
        order = np.argsort(key, kind="stable")
        del key
        return rows[order], dep[order], ptr
    half = int(np.median(stop[::max(n // 4096, 1)]))      # about half the rows below it
    ordered, m = _packed_keys(stop, dep, rows, time_bits, row_bits, half)
    shift = time_bits + row_bits
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="departure-index") as pool:
        for done in [pool.submit(part.sort) for part in (ordered[:m], ordered[m:])]:
            done.result()
    ptr = np.empty(n_stops + 1, dtype=np.int32)
    ptr[:-1] = np.searchsorted(ordered, np.arange(n_stops, dtype=np.int64) << shift)
    ptr[-1] = n                       # (n_stops << shift may not fit in 63 bits)
    sorted_rows = (ordered & ((1 << row_bits) - 1)).astype(np.int32)
    ordered >>= row_bits
    ordered &= (1 << time_bits) - 1
    return sorted_rows, ordered.astype(np.int32), ptr


def _packed_keys(stop: I32, dep: I32, rows: I32, time_bits: int, row_bits: int, half: int
                 ) -> tuple[npt.NDArray[np.int64], int]:
    """Return the keys stop << (time_bits + row_bits) | time << row_bits | row, those of the
    stops below `half` first, and how many those are. Built in slices: no temporary as long
    as the columns (fresh memory costs its page faults)."""
    keys = np.empty(len(stop), dtype=np.int64)
    split = int(np.count_nonzero(stop < half))
    low, high = 0, split
    step = 1 << 20
    for lo in range(0, len(stop), step):
        part = np.left_shift(stop[lo:lo + step], time_bits, dtype=np.int64)
        part |= dep[lo:lo + step]
        part <<= row_bits
        part |= rows[lo:lo + step]
        below = stop[lo:lo + step] < half
        k = int(np.count_nonzero(below))
        np.compress(below, part, out=keys[low:low + k])
        np.compress(~below, part, out=keys[high:high + len(part) - k])
        low, high = low + k, high + len(part) - k
    return keys, split


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

"""`realtime.propagation`'s rules for every trip update of a feed at once, on columns (numpy).

The same prediction as `match_updates` + `predict_rows` (tests/realtime/test_predict_columns.py
compares the two on random updates), for trip updates whose every stop_time_update gives its
stop_sequence and no StopTimeProperties (`realtime.stop_times`). Each sequential rule becomes
an array operation over the rows of all trips:

* the delay carried to a row without an update is the one of the last update with data or
  NO_DATA before it in its trip (a running maximum of indices), else the trip's delay;
* clamping a propagated time to the next stop's arrival (`_clamp_propagated`) and a row
  without a prediction to the earliest later time (`_clamp_gaps`) are minima over the rows
  after it up to the next update with data (resp. prediction): suffix minima within segments.

A trip whose data the columns do not carry exactly (a time beyond 2^40 s, a schedule whose
arrival follows its departure) is answered None: the caller takes the per-trip path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from feeds import Timetable
from realtime.reasons import Reason
from realtime.row_columns import NONE, PredictedRows, RowSpan
from realtime.stop_times import StopTimeTable

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
SANE = 1 << 40                 # times and offsets beyond this go the per-trip way
SKIP, NO_DATA = 1, 2           # StopTimeUpdate.ScheduleRelationship numbers


@dataclass(frozen=True, slots=True)
class Planned:
    """One trip update to predict: its updates table[lo:hi], its trip, the epoch its
    schedule's times count from, and TripUpdate.delay."""

    lo: int
    hi: int
    trip: int
    offset: int
    trip_delay: int | None


@dataclass(frozen=True, slots=True)
class Predicted:
    rows: RowSpan
    dropped: int              # stop_time_updates naming no row (stop_sequence_not_in_trip)
    late: int                 # largest delay, largest early running (s, >= 0)
    early: int


def _runs(sizes: Ints) -> tuple[Ints, Ints]:
    """For segments of these sizes laid end to end: each element's segment and position."""
    seg = np.repeat(np.arange(sizes.size), sizes)
    starts = np.cumsum(sizes) - sizes
    return seg, np.arange(seg.size) - starts[seg]


def _exclusive_suffix_min(values: Ints, seg: Ints) -> Ints:
    """Per element: the minimum of the later elements of its segment (NONE when none).
    `seg` is non-decreasing; values are >= 0 and < 2^42."""
    if values.size == 0:
        return values.copy()
    big = np.int64(1 << 42)
    keyed = values + seg * big                 # later segments never undercut earlier ones
    incl = np.minimum.accumulate(keyed[::-1])[::-1] - seg * big
    out = np.full(values.size, NONE, dtype=np.int64)
    same = seg[1:] == seg[:-1]
    out[:-1][same] = incl[1:][same]
    return out


def _shifted_suffix_min(times: Ints, seg: Ints) -> Ints:
    """`_exclusive_suffix_min` of epochs. Those of usable trips lie within +-2^41 s (SANE
    times, int32 delays); others are clipped, which only changes trips answered None."""
    shift = np.int64(1 << 41)
    out = _exclusive_suffix_min(np.clip(times, -shift, shift - 1) + shift, seg)
    return np.where(out == NONE, NONE, out - shift)


def _segments(item: Ints, marks: Bools) -> Ints:
    """Segment ids: a new segment after each marked element, and at each new item."""
    if item.size == 0:
        return item.copy()
    # reverse count of marks within the item: equal counts run from one mark back to the next
    rev = np.cumsum(marks[::-1])[::-1]
    new = np.ones(item.size, dtype=bool)
    new[1:] = (item[1:] != item[:-1]) | (rev[1:] != rev[:-1])
    return np.cumsum(new) - 1


def predict(tt: Timetable, table: StopTimeTable, plans: list[Planned], early_limit_s: int,
            max_delay_s: int) -> list[Predicted | Reason | None]:
    """Predict every plan; a Reason rejects the trip update, None leaves it to the per-trip
    path (`realtime.trip_updates`)."""
    out: list[Predicted | Reason | None] = [None] * len(plans)
    if not plans:
        return out
    lo = np.array([p.lo for p in plans], dtype=np.int64)
    hi = np.array([p.hi for p in plans], dtype=np.int64)
    trips = np.array([p.trip for p in plans], dtype=np.int64)
    offsets = np.array([p.offset for p in plans], dtype=np.int64)
    delays = np.array([NONE if p.trip_delay is None else p.trip_delay for p in plans],
                      dtype=np.int64)
    first, last = tt.trip_st_start[trips].astype(np.int64), tt.trip_st_end[trips].astype(np.int64)
    # the updates, item by item
    u_item, u_pos = _runs(hi - lo)
    u = lo[u_item] + u_pos
    seq = table.seq[u]
    times = [table.events[f"{e}.time"][u] for e in ("arrival", "departure")]
    usable = np.ones(len(plans), dtype=bool)
    usable[u_item[seq == NONE]] = False          # matched by stop_id: the per-trip path
    for t in times:
        usable[u_item[(t != NONE) & ((t < 0) | (t >= SANE))]] = False
    usable &= (np.abs(offsets) < SANE)
    r_item, r_pos = _runs(last - first)
    st_row = first[r_item] + r_pos
    s_arr = tt.st_arr[st_row].astype(np.int64) + offsets[r_item]
    s_dep = tt.st_dep[st_row].astype(np.int64) + offsets[r_item]
    usable[r_item[s_arr > s_dep]] = False        # the clamps below assume arrival <= departure
    # seq rules first, as match_updates: repeated / unsorted stop_sequence
    reason: list[Reason | None] = [None] * len(plans)
    same = u_item[1:] == u_item[:-1]
    step = seq[1:] - seq[:-1]
    bad = np.flatnonzero(same & (step <= 0))
    for k in range(bad.size - 1, -1, -1):        # the first bad pair of an item decides
        reason[int(u_item[bad[k]])] = (Reason.REPEATED_STOP_SEQUENCE if step[bad[k]] == 0
                                       else Reason.UNSORTED_STOP_SEQUENCE)
    # match by stop_sequence: (item, seq) keys are sorted on both sides
    row_key = r_item * (1 << 32) + tt.st_seq[st_row].astype(np.int64)
    if row_key.size > 1 and np.any(row_key[1:] <= row_key[:-1]):
        return out                                # stop_sequence not increasing: per trip
    u_key = u_item * (1 << 32) + np.where(seq == NONE, 0, seq)
    at = np.minimum(np.searchsorted(row_key, u_key), max(row_key.size - 1, 0))
    found = (row_key.size > 0) & (row_key[at] == u_key) & (seq != NONE)
    dropped = np.bincount(u_item[~found], minlength=len(plans))
    upd = np.full(st_row.size, -1, dtype=np.int64)
    upd[at[found]] = u[found]
    has = upd >= 0
    rel = np.where(has, table.relationship[np.maximum(upd, 0)], 0)
    skip = has & (rel == SKIP)

    def event(name: str, sched: Ints) -> Ints:
        t = np.clip(table.events[f"{name}.time"][np.maximum(upd, 0)], NONE, SANE)
        d = table.events[f"{name}.delay"][np.maximum(upd, 0)]
        value = np.where((t != NONE) & (t != 0), t, np.where(d != NONE, sched + d, NONE))
        return np.where(has & ~skip, value, NONE)

    a, d = event("arrival", s_arr), event("departure", s_dep)
    nodata = has & ~skip & ((rel == NO_DATA) | ((a == NONE) & (d == NONE)))
    a, d = np.where(nodata, NONE, a), np.where(nodata, NONE, d)
    given = has & ~skip & ~nodata
    d = np.where(given & (d == NONE), np.maximum(a, s_dep + (a - s_arr)), d)
    a = np.where(given & (a == NONE), np.minimum(d, s_arr + (d - s_dep)), a)
    early = given & ((d - s_dep < -early_limit_s) | (a - s_arr < -early_limit_s))
    # the delay carried to rows without an update: the last setter before, else the trip's
    setter = given | nodata
    idx = np.arange(st_row.size)
    last_set = np.maximum.accumulate(np.where(setter, idx, -1))
    before = np.concatenate(([-1], last_set[:-1]))
    item_start = (np.cumsum(last - first) - (last - first))[r_item]    # its first row
    carried = np.where(before >= item_start,
                       np.where(given[np.maximum(before, 0)],
                                d[np.maximum(before, 0)] - s_dep[np.maximum(before, 0)], NONE),
                       delays[r_item])
    prop = ~has & (carried != NONE)
    a = np.where(prop, s_arr + carried, a)
    d = np.where(prop, s_dep + carried, d)
    # given rows in order (PREDICTIONS_BACKWARDS)
    g = np.flatnonzero(given)
    backwards = np.zeros(len(plans), dtype=bool)
    backwards[r_item[g[d[g] < a[g]]]] = True
    same_g = r_item[g][1:] == r_item[g][:-1]
    backwards[r_item[g][1:][same_g & (a[g][1:] < d[g][:-1])]] = True
    # _clamp_propagated: suffix minimum of arrivals up to the next given row
    v = np.flatnonzero(~skip & (d != NONE))
    if v.size:
        limit = _shifted_suffix_min(a[v], _segments(r_item[v], given[v]))
        clamp = ~given[v] & (limit != NONE) & (d[v] > limit)
        cv = v[clamp]
        d[cv] = limit[clamp]
        a[cv] = np.minimum(a[cv], d[cv])
    # _clamp_gaps: rows without a prediction before a later, earlier time
    kind = np.where(skip, 2, 0).astype(np.int8)
    w = np.flatnonzero(~skip)
    if w.size:
        dep_w = d[w] != NONE
        limit = _shifted_suffix_min(np.where(dep_w, a[w], s_arr[w]),
                                    _segments(r_item[w], dep_w))
        clamp = ~dep_w & (limit != NONE) & (s_dep[w] > limit)
        cw = w[clamp]
        d[cw] = limit[clamp]
        a[cw] = np.minimum(s_arr[cw], d[cw])
        kind[cw] = 1
    predicted = ~skip & (d != NONE)
    starts = np.cumsum(last - first) - (last - first)        # every trip has rows
    late = np.maximum.reduceat(np.where(predicted, d - s_dep, 0), starts)
    ahead = np.maximum.reduceat(np.where(predicted, s_dep - d, 0), starts)
    late, ahead = np.maximum(late, 0), np.maximum(ahead, 0)
    rows = PredictedRows(s_dep, a, d, kind)
    is_early = np.zeros(len(plans), dtype=bool)
    is_early[r_item[early]] = True
    for k in range(len(plans)):
        if not usable[k]:
            continue
        out[k] = (reason[k] or (Reason.IMPLAUSIBLY_EARLY if is_early[k] else None)
                  or (Reason.PREDICTIONS_BACKWARDS if backwards[k] else None)
                  or (Reason.IMPLAUSIBLY_LATE if late[k] > max_delay_s else None)
                  or Predicted(RowSpan(rows, int(starts[k]), int(last[k] - first[k])),
                               int(dropped[k]), int(late[k]), int(ahead[k])))
    return out

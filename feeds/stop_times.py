"""Clean stop_times into trip-ordered arrays; exclude broken trips and count them by reason.

A trip is excluded, never the feed, when its rows cannot describe a journey: an unknown stop, a
repeated stop_sequence, fewer than two rows, no time at the first or last stop, or times that
run backwards. Empty times between timed stops (allowed at non-timepoints) are interpolated
linearly and flagged approximate.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from feeds.errors import FeedInvalid
from feeds.model import ExclusionReason
from feeds.stop_times_reader import RawStopTimes
from feeds.timebase import parse_gtfs_time
from feeds.timetable import APPROXIMATE

I32 = npt.NDArray[np.int32]


MAX_SEGMENTS = 1 << 14


@dataclass(frozen=True)
class Segments:
    """A row order made of runs of consecutive rows: rows [start, start + length), in turn;
    then each of a few spans [at, at + len(order)) of the result is put in its own `order`.

    A file whose trips are in one block each but for a few (a trip split in two parts) is put
    in order by copying a few slices per column, not by gathering every row through an index.
    """

    start: npt.NDArray[np.intp]
    length: npt.NDArray[np.intp]
    spans: tuple[tuple[int, npt.NDArray[np.intp]], ...] = ()

    def take(self, values: npt.NDArray[Any], out: npt.NDArray[Any] | None = None
             ) -> npt.NDArray[Any]:
        if out is None:
            out = np.empty(int(self.length.sum()), dtype=values.dtype)
        at = 0
        for start, length in zip(self.start.tolist(), self.length.tolist(), strict=True):
            out[at:at + length] = values[start:start + length]
            at += length
        self._sort_spans(out)
        return out

    def indices(self) -> npt.NDArray[np.intp]:
        """Return the order as row indices."""
        begins = np.cumsum(self.length) - self.length
        order: npt.NDArray[np.intp] = np.arange(int(self.length.sum()), dtype=np.intp)
        order += np.repeat(self.start - begins, self.length)
        self._sort_spans(order)
        return order

    def _sort_spans(self, out: npt.NDArray[Any]) -> None:
        for at, order in self.spans:
            out[at:at + len(order)] = out[at:at + len(order)][order]


RowOrder = npt.NDArray[np.intp] | Segments


def reorder(values: npt.NDArray[Any], order: RowOrder | None,
            out: npt.NDArray[Any] | None = None) -> npt.NDArray[Any]:
    """Return `values` in `order` (the array itself when the order is None), written into
    `out` when it is given (an array of the same type and length)."""
    if order is None:
        return values
    if isinstance(order, Segments):
        return order.take(values, out)
    if out is None:
        out = np.empty_like(values)
    np.take(values, order, out=out, mode="clip")     # "raise" would buffer a copy
    return out


def trip_order(trip: I32, seq: I32, max_segments: int = MAX_SEGMENTS) -> RowOrder | None:
    """Return a row order that puts each trip's rows together by stop_sequence; None when the
    file already does (the usual case: then nothing is copied; trips need not be in order).

    When a few trips come in several blocks, the order is a few `Segments` (at most
    `max_segments`), else row indices.
    """
    n = len(trip)
    same = trip[1:] == trip[:-1]
    if (same & (seq[1:] < seq[:-1])).any():
        return np.lexsort((seq, trip))
    starts = np.flatnonzero(np.r_[True, ~same])
    block_trip = trip[starts]
    uniques, first = np.unique(block_trip, return_index=True)
    if uniques.size == block_trip.size:
        return None                                   # each trip in one block
    # a few trips come in several blocks: move their blocks together (linear time)
    rank = np.empty(int(block_trip.max()) + 1, dtype=np.int64)
    rank[uniques] = first
    by_trip = np.lexsort((seq[starts], rank[block_trip]))      # a trip's blocks by sequence
    src = starts[by_trip]
    lengths = np.diff(np.r_[starts, n])[by_trip]
    # within a block stop_sequence never falls (checked above): only where a trip's block
    # follows another of the same trip can it, when blocks interleave or repeat sequences
    moved_trip = block_trip[by_trip]
    joined = moved_trip[1:] == moved_trip[:-1]
    falls = joined & (seq[src[1:]] < seq[src[:-1] + lengths[:-1] - 1])
    unsorted = np.unique(moved_trip[1:][falls])
    if unsorted.size > 10_000:
        return np.lexsort((seq, trip))
    follows = src[1:] == src[:-1] + lengths[:-1]        # blocks already next to each other
    first_of_run = np.flatnonzero(np.r_[True, ~follows])
    segments = Segments(src[first_of_run], np.add.reduceat(lengths, first_of_run),
                        _spans(unsorted, moved_trip, src, lengths, seq))
    return segments if first_of_run.size <= max_segments else segments.indices()


def _spans(unsorted: I32, moved_trip: I32, src: npt.NDArray[np.intp],
           lengths: npt.NDArray[np.intp], seq: I32) -> tuple[tuple[int, npt.NDArray[np.intp]],
                                                            ...]:
    """Return (where, order) of the rows of each trip whose blocks interleave (or repeat)
    stop_sequences once moved together: its rows sorted by stop_sequence (stable)."""
    if not unsorted.size:
        return ()
    begins = np.cumsum(lengths) - lengths
    blocks = np.flatnonzero(np.isin(moved_trip, unsorted))     # a trip's blocks are adjacent
    spans = []
    for group in np.split(blocks, np.flatnonzero(np.diff(moved_trip[blocks])) + 1):
        rows = np.concatenate([np.arange(s, s + n) for s, n in
                               zip(src[group].tolist(), lengths[group].tolist(), strict=True)])
        spans.append((int(begins[group[0]]), np.argsort(seq[rows], kind="stable")))
    return tuple(spans)


def trip_ranges(st_trip: I32, n_trips: int) -> tuple[I32, I32]:
    """Return (start, end) of each trip's rows; a trip without rows gets an empty range.

    Each trip's rows must be one block (see `trip_order`).
    """
    starts = np.flatnonzero(np.r_[True, st_trip[1:] != st_trip[:-1]]) if len(st_trip) else (
        np.zeros(0, dtype=np.intp))
    ends = np.r_[starts[1:], len(st_trip)]
    start = np.zeros(n_trips, dtype=np.int32)
    end = np.zeros(n_trips, dtype=np.int32)
    start[st_trip[starts]] = starts
    end[st_trip[starts]] = ends
    return start, end


COLUMNS = ("trip", "stop", "seq", "arr", "dep", "pickup", "drop", "timepoint", "headsign")


def _take_columns(raw: RawStopTimes, order: RowOrder | None) -> list[npt.NDArray[Any]]:
    """Return raw's columns (COLUMNS) in `order`, taking them out of `raw` (it is emptied).

    Each column is put in order into the file-order buffer of the previous column of its type,
    which is free by then: one new buffer per type instead of one per column (fresh memory
    costs page faults, and the peak stays one column above the file-order columns).
    """
    spare: dict[str, npt.NDArray[Any]] = {}
    out = []
    for name in COLUMNS:
        values: npt.NDArray[Any] = getattr(raw, name)
        setattr(raw, name, np.empty(0, dtype=values.dtype))     # raw holds it no more
        if order is None:
            out.append(values)
            continue
        out.append(reorder(values, order, spare.pop(values.dtype.str, None)))
        if values.flags.writeable and values.flags.c_contiguous:
            spare[values.dtype.str] = values
        del values
    return out


@dataclass(frozen=True)
class StopTimeArrays:
    trip: I32
    stop: I32
    seq: I32
    arr: I32
    dep: I32
    pickup: npt.NDArray[np.int8]
    drop: npt.NDArray[np.int8]
    flags: npt.NDArray[np.int8]
    headsign: I32
    texts: list[str]


def parse_times(column: Any, file: str, field: str,
                rows: npt.NDArray[np.intp] | None = None) -> I32:
    """Return seconds for a column of GTFS times (-1 where empty); refuse unparseable values.

    `rows` gives each value's data row number in the file (1-based) when the column is a
    subset of the file's rows; by default value i is row i + 1.
    """
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    values = np.empty(len(uniques) + 1, dtype=np.int32)
    values[-1] = -1                       # the NA sentinel -1 indexes the last slot
    for i, text in enumerate(uniques):
        try:
            values[i] = parse_gtfs_time(str(text))
        except ValueError as exc:
            first = int(np.flatnonzero(codes == i)[0])
            row = int(rows[first]) if rows is not None else first + 1
            raise FeedInvalid(file, str(exc), row=row, field=field) from exc
    seconds: I32 = values[codes]
    return seconds


def _fill_times(arr: I32, dep: I32, starts: I32) -> npt.NDArray[np.bool_]:
    """Fill -1 times in place by linear interpolation between timed rows; return the filled mask.

    Assumes the first and last row of each trip carry a time (checked before). Only the rows of
    trips with a gap are worked on (a national feed has few; the temporaries stay small).
    """
    arr[arr < 0] = dep[arr < 0]
    dep[dep < 0] = arr[dep < 0]
    missing = dep < 0
    if not missing.any():
        return missing
    n = len(dep)
    trips = np.unique(np.searchsorted(starts, np.flatnonzero(missing), side="right") - 1)
    ends = np.r_[starts[1:], n]
    lengths = (ends[trips] - starts[trips]).astype(np.intp)
    begins = np.cumsum(lengths) - lengths
    rows = np.arange(int(lengths.sum()), dtype=np.intp)
    rows += np.repeat(starts[trips].astype(np.intp) - begins, lengths)
    sub_arr, sub_dep = arr[rows], dep[rows]
    gap = sub_dep < 0
    m = len(rows)
    idx = np.arange(m)
    known = ~gap
    prev = np.maximum.accumulate(np.where(known, idx, 0))
    nxt = np.minimum.accumulate(np.where(known, idx, m - 1)[::-1])[::-1]
    span = np.maximum(nxt - prev, 1)
    filled = sub_dep[prev] + (idx - prev) / span * (sub_arr[nxt] - sub_dep[prev])
    sub_dep[gap] = np.round(filled[gap]).astype(np.int32)
    sub_arr[gap] = sub_dep[gap]
    dep[rows], arr[rows] = sub_dep, sub_arr
    return missing


def build_stop_times(
    raw: RawStopTimes,
    n_trips: int,
    excluded: Counter[str],
) -> tuple[StopTimeArrays, npt.NDArray[np.bool_]]:
    """Return clean stop_times ordered by (trip, stop_sequence) and a mask of excluded trips.

    Takes the columns out of `raw` (it is emptied), so that the file-order copy is freed while
    the ordered one is built.
    """
    if raw.orphans:
        excluded[ExclusionReason.ORPHAN_STOP_TIMES] += raw.orphans
    order = trip_order(raw.trip, raw.seq)
    trip, stop, seq, arr, dep, pickup, drop, timepoint, headsign = _take_columns(raw, order)
    texts = raw.texts
    del order

    bad = np.zeros(n_trips, dtype=bool)
    counts = np.bincount(trip, minlength=n_trips)

    def mark(trips: npt.NDArray[np.int32], reason: ExclusionReason) -> None:
        new = np.unique(trips[~bad[trips]])
        if new.size:
            excluded[reason] += int(new.size)
            bad[new] = True

    mark(trip[stop < 0], ExclusionReason.UNKNOWN_STOP)
    same_trip = trip[1:] == trip[:-1]
    mark(trip[1:][same_trip & (seq[1:] == seq[:-1])], ExclusionReason.DUPLICATE_STOP_SEQUENCE)
    mark(np.flatnonzero(counts < 2).astype(np.int32),
         ExclusionReason.TOO_FEW_STOP_TIMES)
    first = np.ones(len(trip), dtype=bool)
    first[1:] = ~same_trip
    last = np.ones(len(trip), dtype=bool)
    last[:-1] = ~same_trip
    untimed = (arr < 0) & (dep < 0)
    mark(trip[(first | last) & untimed], ExclusionReason.MISSING_TRIP_EDGE)

    keep = ~bad[trip]
    if not keep.all():
        trip, stop, seq, arr, dep = trip[keep], stop[keep], seq[keep], arr[keep], dep[keep]
        pickup, drop = pickup[keep], drop[keep]
        timepoint, headsign = timepoint[keep], headsign[keep]
    del keep
    starts = np.flatnonzero(np.r_[True, trip[1:] != trip[:-1]]).astype(np.int32)
    interpolated = _fill_times(arr, dep, starts)

    same_trip = trip[1:] == trip[:-1]
    backwards = (dep < arr)
    backwards[1:] |= same_trip & (arr[1:] < dep[:-1])
    if backwards.any():
        mark(trip[backwards], ExclusionReason.TIME_TRAVEL)
        keep = ~bad[trip]
        trip, stop, seq, arr, dep = trip[keep], stop[keep], seq[keep], arr[keep], dep[keep]
        pickup, drop, timepoint = pickup[keep], drop[keep], timepoint[keep]
        headsign, interpolated = headsign[keep], interpolated[keep]

    approximate = timepoint == 0
    approximate |= interpolated
    flags = approximate.astype(np.int8)          # no int64 temporary as long as the column
    flags *= APPROXIMATE
    return StopTimeArrays(trip, stop, seq, arr, dep, pickup, drop, flags, headsign, texts), bad

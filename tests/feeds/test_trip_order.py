"""Putting stop_times in trip order: a trip split into blocks is moved together by slices
(`Segments`), and that gives the same arrays as the order by row indices."""

from __future__ import annotations

import numpy as np
import pytest

from feeds.stop_times import Segments, reorder, trip_order


def _file(blocks: list[tuple[int, list[int]]]) -> tuple[np.ndarray, np.ndarray]:
    trip = np.array([t for t, seqs in blocks for _ in seqs], dtype=np.int32)
    seq = np.array([s for _, seqs in blocks for s in seqs], dtype=np.int32)
    return trip, seq


def _grouped(trip: np.ndarray, seq: np.ndarray) -> bool:
    starts = np.flatnonzero(np.r_[True, trip[1:] != trip[:-1]])
    same = trip[1:] == trip[:-1]
    return (len(np.unique(trip[starts])) == len(starts)
            and not (same & (seq[1:] < seq[:-1])).any())


def test_a_file_in_trip_order_is_left_as_it_is() -> None:
    trip, seq = _file([(2, [1, 2, 3]), (0, [1, 5]), (1, [0, 1])])
    assert trip_order(trip, seq) is None


@pytest.mark.parametrize("blocks", [
    [(0, [1, 2]), (1, [1, 2, 3]), (0, [3, 4]), (2, [1, 2])],                  # split trip
    [(0, [3, 4]), (1, [1, 2]), (0, [1, 2]), (1, [3]), (2, [5, 6]), (0, [5])],  # blocks reversed
    [(0, [1, 3]), (1, [1, 2]), (0, [2, 4])],                  # blocks interleave: sorted per trip
    [(0, [1, 2]), (1, [1, 2]), (0, [2, 3])],                  # a repeated sequence stays
])
def test_slices_and_row_indices_give_the_same_arrays(
        blocks: list[tuple[int, list[int]]]) -> None:
    trip, seq = _file(blocks)
    values = np.arange(len(trip), dtype=np.int64) * 7
    by_slices = trip_order(trip, seq)
    by_rows = trip_order(trip, seq, max_segments=0)
    assert by_slices is not None and by_rows is not None
    assert not isinstance(by_rows, Segments)
    for column in (trip, seq, values):
        assert reorder(column, by_slices).tolist() == reorder(column, by_rows).tolist()
    assert _grouped(reorder(trip, by_rows), reorder(seq, by_rows))
    assert sorted(reorder(values, by_rows).tolist()) == values.tolist()
    for order in (by_slices, by_rows):           # into a given buffer: the same values
        buffer = np.full(len(values), -1, dtype=values.dtype)
        assert reorder(values, order, buffer) is buffer
        assert buffer.tolist() == reorder(values, by_rows).tolist()


def test_a_large_file_with_a_few_split_trips_is_moved_by_slices() -> None:
    rng = np.random.default_rng(7)
    lengths = rng.integers(2, 40, 5_000)
    trip = np.repeat(np.arange(lengths.size, dtype=np.int32), lengths)
    seq = (np.arange(trip.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)).astype(
        np.int32)
    cut = np.flatnonzero(np.r_[True, trip[1:] != trip[:-1]])[rng.choice(lengths.size, 30)]
    half = np.ones(trip.size, dtype=bool)
    for start in cut:                   # move the second half of 30 trips to the end
        length = int(lengths[trip[start]])
        half[start + length // 2:start + length] = False
    trip = np.r_[trip[half], trip[~half]]
    seq = np.r_[seq[half], seq[~half]]
    by_slices = trip_order(trip, seq)
    assert isinstance(by_slices, Segments)
    by_rows = trip_order(trip, seq, max_segments=0)
    assert reorder(trip, by_slices).tolist() == reorder(trip, by_rows).tolist()
    assert reorder(seq, by_slices).tolist() == reorder(seq, by_rows).tolist()
    assert _grouped(reorder(trip, by_slices), reorder(seq, by_slices))

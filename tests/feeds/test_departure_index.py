"""The departure index's row order: the packed-key sort and the plain stable argsort agree."""

from __future__ import annotations

import numpy as np
import pytest

from feeds.departure_index import sort_by_stop_and_time


def _ptr(stop: np.ndarray, n_stops: int) -> np.ndarray:
    ptr = np.zeros(n_stops + 1, dtype=np.int32)
    np.cumsum(np.bincount(stop, minlength=n_stops), out=ptr[1:])
    return ptr


@pytest.mark.parametrize(("n", "n_stops", "max_time", "seed"), [
    (0, 1, 1, 0), (1, 1, 0, 1), (7, 3, 2, 2), (10_000, 50, 90_000, 3), (100_000, 4096, 10, 4),
    (50_000, 1, 200_000, 5), (50_000, 2, 1, 6), (2_500_000, 1000, 50_000, 8),  # 3 slices
])
def test_packed_sort_gives_the_same_order_as_a_stable_argsort(
        n: int, n_stops: int, max_time: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    stop = rng.integers(0, n_stops, n).astype(np.int32)
    dep = rng.integers(0, max_time + 1, n).astype(np.int32)     # many ties: the row decides
    rows = np.flatnonzero(rng.random(n) < 0.9).astype(np.int32)[:n]    # gaps, ascending
    stop, dep = stop[:rows.size], dep[:rows.size]
    expected = np.lexsort((rows, dep, stop))
    plain = sort_by_stop_and_time(stop, dep, rows, n_stops, packed=False)
    packed = sort_by_stop_and_time(stop, dep, rows, n_stops)
    for got in (plain, packed):
        assert [a.dtype for a in got] == [np.int32] * 3
        assert got[0].tolist() == rows[expected].tolist()
        assert got[1].tolist() == dep[expected].tolist()
        assert got[2].tolist() == _ptr(stop, n_stops).tolist()


def test_keys_too_wide_to_pack_take_the_argsort() -> None:
    stop = np.array([1, 0, 1, 0], dtype=np.int32)
    dep = np.array([2**30, 5, 3, 5], dtype=np.int32)      # 31 + 1 + 2 bits: still packed
    rows = np.arange(4, dtype=np.int32)
    assert sort_by_stop_and_time(stop, dep, rows, 2)[0].tolist() == [1, 3, 2, 0]
    many = np.zeros(2**20 + 1, dtype=np.int32)
    wide = np.full(many.size, 2**30, dtype=np.int32)         # 21 + 31 + 12 bits: argsort
    rows = np.arange(many.size, dtype=np.int32)
    order, times, ptr = sort_by_stop_and_time(many, wide, rows, 4096)
    assert order.tolist() == rows.tolist() and times.tolist() == wide.tolist()
    assert ptr.tolist() == [0] + [many.size] * 4096


def test_keys_of_exactly_63_bits_with_a_power_of_two_of_stops() -> None:
    stop = np.array([3, 0, 3], dtype=np.int32)                # 4 stops: 2 bits
    dep = np.array([2**31 - 1, 3, 7], dtype=np.int32)        # 31 bits
    rows = np.array([0, 5, 2**29 + 5], dtype=np.int32)        # 30 bits: 63 in all
    order, times, ptr = sort_by_stop_and_time(stop, dep, rows, 4)
    assert order.tolist() == [5, 2**29 + 5, 0]
    assert times.tolist() == [3, 7, 2**31 - 1]
    assert ptr.tolist() == [0, 1, 1, 1, 3]

"""The departure index's row order: the packed-key sort and the plain stable argsort agree."""

from __future__ import annotations

import numpy as np
import pytest

from feeds.departure_index import stop_time_order


def _ptr(stop: np.ndarray, n_stops: int) -> np.ndarray:
    ptr = np.zeros(n_stops + 1, dtype=np.int32)
    np.cumsum(np.bincount(stop, minlength=n_stops), out=ptr[1:])
    return ptr


@pytest.mark.parametrize(("n", "n_stops", "max_time", "seed"), [
    (0, 1, 1, 0), (1, 1, 0, 1), (7, 3, 2, 2), (10_000, 50, 90_000, 3), (100_000, 4096, 10, 4),
    (50_000, 1, 200_000, 5), (50_000, 2, 1, 6),
])
def test_packed_sort_gives_the_same_order_as_a_stable_argsort(
        n: int, n_stops: int, max_time: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    stop = rng.integers(0, n_stops, n).astype(np.int32)
    dep = rng.integers(0, max_time + 1, n).astype(np.int32)     # many ties: the row decides
    ptr = _ptr(stop, n_stops)
    packed = stop_time_order(stop, dep, ptr)
    plain = stop_time_order(stop, dep, ptr, packed=False)
    expected = np.lexsort((np.arange(n), dep, stop))
    assert packed.tolist() == plain.tolist() == expected.tolist()


def test_keys_too_wide_to_pack_take_the_argsort() -> None:
    stop = np.array([1, 0, 1, 0], dtype=np.int32)
    dep = np.array([2**30, 5, 3, 5], dtype=np.int32)      # 31 + 1 + 2 bits: still packed
    ptr = _ptr(stop, 2)
    assert stop_time_order(stop, dep, ptr).tolist() == [1, 3, 2, 0]
    many = np.zeros(2**20 + 1, dtype=np.int32)
    wide = np.full(many.size, 2**30, dtype=np.int32)         # 21 + 31 + 12 bits: argsort
    ptr = np.zeros(4097, dtype=np.int32)
    ptr[1:] = many.size
    assert stop_time_order(many, wide, ptr).tolist() == list(range(many.size))

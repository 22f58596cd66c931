"""Sorted id tables: an id's index is its position in a sorted bytes array.

Looking an id up is one binary search; no per-id Python object is kept, which matters for
millions of trips. Index order is byte order of the UTF-8 id.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

IdArray = npt.NDArray[np.bytes_]


def build_ids(ids: Iterable[str]) -> IdArray:
    """Return the distinct ids as a sorted fixed-width bytes array."""
    encoded = sorted({i.encode("utf-8") for i in ids})
    width = max((len(e) for e in encoded), default=1) or 1
    return np.array(encoded, dtype=f"S{width}")


def find_id(ids: IdArray, key: str) -> int:
    """Return the index of `key` in `ids`, or -1 when it is not there."""
    raw = key.encode("utf-8")
    if not raw or len(raw) > ids.dtype.itemsize or ids.size == 0:
        return -1
    pos = int(np.searchsorted(ids, raw))
    if pos < ids.size and ids[pos] == raw:
        return pos
    return -1


def id_at(ids: IdArray, index: int) -> str:
    """Return the id at `index`."""
    return bytes(ids[index]).decode("utf-8")

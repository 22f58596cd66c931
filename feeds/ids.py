"""Sorted id tables: an id's index is its position in a sorted bytes array.

Looking an id up is one binary search; no per-id Python object is kept, which matters for
millions of trips. Index order is byte order of the UTF-8 id.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

IdArray = npt.NDArray[np.bytes_]


def build_ids(ids: Iterable[str] | npt.NDArray[np.str_]) -> IdArray:
    """Return the distinct ids as a sorted fixed-width bytes array (byte order of UTF-8)."""
    values = ids if isinstance(ids, np.ndarray) else np.array(list(ids), dtype=np.str_)
    if values.size == 0:
        return np.array([], dtype="S1")
    encoded = np.unique(np.strings.encode(values.astype(np.str_), "utf-8"))
    if encoded.dtype.itemsize == 0:
        encoded = encoded.astype("S1")
    result: IdArray = encoded
    return result


def decode_ids(ids: IdArray) -> npt.NDArray[np.str_]:
    """Return the ids as text (for pandas indexes in the builder)."""
    decoded: npt.NDArray[np.str_] = np.strings.decode(ids, "utf-8")
    return decoded


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

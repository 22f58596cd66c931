"""Arrow text columns (one CSV block) to numpy: ids, GTFS times, integers, repeated texts.

Used by `feeds.stop_times_reader` for the big file. Every converter names the file row of a
value it refuses; cells that are empty arrive as nulls.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from feeds.errors import FeedInvalid
from feeds.ids import IdArray
from feeds.timebase import parse_gtfs_time

I32 = npt.NDArray[np.int32]
_INTEGER = r"^[+-]?[0-9]+(\.0*)?$"
_TIME = r"^[0-9]{1,3}:[0-5][0-9]:[0-5][0-9]$"        # feeds.timebase.parse_gtfs_time


def arrow_text(values: Any) -> pa.Array | None:
    """Return a pandas column of text as one Arrow array (no copy when it is Arrow-backed, as
    gtfs-kit reads text); None for any other kind of column."""
    try:
        array = pa.array(values.array)
    except (pa.ArrowException, TypeError, ValueError):
        return None
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return None
    return array


def distinct_ids(values: pa.Array) -> IdArray:
    """Return the distinct non-empty values as a sorted id table (`feeds.ids.build_ids`)."""
    values = values.drop_null()
    values = values.filter(pc.not_equal(values, ""))
    if len(values) == 0:
        return np.array([], dtype="S1")
    raw = values.cast(pa.large_binary() if pa.types.is_large_string(values.type) else pa.binary())
    ids: IdArray = raw.to_numpy(zero_copy_only=False).astype(np.bytes_)
    ids.sort()
    if ids.size > 1:
        ids = ids[np.r_[True, ids[1:] != ids[:-1]]]
    return ids


def lookup_runs(values: pa.Array, ids: IdArray) -> I32:
    """`lookup` for a column whose equal values come in runs (trip_id: a trip's rows)."""
    runs = pc.run_end_encode(values)
    found = lookup(runs.values, ids)
    lengths = np.diff(runs.run_ends.to_numpy(zero_copy_only=False), prepend=0)
    result: I32 = np.repeat(found, lengths)
    return result


def encoded(values: pa.Array) -> tuple[npt.NDArray[Any], pa.Array]:
    """Return (codes, distinct values) of a column; an empty cell's code is len(values)."""
    encoded = values if isinstance(values, pa.DictionaryArray) else values.dictionary_encode()
    dictionary = encoded.dictionary
    codes = encoded.indices.fill_null(len(dictionary)).to_numpy(zero_copy_only=False)
    return codes, dictionary


def lookup(values: pa.Array, ids: IdArray) -> I32:
    """Return each value's index in the sorted `ids` (-1: absent or empty)."""
    codes, dictionary = encoded(values)
    mapping = np.full(len(dictionary) + 1, -1, dtype=np.int32)    # the last slot: empty cells
    if len(dictionary) and ids.size:
        fits = np.asarray(pc.less_equal(pc.binary_length(dictionary), ids.dtype.itemsize))
        raw = dictionary.cast(pa.binary()).to_numpy(zero_copy_only=False)
        as_bytes = (raw if fits.all() else np.where(fits, raw, b"")).astype(ids.dtype)
        pos = np.minimum(np.searchsorted(ids, as_bytes), ids.size - 1)
        found = fits & (ids[pos] == as_bytes) & (as_bytes != b"")
        mapping[:-1] = np.where(found, pos, -1)
    result: I32 = mapping[codes]
    return result


class TextCodes:
    """Distinct non-empty strings of a column across blocks, coded in first-seen order."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}

    def encode(self, values: pa.Array) -> I32:
        indices, dictionary = encoded(values)
        mapping = np.full(len(dictionary) + 1, -1, dtype=np.int32)
        for i, text in enumerate(dictionary.to_pylist()):
            mapping[i] = self.codes.setdefault(text, len(self.codes))
        codes: I32 = mapping[indices]
        return codes

    @property
    def texts(self) -> list[str]:
        return list(self.codes)


class TimeColumn:
    """GTFS times of a column: the distinct texts of a block, parsed vectorised."""

    def __init__(self, file: str, name: str) -> None:
        self.file = file
        self.name = name

    def parse(self, values: pa.Array, file_rows: npt.NDArray[np.int64]) -> I32:
        fast = plain_times(values)
        if fast is not None:
            return fast
        indices, dictionary = encoded(values)
        texts = pc.utf8_trim_whitespace(dictionary)
        good = np.asarray(pc.match_substring_regex(texts, _TIME))
        if not good.all():
            bad = int(np.flatnonzero(~good)[0])
            row = int(file_rows[int(np.flatnonzero(indices == bad)[0])])
            text = dictionary[bad].as_py()
            try:
                parse_gtfs_time(text)
            except ValueError as exc:
                raise FeedInvalid(self.file, str(exc), row=row, field=self.name) from exc
        parts = pc.cast(pc.list_flatten(pc.split_pattern(texts, ":")), pa.int32())
        hms = parts.to_numpy(zero_copy_only=False).reshape(-1, 3)
        mapping = np.empty(len(texts) + 1, dtype=np.int32)
        mapping[:-1] = hms[:, 0] * 3600 + hms[:, 1] * 60 + hms[:, 2]
        mapping[-1] = -1
        seconds: I32 = mapping[indices]
        return seconds


def plain_times(values: pa.Array) -> I32 | None:
    """Parse a column of H:MM:SS / HH:MM:SS / HHH:MM:SS texts (or empty cells) straight from
    the Arrow buffers; None when any cell is something else (spaces, garbage): the caller
    then takes the careful path that names the bad row."""
    if not isinstance(values, pa.StringArray) or len(values) == 0:
        return None
    _, offsets_buf, data_buf = values.buffers()
    if data_buf is None or offsets_buf is None or data_buf.size < 9:
        return None
    n = len(values)
    offsets = np.frombuffer(offsets_buf, dtype=np.int32)[values.offset:values.offset + n + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8)
    length = np.diff(offsets)
    given = length > 0                    # empty cells are nulls (read with length 0)
    if not ((length >= 7) & (length <= 9) | ~given).all():
        return None
    end = np.where(given, offsets[1:], 9)

    def byte(back: int) -> npt.NDArray[np.uint8]:
        picked: npt.NDArray[np.uint8] = data[end - back]
        return picked

    def digit(back: int) -> npt.NDArray[np.uint8]:
        return byte(back) - np.uint8(48)            # wraps: a non-digit is > 9

    s1, s10, m1, m10, h1 = digit(1), digit(2), digit(4), digit(5), digit(7)
    ok = ((s1 <= 9) & (s10 <= 5) & (m1 <= 9) & (m10 <= 5) & (h1 <= 9)
          & (byte(3) == 58) & (byte(6) == 58))
    hours = h1.astype(np.int32)
    for back, scale in ((8, 10), (9, 100)):
        longer = length >= back
        if longer.any():
            d = np.where(longer, digit(back), 0)
            ok &= d <= 9
            hours += d.astype(np.int32) * scale
    if not ok[given].all():
        return None
    seconds = (hours * 3600 + (m10.astype(np.int32) * 10 + m1) * 60
               + s10.astype(np.int32) * 10 + s1)
    result: I32 = np.where(given, seconds, -1).astype(np.int32)
    return result


class IntColumns:
    """Integer columns; cells holding text are blanked (read as empty) and counted."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.blanked: dict[str, tuple[int, int]] = {}     # column -> (count, first file row)

    def parse(self, name: str, values: pa.Array, default: int,
              file_rows: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        if pa.types.is_integer(values.type):
            numbers = values                     # parsed by the CSV reader already
        else:
            try:
                numbers = pc.cast(values, pa.int64())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                numbers = self._lenient(name, values, file_rows)
        out: npt.NDArray[np.int64] = numbers.fill_null(default).to_numpy(zero_copy_only=False)
        return out

    def _lenient(self, name: str, values: pa.Array, file_rows: npt.NDArray[np.int64]
                 ) -> pa.Array:
        text = pc.utf8_trim_whitespace(values)
        good = pc.match_substring_regex(text, _INTEGER).fill_null(True)
        empty = pc.equal(text, "").fill_null(True)
        bad = np.asarray(pc.and_(pc.invert(good), pc.invert(empty)))
        if bad.any():
            count, first = self.blanked.get(name, (0, int(file_rows[int(bad.argmax())])))
            self.blanked[name] = (count + int(bad.sum()), first)
        kept = pc.if_else(pc.and_(good, pc.invert(empty)), text, None)
        whole = pc.replace_substring_regex(kept, r"\.0*$", "")
        return pc.cast(whole, pa.int64())

    def notes(self) -> tuple[str, ...]:
        return tuple(f"{self.file}: {name}: {count} value(s) not numeric, read as empty "
                     f"(first at row {first})"
                     for name, (count, first) in sorted(self.blanked.items()))

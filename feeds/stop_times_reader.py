"""Stream stop_times.txt (clean UTF-8) in chunks straight into compact numpy columns.

The one big file of a feed (tens of millions of rows nationally) never becomes a DataFrame:
pyarrow's CSV reader yields blocks of text columns, and each block is turned into int32/int8
arrays at once — ids by a binary search of the block's distinct values in the sorted id tables,
times and headsigns by their distinct values (a few thousand per block). The semantics are the
loader's: cells "", " ", "nan", "NaN", "null" are empty; header names are stripped; text in a
numeric column is blanked and noted; an unparseable time names its file row and field.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from pyarrow import csv as pa_csv

from feeds.arrow_columns import IntColumns, TextCodes, TimeColumn, lookup, lookup_runs
from feeds.errors import FeedInvalid
from feeds.ids import IdArray
from feeds.progress import Progress, ProgressCallback, no_progress

FILE = "stop_times.txt"
NULLS = ["", " ", "nan", "NaN", "null"]          # what gtfs-kit reads as empty
REQUIRED = ("trip_id", "stop_id", "stop_sequence", "arrival_time", "departure_time")
INTS = {"stop_sequence": None, "pickup_type": 0, "drop_off_type": 0, "timepoint": 1}
OPTIONAL = ("stop_headsign", "pickup_type", "drop_off_type", "timepoint")
BLOCK_BYTES = 16 << 20

I8 = npt.NDArray[np.int8]
I32 = npt.NDArray[np.int32]


@dataclass
class RawStopTimes:
    """The rows of stop_times.txt whose trip is in trips.txt, in file order.

    `trip` and `stop` index the sorted id tables (-1: unknown stop); times are seconds since the
    service-day base (-1: empty); `headsign` indexes `texts` (-1: empty).
    """

    trip: I32
    stop: I32
    seq: I32
    arr: I32
    dep: I32
    pickup: I8
    drop: I8
    timepoint: I8
    headsign: I32
    texts: list[str]
    rows: int                 # data rows in the file
    orphans: int              # rows whose trip_id is not in trips.txt (left out)
    notes: tuple[str, ...] = ()
    recoded: bool = False     # the file was not UTF-8 and was read as Latin-1


_COLUMNS = {"trip": np.int32, "stop": np.int32, "seq": np.int32, "arr": np.int32,
            "dep": np.int32, "pickup": np.int8, "drop": np.int8, "timepoint": np.int8,
            "headsign": np.int32}


class _Columns:
    """The output columns, allocated once for the estimated row count and filled block by block
    (many small arrays concatenated at the end fragment the heap and double the peak)."""

    def __init__(self, capacity: int) -> None:
        self.arrays = {name: np.empty(capacity, dtype=t) for name, t in _COLUMNS.items()}
        self.filled = dict.fromkeys(_COLUMNS, 0)

    def add(self, name: str, values: npt.NDArray[Any]) -> None:
        array, start = self.arrays[name], self.filled[name]
        end = start + len(values)
        if end > len(array):                       # the estimate was low: grow by half
            grown = np.empty(max(end, len(array) * 3 // 2), dtype=array.dtype)
            grown[:start] = array[:start]
            self.arrays[name] = array = grown
        array[start:end] = values
        self.filled[name] = end

    def take(self, name: str) -> npt.NDArray[Any]:
        array, n = self.arrays.pop(name), self.filled[name]
        if len(array) > n + n // 4 + 4096:       # much too large: keep only what is used
            return array[:n].copy()
        out: npt.NDArray[Any] = array[:n]           # untouched tail pages cost no memory
        return out


def read_header(stream: Stream) -> list[str]:
    """Return the stripped column names of a CSV stream (its first record; BOM dropped)."""
    line = stream.readline(1 << 20).removeprefix(b"\xef\xbb\xbf")
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        text = line.decode("latin-1")
    try:
        return [name.strip() for name in next(csv.reader([text]))]
    except StopIteration:
        return []
    except csv.Error as exc:
        raise FeedInvalid(FILE, f"the header cannot be parsed ({exc})") from exc


class _ShortRow(Exception):
    """A row has fewer cells than the header: the file is padded and read again."""


class _TextInNumbers(Exception):
    """An integer column holds text: the block is read again with text columns (lenient)."""


class _NotUtf8(Exception):
    """The stream is not UTF-8: it is extracted as Latin-1 and read again."""


Stream = io.RawIOBase | io.BufferedIOBase
OpenStream = Callable[[], Stream]
Extract = Callable[[], tuple[Path, bool]]      # -> (clean UTF-8 file, was recoded)


def read_stop_times(open_stream: OpenStream, extract: Extract, trip_ids: IdArray,
                    stop_ids: IdArray, progress: ProgressCallback = no_progress
                    ) -> RawStopTimes:
    """Read stop_times.txt into columns; raise FeedInvalid naming file, row and field.

    `open_stream` opens the member as it is in the zip (read straight from the inflating
    stream, no temporary copy); only when it is not UTF-8, or has short rows, `extract` writes
    a clean UTF-8 copy, which is read instead. Rows with fewer cells than the header (trailing
    optional cells left out) read as empty there, as pandas reads them; more cells are an error.
    """
    with open_stream() as stream:
        header = read_header(stream)
        sample = stream.read(1 << 20)
    rows_per_byte = (sample.count(b"\n") / len(sample)) if sample else 0.0
    for name in REQUIRED:
        if name not in header:
            raise FeedInvalid(FILE, "required column is missing", field=name)
    for typed in (True, False):
        try:
            with open_stream() as stream:
                return _read(stream, header, trip_ids, stop_ids, progress, rows_per_byte,
                             typed)
        except _TextInNumbers:
            continue                          # again, with the integer columns as text
        except (_ShortRow, _NotUtf8):
            break
    file, recoded = extract()
    try:
        raw = _read(file, header, trip_ids, stop_ids, progress, rows_per_byte, typed=False)
    except _ShortRow:
        _pad_short_rows(file, len(header))
        raw = _read(file, header, trip_ids, stop_ids, progress, rows_per_byte, typed=False)
    raw.recoded = recoded
    return raw


def _pad_short_rows(file: Path, width: int) -> None:
    """Rewrite a CSV file with every short row padded with empty cells (a rare, slow path)."""
    padded = file.with_suffix(".padded")
    with file.open(encoding="utf-8", newline="") as src, \
            padded.open("w", encoding="utf-8", newline="") as dst:
        writer = csv.writer(dst, lineterminator="\n")
        for row in csv.reader(src):
            if row:
                writer.writerow(row + [""] * (width - len(row)))
    padded.replace(file)


def _open(source: Path | Stream, header: list[str], used: list[str], typed: bool) -> Any:
    names = [c if c not in header[:i] else f"{c}#{i}" for i, c in enumerate(header)]
    short: list[int] = []

    def on_invalid(row: Any) -> str:
        if row.actual_columns < row.expected_columns:
            short.append(row.number or 0)
        return "error"

    try:
        return pa_csv.open_csv(
            source,
            read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1,
                                            block_size=BLOCK_BYTES),
            parse_options=pa_csv.ParseOptions(ignore_empty_lines=True,
                                              invalid_row_handler=on_invalid),
            convert_options=pa_csv.ConvertOptions(
                column_types={c: pa.int64() if typed and c in INTS else pa.string()
                              for c in used},
                include_columns=used,
                null_values=NULLS, strings_can_be_null=True, quoted_strings_can_be_null=True)
        ), short
    except (pa.ArrowInvalid, OSError) as exc:
        _raise_retry(exc, short)
        raise FeedInvalid(FILE, f"the CSV file cannot be parsed ({exc})") from exc


def _raise_retry(exc: Exception, short: list[int]) -> None:
    """Raise the exception that makes the caller read a clean copy, when one would help."""
    if short:
        raise _ShortRow from exc
    if "conversion error to int" in str(exc):
        raise _TextInNumbers from exc
    if "UTF8" in str(exc) or "UTF-8" in str(exc):
        raise _NotUtf8 from exc


def _read(source: Path | Stream, header: list[str], trip_ids: IdArray, stop_ids: IdArray,
          progress: ProgressCallback, rows_per_byte: float, typed: bool = True
          ) -> RawStopTimes:
    """Read the rows; with `typed` the CSV reader parses the integer columns itself (fast),
    and a cell of text there makes the caller read again with `typed=False`."""
    used = [c for c in (*REQUIRED, *OPTIONAL) if c in header]
    reader, short = _open(source, header, used, typed)
    size = _size(source)
    estimate = max(int(size * rows_per_byte * 1.02) + 64, 1024)
    cols = _Columns(estimate)
    headsigns, ints = TextCodes(), IntColumns(FILE)
    arr_times = TimeColumn(FILE, "arrival_time")
    dep_times = TimeColumn(FILE, "departure_time")
    rows = orphans = 0
    progress(Progress("stop_times", 0, None))
    # one block is converted (numpy and Arrow kernels, mostly without the GIL) while the next
    # one is inflated and parsed: the two halves of the work overlap on two cores
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="stop-times") as pool:
        pending: Future[int] | None = None
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except (pa.ArrowInvalid, OSError) as exc:
                if pending is not None:
                    pending.result()          # an error in an earlier row is reported first
                _raise_retry(exc, short)
                raise FeedInvalid(FILE, "the CSV file cannot be parsed near data row "
                                        f"{rows + 1} ({exc})") from exc
            n = batch.num_rows
            if not n:
                continue
            if pending is not None:
                orphans += pending.result()
            file_rows = np.arange(rows + 1, rows + n + 1, dtype=np.int64)
            pending = pool.submit(_add_block, batch, header, cols, trip_ids, stop_ids,
                                  file_rows, headsigns, ints, arr_times, dep_times)
            rows += n
            estimate = max(estimate, rows)
            progress(Progress("stop_times", rows, estimate))
        if pending is not None:
            orphans += pending.result()
    progress(Progress("stop_times", rows, rows))
    return RawStopTimes(
        trip=cols.take("trip"), stop=cols.take("stop"), seq=cols.take("seq"),
        arr=cols.take("arr"), dep=cols.take("dep"), pickup=cols.take("pickup"),
        drop=cols.take("drop"), timepoint=cols.take("timepoint"),
        headsign=cols.take("headsign"), texts=headsigns.texts, rows=rows,
        orphans=orphans, notes=ints.notes())


def _size(source: Path | Stream) -> int:
    if isinstance(source, Path):
        return source.stat().st_size
    size = getattr(source, "size", 0)
    return int(size) if isinstance(size, int) else 0


def _add_block(batch: pa.RecordBatch, header: list[str], cols: _Columns, trip_ids: IdArray,
               stop_ids: IdArray, file_rows: npt.NDArray[np.int64], headsigns: TextCodes,
               ints: IntColumns, arr_times: TimeColumn, dep_times: TimeColumn) -> int:
    """Convert one block into the columns; return how many orphan rows it had."""
    column: Callable[[str], pa.Array] = batch.column
    seq_text = column("stop_sequence")
    if seq_text.null_count:
        row = int(file_rows[int(np.asarray(seq_text.is_null()).argmax())])
        raise FeedInvalid(FILE, "stop_sequence is empty", row=row, field="stop_sequence")
    trip = lookup_runs(column("trip_id"), trip_ids)
    known = trip >= 0
    orphans = known.size - int(known.sum())
    if orphans:
        batch = batch.filter(pa.array(known))
        column = batch.column
        trip = trip[known]
        file_rows = file_rows[known]
    cols.add("trip", trip)
    cols.add("stop", lookup(column("stop_id"), stop_ids))
    seq = ints.parse("stop_sequence", column("stop_sequence"), -1, file_rows)
    if (seq < 0).any():
        row = int(file_rows[int((seq < 0).argmax())])
        raise FeedInvalid(FILE, "stop_sequence is not a non-negative integer", row=row,
                          field="stop_sequence")
    cols.add("seq", seq.astype(np.int32))
    arrival, departure = column("arrival_time"), column("departure_time")
    arr = arr_times.parse(arrival, file_rows)
    cols.add("arr", arr)
    # most feeds repeat the arrival time as the departure time: parse such a block once
    cols.add("dep", arr if departure.equals(arrival) else dep_times.parse(departure, file_rows))
    n = len(trip)
    for name, key in (("pickup_type", "pickup"), ("drop_off_type", "drop"),
                      ("timepoint", "timepoint")):
        default = INTS[name]
        assert default is not None
        if name in header:
            cols.add(key, ints.parse(name, column(name), default, file_rows).astype(np.int8))
        else:
            cols.add(key, np.full(n, default, dtype=np.int8))
    if "stop_headsign" in header:
        cols.add("headsign", headsigns.encode(column("stop_headsign")))
    else:
        cols.add("headsign", np.full(n, -1, dtype=np.int32))
    return orphans

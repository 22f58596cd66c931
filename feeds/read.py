"""The edge: read a GTFS zip (or folder) — the small tables with gtfs-kit, stop_times streamed.

Real feeds are messier than the spec: a UTF-8 BOM, Latin-1 bytes in stops.txt, stray spaces in
header names. Each member is streamed (under the size caps of `feeds.archive`) into clean UTF-8
in a temporary folder first, so that every file is read the same way. The small tables go through
gtfs-kit; stop_times.txt, the one big file, is read in chunks straight into numpy columns
(`feeds.stop_times_reader`). No pandas object leaves `feeds/`.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import gtfs_kit
import numpy as np
import pandas as pd
from gtfs_kit.constants import DTYPES

from feeds.archive import (
    DEFAULT_LIMITS,
    ZipLimits,
    extract_clean,
    feed_identity,
    open_member_stream,
    open_zip,
    read_file_chunks,
    stream_member,
)
from feeds.arrow_columns import arrow_text, distinct_ids
from feeds.errors import FeedInvalid, FeedUnavailable
from feeds.ids import IdArray, build_ids
from feeds.progress import Progress, ProgressCallback, no_progress
from feeds.stop_times_reader import OpenStream, RawStopTimes, read_stop_times

# The files a timetable is built from; everything else in a feed (shapes, fares, pathways) is
# skipped, which also keeps the load fast.
USED_FILES = (
    "agency", "stops", "routes", "trips", "stop_times",
    "calendar", "calendar_dates", "frequencies", "feed_info",
)
REQUIRED_FILES = ("agency", "stops", "routes", "trips", "stop_times")


@dataclass(frozen=True)
class Tables:
    """The raw tables of one feed: gtfs-kit's frames (None where absent) and stop_times columns.

    `trip_ids` / `stop_ids` are the sorted id tables the stop_times columns index
    (`table_ids` of the trips and stops frames).
    """

    content_hash: str
    frames: dict[str, Any]          # table name -> pandas.DataFrame | None (not stop_times)
    recoded: tuple[str, ...]        # files that were not UTF-8 and were decoded as Latin-1
    blanked: tuple[str, ...] = ()   # numeric cells that held text and were read as empty
    stop_times: RawStopTimes | None = None
    trip_ids: IdArray | None = None
    stop_ids: IdArray | None = None

    def get(self, name: str) -> Any:
        return self.frames.get(name)


def hash_feed(path: Path) -> str:
    """Return the feed's identity (see `feeds.archive.feed_identity`)."""
    return feed_identity(path)


def clean_id(value: Any, strip: bool = True) -> str | None:
    """Return an id cell as text (None for empty/NA), stripped of spaces unless told not to."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip() if strip else str(value)
    return text or None


def table_ids(frame: Any, column: str, strip: bool = True) -> IdArray:
    """Return the sorted distinct ids of a frame's column (the index order of the timetable).

    Stop ids are compared stripped, trip ids as written (as the loader always did).
    """
    if frame is None or column not in frame.columns:
        return build_ids(())
    text = None if strip else arrow_text(frame[column])
    if text is not None:
        return distinct_ids(text)             # the same table, several times faster
    values = frame[column].dropna().to_numpy(dtype=np.str_)
    if strip:
        values = np.strings.strip(values)
    return build_ids(values[values != ""])


ChunkSource = Callable[[], Iterator[bytes]]


@dataclass(frozen=True)
class _Member:
    name: str                      # table name
    chunks: ChunkSource            # the inflated bytes
    open_stream: OpenStream


def _members(path: Path, limits: ZipLimits) -> Iterator[_Member]:
    """Yield the used GTFS files of a zip or folder (the first of each name)."""
    if path.is_dir():
        for name in USED_FILES:
            file = path / f"{name}.txt"
            if file.is_file():
                yield _Member(name, read_file_chunks(file), partial(_open_binary, file))
        return
    seen: set[str] = set()
    total = 0
    with open_zip(path) as zf:
        for info in zf.infolist():
            stem = Path(info.filename).stem   # files in a sub-folder are tolerated
            if (not info.is_dir() and info.filename.endswith(".txt")
                    and stem in USED_FILES and stem not in seen):
                seen.add(stem)
                yield _Member(stem, partial(stream_member, zf, info, limits, total),
                              partial(open_member_stream, path, info.filename, limits, total))
                total += info.file_size


def _open_binary(file: Path) -> io.BufferedReader:
    return file.open("rb")


def _has_content(chunks: ChunkSource) -> bool:
    return any(chunk.strip() for chunk in chunks())


def _extract(path: Path, folder: Path, limits: ZipLimits, progress: ProgressCallback
             ) -> tuple[set[str], list[str], _Member | None]:
    """Write the used files but stop_times.txt as clean UTF-8 into `folder`; return (tables
    with content, recoded file names, the stop_times member). Members are streamed."""
    present: set[str] = set()
    recoded: list[str] = []
    stop_times = None
    for member in _members(path, limits):
        progress(Progress("open", 0, None, member.name))
        if member.name == "stop_times":
            stop_times = member
            if _has_content(member.chunks):
                present.add(member.name)
            continue
        done = extract_clean(member.chunks, folder / f"{member.name}.txt")
        if done.recoded:
            recoded.append(f"{member.name}.txt")
        if done.has_content:
            present.add(member.name)
    return present, recoded, stop_times


def _read_with_gtfs_kit(folder: Path) -> tuple[Any, list[str]]:
    """Return (gtfs-kit Feed, blanked-cell notes) for a folder of clean UTF-8 files."""
    try:
        return gtfs_kit.read_feed(folder, dist_units="km"), []
    except MemoryError:
        raise                     # a build over its memory limit (feeds.build_process)
    except (ValueError, TypeError):
        pass
    except Exception as exc:  # pandas raises many kinds for broken CSV
        raise FeedInvalid("feed", f"the CSV files cannot be parsed ({exc})") from exc
    try:
        # a typed column holds text ("N" as direction_id): blank such cells and read again
        blanked = _blank_untyped_cells(folder)
        return gtfs_kit.read_feed(folder, dist_units="km"), blanked
    except MemoryError:
        raise
    except Exception as exc:
        raise FeedInvalid("feed", f"the CSV files cannot be parsed ({exc})") from exc


# columns without which a file cannot describe departures (GTFS "Required" fields we use)
REQUIRED_COLUMNS = {
    "agency": ("agency_timezone",),
    "stops": ("stop_id",),
    "routes": ("route_id",),
    "trips": ("route_id", "service_id", "trip_id"),
    "stop_times": ("trip_id", "stop_id", "stop_sequence", "arrival_time", "departure_time"),
    "calendar": ("service_id", "start_date", "end_date"),
    "calendar_dates": ("service_id", "date", "exception_type"),
    "frequencies": ("trip_id", "start_time", "end_time", "headway_secs"),
}


def _check_columns(frames: dict[str, Any]) -> None:
    for name, columns in REQUIRED_COLUMNS.items():
        frame = frames.get(name)
        if frame is None:
            continue
        for column in columns:
            if column not in frame.columns:
                raise FeedInvalid(f"{name}.txt", "required column is missing", field=column)


def _reopen(member: _Member) -> ChunkSource:
    """A chunk source that opens the member again (the zip of `_members` is closed by now)."""
    def chunks() -> Iterator[bytes]:
        with member.open_stream() as stream:
            while chunk := stream.read(4 << 20):
                yield chunk
    return chunks


def read_tables(path: Path, *, limits: ZipLimits = DEFAULT_LIMITS,
                progress: ProgressCallback = no_progress) -> Tables:
    """Read the feed at `path` (zip or folder); raise FeedError if it cannot work."""
    if not path.exists():
        raise FeedUnavailable(f"{path}: no such file")
    content_hash = hash_feed(path)
    with tempfile.TemporaryDirectory(prefix="abfahrt-feed-") as tmp:
        folder, big = Path(tmp) / "tables", Path(tmp) / "stop_times.txt"
        folder.mkdir()
        present, recoded, member = _extract(path, folder, limits, progress)
        for name in REQUIRED_FILES:
            if name not in present:
                raise FeedInvalid(f"{name}.txt", "required file is missing or empty")
        if not present & {"calendar", "calendar_dates"}:
            raise FeedInvalid("calendar.txt",
                              "neither calendar.txt nor calendar_dates.txt is present")
        progress(Progress("tables"))
        feed, blanked = _read_with_gtfs_kit(folder)
        frames = {name: getattr(feed, name, None) for name in USED_FILES if name != "stop_times"}
        _check_columns(frames)
        trip_ids = table_ids(frames.get("trips"), "trip_id", strip=False)
        stop_ids = table_ids(frames.get("stops"), "stop_id")
        assert member is not None          # present, checked above

        def extract() -> tuple[Path, bool]:
            done = extract_clean(_reopen(member), big)
            return done.path, done.recoded

        stop_times = read_stop_times(member.open_stream, extract, trip_ids, stop_ids, progress)
        if stop_times.recoded:
            recoded.append("stop_times.txt")
    return Tables(content_hash=content_hash, frames=frames, recoded=tuple(recoded),
                  blanked=tuple(blanked) + stop_times.notes, stop_times=stop_times,
                  trip_ids=trip_ids, stop_ids=stop_ids)


def _blank_untyped_cells(folder: Path) -> list[str]:
    """Blank cells of numeric GTFS columns that do not parse as numbers; return what was blanked.

    Only runs when gtfs-kit refused a file, so well-formed feeds never pay for it.
    """
    notes: list[str] = []
    for file in sorted(folder.glob("*.txt")):
        types = DTYPES.get(file.stem, {})
        frame = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8")
        frame.columns = [c.strip() for c in frame.columns]
        changed = False
        for column, kind in types.items():
            if column not in frame.columns or kind == "string":
                continue
            text = frame[column].str.strip()
            numbers = pd.to_numeric(text, errors="coerce")
            bad = numbers.isna() & (text != "")
            if kind.lower().startswith("int"):
                bad |= numbers.notna() & (numbers % 1 != 0)
            if bad.any():
                notes.append(f"{file.name}: {column}: {int(bad.sum())} value(s) not numeric, "
                             f"read as empty (first at row {int(bad.to_numpy().argmax()) + 1})")
                frame.loc[bad, column] = ""
                changed = True
        if changed:
            frame.to_csv(file, index=False)
    return notes

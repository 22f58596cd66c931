"""The edge: read a GTFS zip (or folder) with gtfs-kit into pandas tables.

Real feeds are messier than the spec: a UTF-8 BOM, Latin-1 bytes in stops.txt, stray spaces in
header names. Each member is normalised to clean UTF-8 in a temporary folder first, so that
gtfs-kit reads every file the same way. No pandas object leaves `feeds/`.
"""

from __future__ import annotations

import hashlib
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gtfs_kit
import pandas as pd
from gtfs_kit.constants import DTYPES

from feeds.errors import FeedInvalid, FeedUnavailable

# The files a timetable is built from; everything else in a feed (shapes, fares, pathways) is
# skipped, which also keeps the load fast.
USED_FILES = (
    "agency", "stops", "routes", "trips", "stop_times",
    "calendar", "calendar_dates", "frequencies", "feed_info",
)
REQUIRED_FILES = ("agency", "stops", "routes", "trips", "stop_times")


@dataclass(frozen=True)
class Tables:
    """The raw tables of one feed, as gtfs-kit read them (None where the file is absent)."""

    content_hash: str
    frames: dict[str, Any]          # table name -> pandas.DataFrame | None
    recoded: tuple[str, ...]        # files that were not UTF-8 and were decoded as Latin-1
    blanked: tuple[str, ...] = ()   # numeric cells that held text and were read as empty

    def get(self, name: str) -> Any:
        return self.frames.get(name)


def hash_feed(path: Path) -> str:
    """Return the sha256 hex digest of a feed zip (or of a folder's .txt files in name order)."""
    digest = hashlib.sha256()
    files = [path] if path.is_file() else sorted(path.glob("*.txt"))
    for file in files:
        with file.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def _decode(raw: bytes) -> tuple[str, bool]:
    """Return (text, was_recoded). UTF-8 (with or without BOM) first, then Latin-1."""
    try:
        return raw.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        return raw.decode("latin-1"), True


def _raw_members(path: Path) -> Iterator[tuple[str, bytes]]:
    """Yield (table name, bytes) of the used GTFS files of a zip or folder, one at a time."""
    if path.is_dir():
        for name in USED_FILES:
            file = path / f"{name}.txt"
            if file.is_file():
                yield name, file.read_bytes()
        return
    seen: set[str] = set()
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                stem = Path(info.filename).stem   # files in a sub-folder are tolerated
                if (not info.is_dir() and info.filename.endswith(".txt")
                        and stem in USED_FILES and stem not in seen):
                    seen.add(stem)
                    yield stem, zf.read(info)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise FeedUnavailable(f"{path}: not a readable GTFS zip ({exc})") from exc


def _extract(path: Path, folder: Path) -> tuple[set[str], list[str]]:
    """Write the used files as clean UTF-8 into `folder`; return (non-empty tables, recoded).

    One member is held in memory at a time, which keeps the peak of large feeds down.
    """
    present: set[str] = set()
    recoded: list[str] = []
    for name, raw in _raw_members(path):
        text, was_recoded = _decode(raw)
        if was_recoded:
            recoded.append(f"{name}.txt")
        if text.strip():
            present.add(name)
        target = folder / f"{name}.txt"
        if not was_recoded and not raw.startswith(b"\xef\xbb\xbf"):
            target.write_bytes(raw)           # already clean UTF-8: no re-encoding
        else:
            target.write_text(text, encoding="utf-8")
        del raw, text
    return present, recoded


def _read_with_gtfs_kit(folder: Path) -> tuple[Any, list[str]]:
    """Return (gtfs-kit Feed, blanked-cell notes) for a folder of clean UTF-8 files."""
    try:
        return gtfs_kit.read_feed(folder, dist_units="km"), []
    except (ValueError, TypeError):
        pass
    except Exception as exc:  # pandas raises many kinds for broken CSV
        raise FeedInvalid("feed", f"the CSV files cannot be parsed ({exc})") from exc
    try:
        # a typed column holds text ("N" as direction_id): blank such cells and read again
        blanked = _blank_untyped_cells(folder)
        return gtfs_kit.read_feed(folder, dist_units="km"), blanked
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


def read_tables(path: Path) -> Tables:
    """Read the feed at `path` (zip or folder) with gtfs-kit; raise FeedError if it cannot work."""
    if not path.exists():
        raise FeedUnavailable(f"{path}: no such file")
    content_hash = hash_feed(path)
    with tempfile.TemporaryDirectory(prefix="abfahrt-feed-") as tmp:
        present, recoded = _extract(path, Path(tmp))
        for name in REQUIRED_FILES:
            if name not in present:
                raise FeedInvalid(f"{name}.txt", "required file is missing or empty")
        if not present & {"calendar", "calendar_dates"}:
            raise FeedInvalid("calendar.txt",
                              "neither calendar.txt nor calendar_dates.txt is present")
        feed, blanked = _read_with_gtfs_kit(Path(tmp))
    frames = {name: getattr(feed, name, None) for name in USED_FILES}
    _check_columns(frames)
    return Tables(content_hash=content_hash, frames=frames, recoded=tuple(recoded),
                  blanked=tuple(blanked))


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

"""Build a static timetable without risking the serving process, and keep the last good one.

A published feed is untrusted input: a zip bomb or a pathological feed must not take the
service's memory. `build_timetable` builds through the core's lean build in a child process
(`feeds.build_process.build_timetable_cache`: a fresh interpreter whose address space is
limited), which writes the timetable cache and exits; the service then opens the cached
timetable memory-mapped (`feeds.open_cached_timetable`), so the serving process never holds a
build's peak and has the same memory after a build as after a cached start. Whatever happens in
the child — a bad feed, running out of memory, a crash, being killed — the caller gets a
FeedError, never a dead service. The feed's identity comes from the zip's central directory
(`feeds.feed_key`), so a cached start never reads the whole zip, and this module imports
neither pandas nor gtfs-kit nor pyarrow.

The last timetable that built from the feed URL is kept on disk (a record beside a copy of its
zip, one per region), so an instance that starts while the URL serves something unbuildable
starts from it instead of crash-looping.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from feeds import (
    FeedError,
    Region,
    Timetable,
    build_timetable_cache,
    feed_key,
    load_timetable,
    open_cached_timetable,
)
from feeds.cache import load_cached
from feeds.progress import ProgressCallback, no_progress

log = logging.getLogger("abfahrt.static")


class StaticBuildFailed(FeedError):
    """The build ended without a usable timetable (it reported success but left no cache)."""


async def build_timetable(path: Path, cache_dir: Path, memory_limit_bytes: int | None, *,
                          region: Region | None = None, in_process: bool = False,
                          progress: ProgressCallback = no_progress) -> Timetable:
    """Return the timetable of the zip at `path` cut to `region`: from the cache, else built in
    a child process (memory limited) and opened from the cache it wrote.

    `in_process` builds here (in a thread), through the same cache: only for the bundled demo
    feed, which is trusted and tiny. Raise FeedError when the feed cannot be had or built.
    """
    if in_process:
        return await asyncio.to_thread(load_timetable, path, cache_dir, region=region,
                                       progress=progress)
    cached = await asyncio.to_thread(open_cached_timetable, path, cache_dir, region)
    if cached is not None:
        return cached
    cancel = threading.Event()        # a service stopping mid-build ends the child at once
    try:
        await asyncio.to_thread(build_timetable_cache, path, cache_dir, region=region,
                                memory_limit_bytes=memory_limit_bytes, progress=progress,
                                reuse=False, cancel=cancel)
    except asyncio.CancelledError:
        cancel.set()
        raise
    built = await asyncio.to_thread(open_cached_timetable, path, cache_dir, region)
    if built is None:
        raise StaticBuildFailed(f"{path}: the build finished but left no usable cache")
    return built


# ---- the last good timetable ---------------------------------------------------------------

@dataclass(frozen=True)
class LastGood:
    source: str
    region: str | None          # the region's key (None: the whole feed)
    feed_hash: str              # feed_key(zip, region): the cached timetable's name
    zip_path: Path


def _tag(region: Region | str | None) -> str:
    """The file-name part of a region's last good record ("" for the whole feed)."""
    if region is None:
        return ""
    key = region if isinstance(region, str) else region.key
    return "." + hashlib.sha256(key.encode()).hexdigest()[:12]


def record_path(folder: Path, region: Region | None) -> Path:
    return folder / f"last-good{_tag(region)}.json"


def keep_last_good(folder: Path, source: str, path: Path, tt: Timetable,
                   region: Region | None = None) -> None:
    """Remember `tt` (built from the zip at `path`, cut to `region`) as the last good
    timetable of `source`; a copy of the zip is kept so it can be rebuilt."""
    known = read_last_good(folder, region)
    if known is not None and known.feed_hash == tt.feed_hash and known.source == source \
            and known.zip_path.is_file():
        return
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / f"last-good{_tag(region)}.zip"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".last-good-")
    os.close(fd)
    shutil.copyfile(path, tmp)
    os.replace(tmp, copy)
    record = {"source": source, "region": region.key if region is not None else None,
              "feed_hash": tt.feed_hash, "zip": copy.name}
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".last-good-")
    with os.fdopen(fd, "w") as out:
        json.dump(record, out)
    os.replace(tmp, record_path(folder, region))


def read_last_good(folder: Path, region: Region | None = None) -> LastGood | None:
    try:
        record = json.loads(record_path(folder, region).read_text())
        kept_region = record.get("region")
        return LastGood(str(record["source"]),
                        str(kept_region) if kept_region is not None else None,
                        str(record["feed_hash"]), folder / str(record["zip"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


async def open_last_good(folder: Path, source: str, cache_dir: Path,
                         memory_limit_bytes: int | None, region: Region | None = None,
                         progress: ProgressCallback = no_progress) -> Timetable | None:
    """The last good timetable of `source` cut to `region` (from the cache, else rebuilt from
    its zip copy); None when none is kept or it cannot be opened."""
    known = read_last_good(folder, region)
    if known is None or known.source != source \
            or known.region != (region.key if region is not None else None):
        return None
    try:
        if known.zip_path.is_file() and feed_key(known.zip_path, region) != known.feed_hash:
            log.error("the last good zip %s is not the one recorded", known.zip_path)
            return None
    except FeedError as exc:
        log.error("the last good zip cannot be read: %s", exc)
        return None
    cached = await asyncio.to_thread(load_cached, cache_dir, known.feed_hash)
    if cached is not None:
        return cached
    try:
        return await build_timetable(known.zip_path, cache_dir, memory_limit_bytes,
                                     region=region, progress=progress)
    except FeedError as exc:
        log.error("the last good timetable cannot be opened either: %s", exc)
        return None

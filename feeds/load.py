"""Load a timetable: from the disk cache when the feed is unchanged, else read and build.

The cached path is light: it imports neither pandas nor gtfs-kit (the builder's modules are
imported only when a build runs), takes the feed's identity from the zip's central directory,
and memory-maps the cached arrays. Building — in this process (`load_timetable`) or in a child
process (`feeds.build_process.build_timetable_cache`) — is the heavy path.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from feeds.archive import DEFAULT_LIMITS, ZipLimits, feed_identity
from feeds.cache import load_cached, save_timetable
from feeds.errors import FeedInvalid, FeedUnavailable
from feeds.progress import Progress, ProgressCallback, no_progress
from feeds.region import Region
from feeds.timetable import Timetable

log = logging.getLogger(__name__)


def timetable_key(identity: str, region: Region | None) -> str:
    """Return the `feed_hash` of the timetable of a feed (its identity) cut to `region`."""
    if region is None:
        return identity
    return hashlib.sha256(f"{identity}\nregion {region.key}".encode()).hexdigest()


def feed_key(path: Path, region: Region | None = None) -> str:
    """Return the `feed_hash` the timetable of the feed at `path` has (cheap: no full read)."""
    if not path.exists():
        raise FeedUnavailable(f"{path}: no such file")
    return timetable_key(feed_identity(path), region)


def build_feed(path: Path, region: Region | None = None, *, limits: ZipLimits = DEFAULT_LIMITS,
               progress: ProgressCallback = no_progress) -> Timetable:
    """Read and build the timetable of the feed at `path` in this process (the heavy path)."""
    from feeds.build import build_timetable
    from feeds.read import read_tables

    tables = read_tables(path, limits=limits, progress=progress)
    if region is not None:
        from feeds.region_cut import cut_tables

        progress(Progress("region"))
        tables = cut_tables(tables, region)
        if tables.stop_times is None or tables.stop_times.rows == 0:
            raise FeedInvalid("stops.txt", f"no trip calls at a stop of the region {region.key}")
    progress(Progress("build"))
    tt = build_timetable(tables, key=timetable_key(tables.content_hash, region),
                         region=region.key if region is not None else None, progress=progress)
    return tt


def open_cached_timetable(path: Path, cache_dir: Path, region: Region | None = None
                          ) -> Timetable | None:
    """Return the cached timetable of the feed at `path`, or None when there is none (or it
    is damaged). Never builds."""
    return load_cached(cache_dir, feed_key(path, region))


def load_timetable(path: Path, cache_dir: Path | None = None, *, region: Region | None = None,
                   limits: ZipLimits = DEFAULT_LIMITS,
                   progress: ProgressCallback = no_progress) -> Timetable:
    """Return the timetable of the GTFS zip (or folder) at `path`, cut to `region` if given.

    With `cache_dir`, a timetable built earlier from the same feed is reused (memory-mapped),
    and a new build is saved there first and then opened from it. The build runs in this
    process; a service should rather build in a child process with
    `feeds.build_process.build_timetable_cache`. Raise FeedError when the feed cannot be read
    or cannot work.
    """
    if cache_dir is not None and path.is_file():
        cached = open_cached_timetable(path, cache_dir, region)
        if cached is not None:
            log.info("timetable %s loaded from cache", cached.feed_hash[:12])
            return cached
    tt = build_feed(path, region, limits=limits, progress=progress)
    if cache_dir is not None:
        try:
            progress(Progress("write"))
            save_timetable(tt, cache_dir)
        except OSError as exc:  # a read-only cache folder must not stop the service
            log.warning("could not write timetable cache: %s", exc)
        else:
            mapped = load_cached(cache_dir, tt.feed_hash, verify=False)
            if mapped is not None:
                tt = mapped           # the built arrays are freed; the pages are shared
    progress(Progress("done"))
    return tt

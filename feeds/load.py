"""Load a timetable: from the disk cache when the feed is unchanged, else read and build."""

from __future__ import annotations

import logging
from pathlib import Path

from feeds.build import build_timetable
from feeds.cache import load_cached, save_timetable
from feeds.read import hash_feed, read_tables
from feeds.timetable import Timetable

log = logging.getLogger(__name__)


def load_timetable(path: Path, cache_dir: Path | None = None) -> Timetable:
    """Return the timetable of the GTFS zip (or folder) at `path`.

    With `cache_dir`, a timetable built earlier from the same bytes is reused, and a new build
    is saved there. Raise FeedError when the feed cannot be read or cannot work.
    """
    if cache_dir is not None and path.is_file():
        cached = load_cached(cache_dir, hash_feed(path))
        if cached is not None:
            log.info("timetable %s loaded from cache", cached.feed_hash[:12])
            return cached
    tt = build_timetable(read_tables(path))
    if cache_dir is not None:
        try:
            save_timetable(tt, cache_dir)
        except OSError as exc:  # a read-only cache folder must not stop the service
            log.warning("could not write timetable cache: %s", exc)
    return tt

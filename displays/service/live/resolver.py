"""Large realtime feeds decoded and resolved in a child process, not in a thread.

Decoding and resolving a 5,000-trip feed takes about a second and a half of pure Python. In a
worker thread it holds the GIL all that time: the event loop gets it back only at the
interpreter's switch interval after every socket call, so board requests waited for it (soak:
board p99 251 ms, loop lag up to 338 ms). In a child process it holds the child's GIL. The
child maps the same cached timetable (the files on disk, shared through the page cache) and
hands back only the resolved snapshot's bytes (`realtime.snapshot_codec`, the very bytes the
followers load); the serving process loads them like a follower does (a tenth of the work).

The child runs at a lower CPU priority (niceness 10): it moves the work off the GIL, not off the
machine, and on a small box its CPU must not come out of the serving process's share.

Small feeds (below `min_bytes`) stay in the thread: shipping them costs more than it saves.
A timetable that is not in the disk cache, or a child that died, also falls back to the thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from feeds import Timetable
from feeds.cache import cache_path, load_cached
from realtime.instances import DEFAULT_MAX_DELAY_S
from realtime.snapshot_codec import dump_snapshot
from realtime.state import resolve_bytes

log = logging.getLogger("abfahrt.realtime")

_OPENED: dict[str, Timetable] = {}       # in the child: the timetable it resolves against


class ResolverUnavailable(Exception):
    """The child cannot resolve this feed (no cached timetable, or the child died)."""


CHILD_NICENESS = 10


def _background() -> None:
    """In the child: run at a lower CPU priority. Resolving has seconds to spare (the next
    poll), answering a pillar has milliseconds: on a busy machine the scheduler should give
    the CPU to the serving process (and everything else latency-bound) first."""
    with contextlib.suppress(OSError):
        os.nice(CHILD_NICENESS)


def resolve_in_child(data: bytes, cache_dir: str, feed_hash: str,
                     max_delay_s: int = DEFAULT_MAX_DELAY_S) -> bytes:
    """In the child: decode and resolve `data` against the cached timetable `feed_hash`;
    return the snapshot's bytes. Raise FeedDecodeError for bytes that are no feed."""
    tt = _OPENED.get(feed_hash)
    if tt is None:
        tt = load_cached(Path(cache_dir), feed_hash)
        if tt is None:
            raise ResolverUnavailable(f"timetable {feed_hash[:12]} is not in {cache_dir}")
        _OPENED.clear()                 # one timetable at a time: the one being served
        _OPENED[feed_hash] = tt
    snapshot, stats = resolve_bytes(data, tt, max_delay_s=max_delay_s)
    return dump_snapshot(snapshot, stats)


class Resolver:
    """One long-lived child process (spawned at first use) that resolves large feeds."""

    def __init__(self, cache_dir: Path, min_bytes: int) -> None:
        self.cache_dir = cache_dir
        self.min_bytes = min_bytes
        self._pool: ProcessPoolExecutor | None = None

    def wants(self, data: bytes, tt: Timetable) -> bool:
        """Whether `data` is worth resolving in the child (large, timetable on disk)."""
        return len(data) >= self.min_bytes and (
            cache_path(self.cache_dir, tt.feed_hash) / "manifest.json").is_file()

    async def resolve(self, data: bytes, tt: Timetable, max_delay_s: int = DEFAULT_MAX_DELAY_S
                      ) -> bytes:
        """The snapshot bytes of `data` resolved against `tt` in the child; raise
        ResolverUnavailable when the child cannot (the caller resolves in its thread)."""
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                initializer=_background)
        try:
            return await asyncio.get_running_loop().run_in_executor(
                self._pool, resolve_in_child, data, str(self.cache_dir), tt.feed_hash,
                max_delay_s)
        except BrokenProcessPool as exc:
            log.warning("the realtime resolver process died; starting a new one next time")
            self._pool = None
            raise ResolverUnavailable(str(exc)) from exc

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

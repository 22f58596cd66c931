"""Build a timetable cache in a child process, so a serving process never holds a build's peak.

    path = build_timetable_cache(zip_path, cache_dir, region=..., memory_limit_bytes=...,
                                 progress=callback)      # blocking: run it in a thread
    tt = load_cached(cache_dir, feed_key(zip_path, region))   # or open_cached_timetable

The child is started with the "spawn" method (a fresh interpreter: nothing of the parent's
memory, locks or event loop is inherited), limits its address space with `RLIMIT_AS` when a
limit is given, builds, writes the cache folder and exits. Progress events come back through a
pipe and are handed to `progress` in the calling thread. Whatever happens in the child — a bad
feed, MemoryError, a crash, being killed — the caller gets a FeedError, never a dead process.
"""

from __future__ import annotations

import multiprocessing
import resource
import signal
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from feeds.archive import DEFAULT_LIMITS, ZipLimits
from feeds.cache import cache_path, load_cached
from feeds.errors import FeedBuildFailed, FeedError, FeedTooLarge, FeedUnavailable
from feeds.load import feed_key
from feeds.progress import Progress, ProgressCallback, no_progress
from feeds.region import Region, parse_region

POLL_S = 0.2


def build_timetable_cache(zip_path: Path, cache_dir: Path, *, region: Region | None = None,
                          memory_limit_bytes: int | None = None,
                          progress: ProgressCallback = no_progress,
                          limits: ZipLimits = DEFAULT_LIMITS,
                          reuse: bool = True, cancel: threading.Event | None = None) -> Path:
    """Build the timetable of `zip_path` (cut to `region`) in a child process; return the
    cache folder once it is written. Blocking.

    With `reuse`, a valid cache already there is returned without a build. Setting `cancel`
    (from another thread) kills the child within POLL_S and raises FeedBuildFailed. Raise
    FeedError: FeedInvalid/FeedUnavailable/FeedTooLarge as the build raised them, FeedTooLarge
    when the child ran out of its memory limit, FeedBuildFailed when it crashed.
    """
    key = feed_key(zip_path, region)
    if reuse and load_cached(cache_dir, key) is not None:
        progress(Progress("done"))
        return cache_path(cache_dir, key)
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_child, name="abfahrt-timetable-build", daemon=True,
        args=(str(zip_path), str(cache_dir), region.key if region is not None else None,
              memory_limit_bytes, limits, send))
    child.start()
    send.close()
    try:
        outcome = _follow(child, receive, progress, cancel)
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join()
    if outcome is not None:
        kind, payload = outcome
        if kind == "done":
            return Path(payload)
        if isinstance(payload, FeedError):
            raise payload
        raise FeedBuildFailed(f"timetable build failed: {payload}")
    return _died(child.exitcode, memory_limit_bytes)


def _follow(child: Any, receive: Connection, progress: ProgressCallback,
            cancel: threading.Event | None = None) -> tuple[str, Any] | None:
    """Relay progress until the child reports its outcome; None when it died without one."""
    while True:
        if cancel is not None and cancel.is_set():
            child.kill()
            return "error", FeedBuildFailed("the timetable build was cancelled")
        if receive.poll(POLL_S):
            try:
                message = receive.recv()
            except (EOFError, OSError):
                return None
            kind, payload = message
            if kind == "progress":
                progress(payload)
                continue
            return kind, payload
        if not child.is_alive() and not receive.poll(0):
            return None


def _died(exitcode: int | None, memory_limit_bytes: int | None) -> Path:
    how = (f"was killed by signal {signal.Signals(-exitcode).name}"
           if exitcode is not None and exitcode < 0 else f"exited with code {exitcode}")
    if memory_limit_bytes is not None:
        raise FeedTooLarge(f"the timetable build {how}; it probably exceeded its memory "
                           f"limit of {memory_limit_bytes:,} bytes")
    raise FeedBuildFailed(f"the timetable build {how}")


def _child(zip_path: str, cache_dir: str, region_text: str | None,
           memory_limit_bytes: int | None, limits: ZipLimits, send: Connection) -> None:
    """The child: build, write the cache, report ("done", folder) or ("error", exception)."""
    try:
        from feeds.build import build_timetable  # noqa: F401  (import before the limit)
        from feeds.cache import save_timetable
        from feeds.load import build_feed
        from feeds.read import read_tables  # noqa: F401

        if memory_limit_bytes is not None:
            _limit_memory(memory_limit_bytes)

        def relay(event: Progress) -> None:
            send.send(("progress", event))

        region = parse_region(region_text) if region_text is not None else None
        tt = build_feed(Path(zip_path), region, limits=limits, progress=relay)
        relay(Progress("write"))
        folder = save_timetable(tt, Path(cache_dir))
        del tt
        relay(Progress("done"))
        send.send(("done", str(folder)))
    except FeedError as exc:
        if memory_limit_bytes is not None and _out_of_memory(exc, memory_limit_bytes):
            exc = FeedTooLarge(f"the timetable build ran out of memory (limit "
                               f"{memory_limit_bytes:,} bytes): {exc}")
        send.send(("error", exc))
    except MemoryError as exc:
        send.send(("error", FeedTooLarge(f"the timetable build ran out of memory (limit "
                                         f"{memory_limit_bytes or 'none'} bytes): {exc}")))
    except OSError as exc:
        send.send(("error", FeedUnavailable(f"the timetable build could not read or write "
                                            f"({exc})")))
    except Exception as exc:  # a bug or unexpected input: reported, never a silent exit
        send.send(("error", FeedBuildFailed(f"{type(exc).__name__}: {exc}")))
    finally:
        send.close()


def _out_of_memory(exc: BaseException, limit: int) -> bool:
    """True when `exc` came from the memory limit: a MemoryError behind it, or an address space
    that reached most of the limit (pandas' C parser turns a failed allocation into a parse
    error and drops the MemoryError)."""
    if _peak_address_space() >= 0.75 * limit:
        return True
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, MemoryError) or "malloc" in str(current):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _peak_address_space() -> int:
    """Return this process's peak address space in bytes (VmPeak; 0 where unknown)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _limit_memory(limit: int) -> None:
    """Cap the child's address space (RLIMIT_AS): allocations beyond raise MemoryError."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))

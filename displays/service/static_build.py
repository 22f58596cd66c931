"""Build a static timetable without risking the serving process, and keep the last good one.

A published feed is untrusted input: a zip bomb or a pathological feed must not take the
service's memory. `build_timetable` builds in a child process ("spawn": a fresh interpreter)
whose address space is limited (RLIMIT_AS); the child writes the timetable cache and exits,
and the service opens the cached timetable. Whatever happens in the child — a bad feed,
MemoryError, a crash, being killed — the caller gets a FeedError, never a dead service.

This is the one function the service builds through; `feeds.build_process.build_timetable_cache`
(the core's lean build in a child process) can replace the body of `_build_in_child`.

The last timetable that built from the feed URL is kept on disk (`last-good.json` beside a copy
of its zip), so an instance that starts while the URL serves something unbuildable starts from
it instead of crash-looping.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import os
import resource
import shutil
import signal
import tempfile
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from feeds import FeedError, Timetable, load_timetable
from feeds.cache import load_cached
from feeds.read import hash_feed

log = logging.getLogger("abfahrt.static")
LAST_GOOD = "last-good.json"


class StaticBuildFailed(FeedError):
    """The build process ended without a timetable (bad feed, out of memory, crashed)."""


async def build_timetable(path: Path, cache_dir: Path, memory_limit_bytes: int | None,
                          in_process: bool = False) -> Timetable:
    """Return the timetable of the zip at `path`: from the cache, else built in a child process.

    `in_process` builds here (in a thread): only for the bundled demo feed, which is trusted.
    """
    if in_process:
        return await asyncio.to_thread(load_timetable, path, cache_dir)
    cached = await asyncio.to_thread(_open_cached, path, cache_dir)
    if cached is not None:
        return cached
    await asyncio.to_thread(_build_in_child, path, cache_dir, memory_limit_bytes)
    built = await asyncio.to_thread(_open_cached, path, cache_dir)
    if built is None:
        raise StaticBuildFailed(f"{path}: the build finished but left no usable cache")
    return built


def _open_cached(path: Path, cache_dir: Path) -> Timetable | None:
    if not path.is_file():
        return None
    return load_cached(cache_dir, hash_feed(path))


def _build_in_child(path: Path, cache_dir: Path, memory_limit_bytes: int | None) -> None:
    """Run the build in a spawned child; raise StaticBuildFailed with what went wrong."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, name="abfahrt-static-build", daemon=True,
                            args=(str(path), str(cache_dir), memory_limit_bytes, send))
    child.start()
    send.close()
    try:
        message = receive.recv() if receive.poll(None) else None
    except (EOFError, OSError):
        message = None
    finally:
        receive.close()
        child.join()
    if message == "ok":
        return
    if isinstance(message, str):
        raise StaticBuildFailed(message)
    code = child.exitcode
    how = (f"was killed by {signal.Signals(-code).name}" if code is not None and code < 0
           else f"exited with code {code}")
    raise StaticBuildFailed(f"the timetable build {how} (memory limit "
                            f"{memory_limit_bytes or 'none'} bytes)")


def _child(path: str, cache_dir: str, memory_limit_bytes: int | None, send: Connection) -> None:
    """In the child: limit memory, build and cache; send "ok" or the error's message."""
    try:
        if memory_limit_bytes is not None:
            _, hard = resource.getrlimit(resource.RLIMIT_AS)
            resource.setrlimit(resource.RLIMIT_AS, (memory_limit_bytes, hard))
        load_timetable(Path(path), Path(cache_dir))
        send.send("ok")
    except FeedError as exc:
        send.send(str(exc))
    except MemoryError:
        send.send(f"the timetable build ran out of memory (limit {memory_limit_bytes} bytes)")
    except Exception as exc:  # reported to the service, never a silent exit
        send.send(f"the timetable build failed: {type(exc).__name__}: {exc}")
    finally:
        send.close()


# ---- the last good timetable ---------------------------------------------------------------

@dataclass(frozen=True)
class LastGood:
    source: str
    feed_hash: str
    zip_path: Path


def keep_last_good(folder: Path, source: str, path: Path, tt: Timetable) -> None:
    """Remember `tt` (built from the zip at `path`) as the last good timetable of `source`."""
    known = read_last_good(folder)
    if known is not None and known.feed_hash == tt.feed_hash and known.source == source:
        return
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / "last-good.zip"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".last-good-")
    os.close(fd)
    shutil.copyfile(path, tmp)
    os.replace(tmp, copy)
    record = {"source": source, "feed_hash": tt.feed_hash, "zip": copy.name}
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".last-good-")
    with os.fdopen(fd, "w") as out:
        json.dump(record, out)
    os.replace(tmp, folder / LAST_GOOD)


def read_last_good(folder: Path) -> LastGood | None:
    try:
        record = json.loads((folder / LAST_GOOD).read_text())
        return LastGood(str(record["source"]), str(record["feed_hash"]),
                        folder / str(record["zip"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


async def open_last_good(folder: Path, source: str, cache_dir: Path,
                         memory_limit_bytes: int | None) -> Timetable | None:
    """The last good timetable of `source` (from the cache, else rebuilt from its zip copy)."""
    known = read_last_good(folder)
    if known is None or known.source != source:
        return None
    cached = await asyncio.to_thread(load_cached, cache_dir, known.feed_hash)
    if cached is not None:
        return cached
    try:
        return await build_timetable(known.zip_path, cache_dir, memory_limit_bytes)
    except FeedError as exc:
        log.error("the last good timetable cannot be opened either: %s", exc)
        return None

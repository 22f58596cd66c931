"""The build in a child process: the cache is written, progress comes back, and whatever goes
wrong in the child (a bad feed, its memory limit) is a FeedError in the caller."""

from __future__ import annotations

from pathlib import Path

import pytest

from feeds import FeedInvalid, FeedTooLarge, open_cached_timetable
from feeds.build_process import build_timetable_cache
from feeds.progress import Progress, ProgressPrinter
from tests.feeds.boards import board
from tests.gtfs_builder import GtfsBuilder

DAY = (1781474400, 1781474400 + 30 * 3600)      # service date Mon 2026-06-15


def _feed() -> GtfsBuilder:
    feed = GtfsBuilder()
    feed.add_stop("A").add_stop("B").add_route("R")
    feed.add_date("MON", "20260615", 1)
    feed.add_trip("t", "R", "MON", [("A", "06:00:00"), ("B", "06:10:00")])
    return feed


def test_child_build_writes_the_cache_and_reports_progress(tmp_path: Path) -> None:
    path = _feed().write(tmp_path / "feed.zip")
    events: list[Progress] = []
    folder = build_timetable_cache(path, tmp_path / "cache", progress=events.append)
    assert (folder / "manifest.json").is_file()
    phases = [e.phase for e in events]
    assert phases[0] == "open" and phases[-1] == "done"
    assert {"tables", "stop_times", "build", "write"} <= set(phases)
    rows = [e for e in events if e.phase == "stop_times"]
    assert rows[-1].done == rows[-1].total == 2
    tt = open_cached_timetable(path, tmp_path / "cache")
    assert tt is not None
    assert [d.trip_id for d in board(tt, "A", *DAY)] == ["t"]
    # a valid cache is reused: no second child
    again: list[Progress] = []
    assert build_timetable_cache(path, tmp_path / "cache", progress=again.append) == folder
    assert [e.phase for e in again] == ["done"]


def test_a_bad_feed_raises_the_builds_own_error(tmp_path: Path) -> None:
    feed = _feed()
    feed.stop_times[1]["departure_time"] = "6:1O:00"
    path = feed.write(tmp_path / "feed.zip")
    with pytest.raises(FeedInvalid) as info:
        build_timetable_cache(path, tmp_path / "cache")
    assert (info.value.file, info.value.row, info.value.field) == (
        "stop_times.txt", 2, "departure_time")


def test_a_build_over_its_memory_limit_is_feed_too_large(tmp_path: Path) -> None:
    path = _feed().write(tmp_path / "feed.zip")
    with pytest.raises(FeedTooLarge, match="memory"):
        build_timetable_cache(path, tmp_path / "cache", memory_limit_bytes=64 << 20)
    assert open_cached_timetable(path, tmp_path / "cache") is None


def test_progress_printer_writes_phases_and_throttles_rows() -> None:
    lines: list[str] = []
    clock = iter([0.0, 1.0, 2.0, 5.0, 5.5, 9.0])
    printer = ProgressPrinter(lines.append, every_s=3.0, clock=lambda: next(clock))
    printer(Progress("open"))
    printer(Progress("stop_times", 100, 1000))
    printer(Progress("stop_times", 200, 1000))          # 1 s later: not printed
    printer(Progress("stop_times", 500, 1000))          # 3 s after the last line
    printer(Progress("stop_times", 600, 1000))
    printer(Progress("build"))
    assert lines == ["timetable build: open",
                     "timetable build: stop_times 100 of ~1,000 rows (10%)",
                     "timetable build: stop_times 500 of ~1,000 rows (50%)",
                     "timetable build: build"]


def test_a_cancelled_build_ends_its_child_and_leaves_no_cache(shared_data: Path,
                                                              tmp_path: Path) -> None:
    import threading
    import time

    from feeds import FeedBuildFailed

    cancel = threading.Event()
    seen: list[str] = []

    def progress(event: Progress) -> None:
        seen.append(event.phase)
        if event.phase == "stop_times":          # mid-build: cancel from the caller's side
            cancel.set()

    started = time.monotonic()
    with pytest.raises(FeedBuildFailed, match="cancelled"):
        build_timetable_cache(shared_data / "hart-2018" / "gtfs.zip", tmp_path / "cache",
                              progress=progress, cancel=cancel)
    assert "stop_times" in seen and "write" not in seen
    assert time.monotonic() - started < 20
    assert not list((tmp_path / "cache").glob("timetable-*"))

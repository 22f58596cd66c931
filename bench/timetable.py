"""Benchmark of the static timetable at scale: cold build, restart, serving memory, boards.

    python bench/timetable.py [--replicas 10 80] [--runs 3] [--keep DIR] [--feed ZIP]
                              [--region BOX] [--rt-trips 5000] [--build-only]

Cases: xN replicas of the HART 2018 feed (435k stop_times; every id suffixed "_r1" … per copy,
each copy's stops moved 2 degrees east, so that the copies are N separate "cities"), written by
this script (or reused from --keep DIR). Every measurement runs in a fresh process
and is repeated --runs times; figures are the median with the range [min–max], beside a
baseline measured in the same run, interleaved with ours (the machine is shared: never the
best try).

  build     build_timetable_cache (the shell's path: the build runs in a child process) from an
            empty cache: wall time, and the child's peak RSS
  read_feed baseline: gtfs_kit.read_feed of the same zip, wall time and peak RSS
  restart   a fresh process opens the cached timetable and answers one board: wall time from
            spawn to the answer (interpreter start and imports included), and the open alone
  serve     in that process: the 100 busiest stops (most departures) on a weekday at 08:00,
            60-minute windows, schedule only: find_departures per board (p50/p99 over 10
            rounds, departures per board); then RSS (the timetable is memory-mapped)
  realtime  a matching TripUpdates feed (--rt-trips trips running at that instant, a delay on
            every stop): parse + apply, then merge_board at the same 100 stops (p50/p99)
  region    the feed cut to --region (default: a box around copy 0, i.e. 1/N of the feed),
            built, then served like above (RSS)

--build-only measures the first two cases alone (cold build against read_feed).

Targets (on the largest case): build <= 0.75x read_feed, build peak <= 4 GiB, restart < 1.5 s,
serving RSS <= 1 GiB, region serving RSS <= 200 MiB, board p99 <= 2 ms (schedule) and <= 5 ms
(with realtime).
"""

from __future__ import annotations

import sys
from pathlib import Path

# `python bench/timetable.py` puts bench/ first on sys.path, where bench/http.py would shadow
# the standard library's http (imported by gtfs-kit's dependencies): drop that entry first.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse
import csv
import gc
import io
import json
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
import zipfile
from typing import Any

ROOT = _HERE.parent
HART = ROOT.parent / "shared" / "data" / "hart-2018" / "gtfs.zip"
MIB = 1024 * 1024
COPY_SHIFT_LON = 2.0          # each copy's stops are moved east: copies are separate "cities"
FIRST_COPY = "27.0,-83.5,28.9,-81.5"   # a box around copy 0: 1/N of a xN replica
ID_COLUMNS = {
    "stop_id", "parent_station", "route_id", "trip_id", "service_id", "shape_id", "block_id",
    "fare_id", "zone_id", "origin_id", "destination_id", "contains_id", "from_stop_id",
    "to_stop_id", "agency_id", "level_id", "pathway_id", "from_trip_id", "to_trip_id",
    "from_route_id", "to_route_id",
}
ONCE = {"feed_info.txt"}


# ---- replica --------------------------------------------------------------------------------

def replicate(source: Path, target: Path, copies: int) -> dict[str, int]:
    """Write `copies` copies of every file of `source` into one zip; return rows per file."""
    counts: dict[str, int] = {}
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(
            target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
        for info in zin.infolist():
            text = zin.read(info).decode("utf-8-sig")
            reader = csv.reader(io.StringIO(text))
            header = next(reader)
            rows = [r for r in reader if r]
            id_cols = [i for i, h in enumerate(header) if h.strip() in ID_COLUMNS]
            lon = [i for i, h in enumerate(header) if h.strip() == "stop_lon"]
            n = 1 if info.filename in ONCE else copies
            # an agency without agency_id appears once (several id-less agencies are ambiguous)
            if info.filename == "agency.txt" and "agency_id" not in [h.strip() for h in header]:
                n = 1
            with zout.open(info.filename, "w", force_zip64=True) as raw:
                out = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                writer = csv.writer(out, lineterminator="\n")
                writer.writerow(header)
                for r in range(n):
                    suffix = f"_r{r}" if r else ""
                    for row in rows:
                        if suffix:
                            row = list(row)
                            for i in id_cols:
                                if i < len(row) and row[i]:
                                    row[i] += suffix
                            for i in lon:
                                if i < len(row) and row[i]:
                                    row[i] = f"{float(row[i]) + r * COPY_SHIFT_LON:.6f}"
                        writer.writerow(row)
                out.flush()
                out.detach()
            counts[info.filename] = len(rows) * n
    return counts


# ---- workers (each runs in a fresh process) ----------------------------------------------------

def _rss_mib() -> float:
    import psutil
    return float(psutil.Process().memory_info().rss) / MIB


def _peak_mib(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024   # Linux: KiB


def worker_build(feed: Path, cache: Path, region: str) -> dict[str, Any]:
    from feeds import parse_region
    from feeds.build_process import build_timetable_cache
    t0 = time.perf_counter()
    folder = build_timetable_cache(feed, cache, region=parse_region(region) if region else None)
    wall = time.perf_counter() - t0
    size = sum(f.stat().st_size for f in folder.iterdir())
    return {"build_s": wall, "peak_rss_mib": _peak_mib(resource.RUSAGE_CHILDREN),
            "cache_mib": size / MIB}


def worker_read_feed(feed: Path) -> dict[str, Any]:
    import gtfs_kit
    t0 = time.perf_counter()
    gtfs_kit.read_feed(feed, dist_units="km")
    return {"read_feed_s": time.perf_counter() - t0, "peak_rss_mib": _peak_mib()}


def busiest_stops(tt: Any, n: int) -> list[int]:
    import numpy as np
    counts = np.diff(tt.ix_ptr)
    return [int(s) for s in np.argsort(-counts, kind="stable")[:n]]


def weekday_morning(tt: Any) -> int:
    import datetime as dt
    first, _ = tt.calendar_range()
    day = first + dt.timedelta(days=7)
    day += dt.timedelta(days=(1 - day.weekday()) % 7)          # a Tuesday
    return int(dt.datetime(day.year, day.month, day.day, 8, tzinfo=tt.zone).timestamp())


def load_rt_feed() -> Any:
    """Import bench/rt_feed.py by path (bench/ on sys.path would shadow `realtime`)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("rt_feed", _HERE / "rt_feed.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _quantiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50_ms": ordered[len(ordered) // 2] * 1e3,
            "p99_ms": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1e3}


def worker_serve(feed: Path, cache: Path, region: str, rt_trips: int) -> dict[str, Any]:
    from feeds import find_departures, open_cached_timetable, parse_region
    t0 = time.perf_counter()
    tt = open_cached_timetable(feed, cache, parse_region(region) if region else None)
    assert tt is not None, "no cache"
    stops = busiest_stops(tt, 100)
    at = weekday_morning(tt)
    find_departures(tt, stops[0], at, at + 3600)
    out: dict[str, Any] = {"open_s": time.perf_counter() - t0}
    print("READY", flush=True)
    samples, listed = [], 0
    for _ in range(10):
        for stop in stops:
            s = time.perf_counter()
            listed += len(find_departures(tt, stop, at, at + 3600))
            samples.append(time.perf_counter() - s)
    gc.collect()
    out |= {"serve_rss_mib": _rss_mib(), "boards": _quantiles(samples),
            "departures_per_board": listed / len(samples), "stop_times": len(tt.st_trip),
            "stops": len(tt.stop_ids)}
    if rt_trips:
        out |= _realtime(tt, stops, at, rt_trips)
    return out


def _realtime(tt: Any, stops: list[int], at: int, n_trips: int) -> dict[str, Any]:
    from realtime.merge import merge_board
    from realtime.parse import parse_feed
    from realtime.state import RealtimeState
    data, trips, stus = load_rt_feed().matching_feed(tt, at, n_trips)
    t0 = time.perf_counter()
    feed = parse_feed(data, timetable=tt)
    t1 = time.perf_counter()
    state = RealtimeState().apply("tu", feed, tt, received_at=at)
    t2 = time.perf_counter()
    stats = state.feed("tu").stats
    samples, listed, live = [], 0, 0
    for _ in range(10):
        for stop in stops:
            s = time.perf_counter()
            board = merge_board(tt, stop, at, 3600, state)
            samples.append(time.perf_counter() - s)
            listed += len(board.departures)
            live += sum(d.realtime for d in board.departures)
    return {"rt_trips": trips, "rt_stus": stus, "rt_parse_s": t1 - t0, "rt_apply_s": t2 - t1,
            "rt_matched": stats.trip_updates_matched, "rt_boards": _quantiles(samples),
            "rt_departures_per_board": listed / len(samples),
            "rt_live_per_board": live / len(samples), "rt_rss_mib": _rss_mib()}


def _worker(argv: list[str]) -> None:
    mode = argv[0]
    sys.path.insert(0, str(ROOT))
    if mode == "replicate":
        out: dict[str, Any] = replicate(Path(argv[1]), Path(argv[2]), int(argv[3]))
    elif mode == "build":
        out = worker_build(Path(argv[1]), Path(argv[2]), argv[3])
    elif mode == "read_feed":
        out = worker_read_feed(Path(argv[1]))
    else:
        out = worker_serve(Path(argv[1]), Path(argv[2]), argv[3], int(argv[4]))
    print(json.dumps(out))


# ---- driver ---------------------------------------------------------------------------------

def _run(*args: str) -> dict[str, Any]:
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--worker", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ready = None
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        if line.startswith("READY") and ready is None:
            ready = time.perf_counter() - start
        lines.append(line)
    proc.wait()
    if proc.returncode != 0:
        raise SystemExit(f"worker {args[0]} failed:\n{proc.stderr.read() if proc.stderr else ''}")
    result: dict[str, Any] = json.loads(lines[-1])
    if ready is not None:
        result["restart_s"] = ready
    return result


def _median(values: list[float]) -> str:
    return (f"{statistics.median(values):.3f} [{min(values):.3f}–{max(values):.3f}]"
            if len(values) > 1 else f"{values[0]:.3f}")


def _pick(runs: list[dict[str, Any]], *path: str) -> list[float]:
    out = []
    for r in runs:
        value: Any = r
        for key in path:
            value = value[key]
        out.append(float(value))
    return out


def _case(label: str, feed: Path, runs: int, region: str, rt_trips: int,
          build_only: bool = False) -> dict[str, Any]:
    builds, kits, serves = [], [], []
    cache = Path(tempfile.mkdtemp(prefix="abfahrt-bench-cache-"))
    try:
        for _ in range(runs):          # interleaved: both see the same machine load
            shutil.rmtree(cache, ignore_errors=True)
            builds.append(_run("build", str(feed), str(cache), ""))
            kits.append(_run("read_feed", str(feed)))
        if build_only:
            _report_build(label, feed, runs, builds, kits)
            return {"builds": builds, "read_feed": kits}
        for _ in range(runs):
            serves.append(_run("serve", str(feed), str(cache), "", str(rt_trips)))
        region_build = _run("build", str(feed), str(cache), region) if region else None
        region_serves = [_run("serve", str(feed), str(cache), region, "0")
                         for _ in range(runs)] if region else []
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    s = serves[-1]
    _report_build(label, feed, runs, builds, kits,
                  f", {s['stop_times']:,} stop_times kept, {s['stops']:,} stops")
    print(f"  restart (spawn to 1st board) {_median(_pick(serves, 'restart_s'))} s; "
          f"open alone {_median(_pick(serves, 'open_s'))} s")
    print(f"  serving RSS after 100 boards {_median(_pick(serves, 'serve_rss_mib'))} MiB")
    print(f"  100 busiest stops, Tue 08:00, 60 min, schedule: p50 "
          f"{_median(_pick(serves, 'boards', 'p50_ms'))} ms, p99 "
          f"{_median(_pick(serves, 'boards', 'p99_ms'))} ms; "
          f"{s['departures_per_board']:.1f} departures/board")
    if rt_trips:
        print(f"  realtime feed: {s['rt_trips']:,} running trips, {s['rt_stus']:,} stop_time "
              f"updates, {s['rt_matched']:,} matched")
        print(f"    parse {_median(_pick(serves, 'rt_parse_s'))} s, apply (resolve) "
              f"{_median(_pick(serves, 'rt_apply_s'))} s")
        print(f"    boards with it: p50 {_median(_pick(serves, 'rt_boards', 'p50_ms'))} ms, "
              f"p99 {_median(_pick(serves, 'rt_boards', 'p99_ms'))} ms; "
              f"{s['rt_departures_per_board']:.1f} departures/board, "
              f"{s['rt_live_per_board']:.1f} with a live prediction; RSS "
              f"{_median(_pick(serves, 'rt_rss_mib'))} MiB")
    if region_build is not None:
        r = region_serves[-1]
        print(f"  region {region}: build {region_build['build_s']:.2f} s (peak "
              f"{region_build['peak_rss_mib']:.0f} MiB), {r['stop_times']:,} stop_times "
              f"({r['stop_times'] / s['stop_times']:.2%} of the feed), {r['stops']:,} stops")
        print(f"    serving RSS after 100 boards {_median(_pick(region_serves, 'serve_rss_mib'))}"
              f" MiB; restart {_median(_pick(region_serves, 'restart_s'))} s; p99 "
              f"{_median(_pick(region_serves, 'boards', 'p99_ms'))} ms")
    return {"builds": builds, "read_feed": kits, "serves": serves,
            "region_build": region_build, "region_serves": region_serves}


def _report_build(label: str, feed: Path, runs: int, builds: list[dict[str, Any]],
                  kits: list[dict[str, Any]], counts: str = "") -> None:
    b, k = _pick(builds, "build_s"), _pick(kits, "read_feed_s")
    print(f"\n== {label}: {feed.name} ({feed.stat().st_size / MIB:.0f} MiB zip{counts})"
          f" — median [min–max] of {runs} runs")
    print(f"  cold build (child process)   {_median(b)} s, peak RSS "
          f"{_median(_pick(builds, 'peak_rss_mib'))} MiB; cache {builds[-1]['cache_mib']:.0f} MiB")
    print(f"  baseline gtfs-kit read_feed  {_median(k)} s, peak RSS "
          f"{_median(_pick(kits, 'peak_rss_mib'))} MiB")
    ratios = [x / y for x, y in zip(b, k, strict=True)]
    print(f"  build / read_feed            {_median(ratios)} (target <= 0.75)")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _worker(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--feed", type=Path, default=HART)
    parser.add_argument("--replicas", type=int, nargs="+", default=[10])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="folder to keep (and reuse) the replica zips")
    parser.add_argument("--region", default=FIRST_COPY)
    parser.add_argument("--rt-trips", type=int, default=5000)
    parser.add_argument("--build-only", action="store_true",
                        help="measure the cold build against read_feed alone")
    args = parser.parse_args()
    print(f"abfahrt timetable benchmark — python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="abfahrt-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        for copies in args.replicas:
            big = folder / f"{args.feed.stem}-x{copies}.zip"
            if not big.exists():
                t0 = time.perf_counter()
                tmp = big.with_suffix(".tmp")
                _run("replicate", str(args.feed), str(tmp), str(copies))
                tmp.replace(big)
                print(f"(replica x{copies} written in {time.perf_counter() - t0:.0f} s)")
            _case(f"HART x{copies}", big, args.runs, args.region, args.rt_trips,
                  args.build_only)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

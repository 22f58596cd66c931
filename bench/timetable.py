"""Benchmark of the static timetable: build, memory, cached restart, board latency.

    python bench/timetable.py [--replicas 10] [--boards 1000] [--gtfs-kit-boards 30] [--feed ZIP]

Cases: the HART 2018 feed (435k stop_times) and a xN replica of it written by this script to a
temporary zip (every file replicated, ids suffixed "_r1" … "_rN-1"). Each measurement runs in a
fresh subprocess so that peak RSS (ru_maxrss) belongs to that step alone:

  build    read + build + write cache, from an empty cache folder
  restart  load from the on-disk cache in a fresh process
  serve    resident RSS after the load and a gc; then 1,000 random 60-minute boards
           (random stop with departures, random instant inside the calendar): latency of
           feeds.departures.find_rows (raw index answer) and find_departures (records)

Baselines on the same boards: gtfs-kit build_stop_timetable(feed, stop_id, [yesterday, today])
(a sample; it is slow) and a plain dict of per-stop sorted lists. Prints figures, not a test.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `python bench/timetable.py` puts bench/ first on sys.path, where bench/http.py would shadow
# the standard library's http (imported by gtfs-kit's dependencies): drop that entry first.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import csv
import gc
import io
import json
import os
import random
import resource
import subprocess
import tempfile
import time
import zipfile
from bisect import bisect_left
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HART = ROOT.parent / "shared" / "data" / "hart-2018" / "gtfs.zip"
MIB = 1024 * 1024
TARGETS = {  # HARTx10
    "build_s": 20.0, "peak_rss_mib": 1536.0, "serve_rss_mib": 400.0, "restart_s": 2.0,
    "find_departures_p50_ms": 0.1, "find_departures_p99_ms": 1.0,
}
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
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(header)
            n = 1 if info.filename in ONCE else copies
            for r in range(n):
                suffix = f"_r{r}" if r else ""
                for row in rows:
                    if suffix:
                        row = list(row)
                        for i in id_cols:
                            if i < len(row) and row[i]:
                                row[i] += suffix
                    writer.writerow(row)
            # an agency without agency_id appears once (several id-less agencies are ambiguous)
            if info.filename == "agency.txt" and "agency_id" not in [h.strip() for h in header]:
                out = io.StringIO(text)
                n = 1
            zout.writestr(info.filename, out.getvalue())
            counts[info.filename] = len(rows) * n
    return counts


# ---- worker (runs in a fresh process) ---------------------------------------------------------

def _rss_mib() -> float:
    import psutil
    return float(psutil.Process().memory_info().rss) / MIB


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # Linux: KiB


def worker_build(feed: Path, cache: Path) -> dict[str, Any]:
    from feeds.build import build_timetable
    from feeds.cache import save_timetable
    from feeds.read import read_tables
    base = _peak_mib()
    t0 = time.perf_counter()
    tables = read_tables(feed)
    t1 = time.perf_counter()
    tt = build_timetable(tables)
    t2 = time.perf_counter()
    save_timetable(tt, cache)
    t3 = time.perf_counter()
    del tables
    gc.collect()
    return {"read_s": t1 - t0, "build_s": t2 - t1, "save_s": t3 - t2, "total_s": t3 - t0,
            "peak_rss_mib": _peak_mib(), "import_peak_mib": base, "rss_after_mib": _rss_mib(),
            "stop_times": len(tt.st_trip), "departures_indexed": len(tt.ix_dep),
            "timetable_mib": _nbytes(tt) / MIB}


def _nbytes(tt: Any) -> int:
    import numpy as np
    return sum(v.nbytes for v in vars(tt).values() if isinstance(v, np.ndarray))


def _percentiles(samples_ns: list[int]) -> dict[str, float]:
    ordered = sorted(samples_ns)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1e6

    return {"p50_ms": pick(0.50), "p99_ms": pick(0.99), "max_ms": ordered[-1] / 1e6,
            "mean_ms": sum(ordered) / len(ordered) / 1e6}


def _boards(tt: Any, n: int, seed: int) -> list[tuple[int, int]]:
    import numpy as np
    rng = random.Random(seed)
    stops = np.flatnonzero(np.diff(tt.ix_ptr) > 0)
    first, last = tt.calendar_range()
    lo = int(tt.day_base[tt.day_index(first)])
    hi = int(tt.day_base[tt.day_index(last)]) + 86_400 - 3600
    return [(int(stops[rng.randrange(len(stops))]), rng.randrange(lo, hi)) for _ in range(n)]


def worker_serve(feed: Path, cache: Path, n_boards: int, n_kit: int) -> dict[str, Any]:
    from feeds import find_departures, load_timetable
    from feeds.departures import find_rows
    t0 = time.perf_counter()
    tt = load_timetable(feed, cache)
    restart_s = time.perf_counter() - t0
    gc.collect()
    result: dict[str, Any] = {"restart_s": restart_s, "serve_rss_mib": _rss_mib(),
                              "restart_peak_rss_mib": _peak_mib()}
    boards = _boards(tt, n_boards, seed=1)
    for fn_name, fn in (("find_rows", find_rows), ("find_departures", find_departures)):
        for stop, at in boards[:50]:                       # warm-up
            fn(tt, stop, at, at + 3600)
        samples = []
        answers = 0
        for stop, at in boards:
            s = time.perf_counter_ns()
            out = fn(tt, stop, at, at + 3600)
            samples.append(time.perf_counter_ns() - s)
            answers += len(out)
        result[fn_name] = _percentiles(samples) | {"departures_per_board": answers / len(boards)}
    result["dict_baseline"] = _dict_baseline(tt, boards)
    if n_kit:
        result["gtfs_kit"] = _gtfs_kit_baseline(feed, tt, boards[:n_kit])
    return result


def _dict_baseline(tt: Any, boards: list[tuple[int, int]]) -> dict[str, Any]:
    """A plain dict: stop -> sorted list of (time, trip), and day -> set of active services."""
    import numpy as np
    t0 = time.perf_counter()
    per_stop: dict[int, tuple[list[int], list[int]]] = {}
    st_trip = tt.st_trip
    for stop in range(len(tt.stop_ids)):
        lo, hi = int(tt.ix_ptr[stop]), int(tt.ix_ptr[stop + 1])
        per_stop[stop] = (tt.ix_dep[lo:hi].tolist(), st_trip[tt.ix_st[lo:hi]].tolist())
    trip_service = tt.trip_service.tolist()
    active = [set(np.flatnonzero(tt.service_active[:, d]).tolist()) for d in range(tt.n_days)]
    day_base = tt.day_base.tolist()
    span = tt.max_span_days
    build_s = time.perf_counter() - t0

    def query(stop: int, start: int, end: int) -> list[tuple[int, int]]:
        times, trips = per_stop[stop]
        out = []
        today = bisect_left(day_base, start + 1) - 1
        for d in range(max(today - span, 0), min(bisect_left(day_base, end), len(day_base))):
            base = day_base[d]
            on = active[d]
            for i in range(bisect_left(times, start - base), bisect_left(times, end - base)):
                if trip_service[trips[i]] in on:
                    out.append((base + times[i], trips[i]))
        out.sort()
        return out

    samples = []
    for stop, at in boards:
        s = time.perf_counter_ns()
        query(stop, at, at + 3600)
        samples.append(time.perf_counter_ns() - s)
    return _percentiles(samples) | {"build_s": build_s}


def _gtfs_kit_baseline(feed_path: Path, tt: Any, boards: list[tuple[int, int]]
                       ) -> dict[str, Any]:
    import datetime as dt

    import gtfs_kit
    t0 = time.perf_counter()
    feed = gtfs_kit.read_feed(feed_path, dist_units="km")
    read_s = time.perf_counter() - t0
    samples = []
    zone = tt.zone
    for stop, at in boards:
        s = time.perf_counter_ns()
        day = dt.datetime.fromtimestamp(at, zone).date()
        dates = [(day - dt.timedelta(days=1)).strftime("%Y%m%d"), day.strftime("%Y%m%d")]
        table = gtfs_kit.build_stop_timetable(feed, tt.stop_id(stop), dates)
        _ = len(table)
        samples.append(time.perf_counter_ns() - s)
    return _percentiles(samples) | {"read_s": read_s, "boards": len(boards)}


def _worker(argv: list[str]) -> None:
    mode, feed, cache = argv[0], Path(argv[1]), Path(argv[2])
    sys.path.insert(0, str(ROOT))
    if mode == "replicate":     # here too, so the driver stays small (ru_maxrss survives exec)
        out: dict[str, Any] = replicate(feed, cache, int(argv[3]))
    elif mode == "build":
        out = worker_build(feed, cache)
    else:
        out = worker_serve(feed, cache, int(argv[3]), int(argv[4]))
    print(json.dumps(out))


# ---- driver ---------------------------------------------------------------------------------

def _run(*args: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, "--worker", *args], capture_output=True,
                          text=True, check=False, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"worker {args[0]} failed:\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _case(label: str, feed: Path, n_boards: int, n_kit: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="abfahrt-bench-cache-") as cache:
        build = _run("build", str(feed), cache)
        serve = _run("serve", str(feed), cache, str(n_boards), str(n_kit))
    print(f"\n== {label}: {feed.name} ({feed.stat().st_size / MIB:.1f} MiB zip)")
    print(f"  stop_times kept {build['stop_times']:,}; departures indexed "
          f"{build['departures_indexed']:,}; timetable arrays {build['timetable_mib']:.0f} MiB")
    print(f"  build (fresh process): read {build['read_s']:.2f} s + build {build['build_s']:.2f} s"
          f" + save cache {build['save_s']:.2f} s = {build['total_s']:.2f} s")
    print(f"  peak RSS of the build: {build['peak_rss_mib']:.0f} MiB "
          f"(after imports {build['import_peak_mib']:.0f} MiB)")
    print(f"  cached restart (fresh process): {serve['restart_s']:.3f} s, "
          f"peak {serve['restart_peak_rss_mib']:.0f} MiB")
    print(f"  resident RSS serving (after load + gc): {serve['serve_rss_mib']:.0f} MiB")
    for name in ("find_rows", "find_departures"):
        q = serve[name]
        print(f"  {name:<16} p50 {q['p50_ms']:.4f} ms  p99 {q['p99_ms']:.4f} ms  "
              f"max {q['max_ms']:.3f} ms  ({q['departures_per_board']:.1f} departures/board, "
              f"{n_boards} boards)")
    d = serve["dict_baseline"]
    print(f"  dict baseline    p50 {d['p50_ms']:.4f} ms  p99 {d['p99_ms']:.4f} ms  "
          f"(built from the arrays in {d['build_s']:.2f} s)")
    fd = serve["find_departures"]
    print(f"  ratio find_departures/dict p50 {fd['p50_ms'] / d['p50_ms']:.2f}x, "
          f"p99 {fd['p99_ms'] / d['p99_ms']:.2f}x")
    if "gtfs_kit" in serve:
        k = serve["gtfs_kit"]
        print(f"  gtfs-kit build_stop_timetable p50 {k['p50_ms']:.1f} ms  p99 {k['p99_ms']:.1f} ms"
              f" ({k['boards']} boards; read_feed {k['read_s']:.1f} s)")
        print(f"  speed-up find_departures vs gtfs-kit p50 {k['p50_ms'] / fd['p50_ms']:.0f}x")
    return build | serve


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _worker(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feed", type=Path, default=HART)
    parser.add_argument("--replicas", type=int, default=10)
    parser.add_argument("--boards", type=int, default=1000)
    parser.add_argument("--gtfs-kit-boards", type=int, default=30)
    args = parser.parse_args()
    print(f"abfahrt timetable benchmark — python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs; driver process peak RSS {_peak_mib():.0f} MiB "
          f"(a floor for the workers' ru_maxrss)")
    _case("HART", args.feed, args.boards, args.gtfs_kit_boards)
    with tempfile.TemporaryDirectory(prefix="abfahrt-bench-") as tmp:
        big = Path(tmp) / f"hart-x{args.replicas}.zip"
        t0 = time.perf_counter()
        counts = _run("replicate", str(args.feed), str(big), str(args.replicas))
        print(f"\n(replica x{args.replicas} written in {time.perf_counter() - t0:.1f} s: "
              f"{counts.get('stop_times.txt', 0):,} stop_times, {counts.get('trips.txt', 0):,} "
              f"trips, {counts.get('stops.txt', 0):,} stops)")
        res = _case(f"HART x{args.replicas}", big, args.boards, args.gtfs_kit_boards)
    measured = {"build_s": res["total_s"], "peak_rss_mib": res["peak_rss_mib"],
                "serve_rss_mib": res["serve_rss_mib"], "restart_s": res["restart_s"],
                "find_departures_p50_ms": res["find_departures"]["p50_ms"],
                "find_departures_p99_ms": res["find_departures"]["p99_ms"]}
    print(f"\nTargets (HART x{args.replicas}):")
    for key, target in TARGETS.items():
        value = measured[key]
        print(f"  {key:<24} {value:>10.3f}  target <= {target:<8g} "
              f"{'ok' if value <= target else 'MISSED'}")


if __name__ == "__main__":
    main()

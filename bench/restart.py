"""Benchmark of `abfahrt serve` itself on a big feed: start until /readyz, serving memory.

    python bench/restart.py [--replicas 80] [--runs 3] [--keep DIR] [--region BOX]

The feed is bench/timetable.py's xN replica of HART 2018 (written here, or reused from --keep
DIR). Every start is a real `abfahrt serve` process (no Redis, no realtime, the default speech
engine) whose clock is set to a Tuesday 08:00 of the feed, polled on /readyz every 10 ms;
once it answers 200, the boards of the feed's 100 busiest stops (most departures) are asked
for over HTTP (`/api/v1/stops/{id}/departures`, the path a display polls), then the process's
RSS (and PSS: the memory-mapped timetable is shared between processes) is read. Median of
--runs runs with the range [min–max]; cold and cached starts are interleaved.

  cold     an empty data folder: serve builds the timetable in a child process (the serving
           process never holds the build's peak), /readyz says "building" meanwhile
  cached   the same data folder again: the timetable is opened from the cache (memory-mapped)
  region   --region (default: a box around copy 0, i.e. 1/N of the feed), cold then cached
  demo     baseline, same run: `abfahrt serve` of the bundled demo network from its cache
           (the start's fixed cost: interpreter, imports, app) until /readyz 200

Targets (xN = 80): cached start until /readyz <= 1.5 s; serving RSS <= 1 GiB; the serving RSS
after a cold start equals that after a cached start; a region of 1/N: serving RSS <= 200 MiB.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `python bench/restart.py` puts bench/ first on sys.path, where bench/http.py would shadow the
# standard library's http: drop that entry first.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse
import csv
import datetime as dt
import importlib.util
import io
import json
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from typing import Any
from zoneinfo import ZoneInfo

ROOT = _HERE.parent
HART = ROOT.parent / "shared" / "data" / "hart-2018" / "gtfs.zip"
MIB = 1024 * 1024
POLL_S = 0.01
FIRST_COPY = "27.0,-83.5,28.9,-81.5"   # a box around copy 0 of a replica: 1/N of the feed


def timetable_bench() -> Any:
    """bench/timetable.py, imported by path (it writes the replicas)."""
    spec = importlib.util.spec_from_file_location("timetable_bench", _HERE / "timetable.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tuesday_morning(feed: Path) -> str:
    """A Tuesday 08:00 (agency time) in the second week of the feed's calendar, ISO 8601."""
    with zipfile.ZipFile(feed) as zf:
        agency = next(csv.DictReader(io.TextIOWrapper(zf.open("agency.txt"), "utf-8-sig")))
        starts = [row["start_date"] for row in
                  csv.DictReader(io.TextIOWrapper(zf.open("calendar.txt"), "utf-8-sig"))]
    start = min(starts)
    first = dt.date(int(start[:4]), int(start[4:6]), int(start[6:8])) + dt.timedelta(days=7)
    day = first + dt.timedelta(days=(1 - first.weekday()) % 7)
    zone = ZoneInfo(agency["agency_timezone"].strip())
    return dt.datetime(day.year, day.month, day.day, 8, tzinfo=zone).isoformat()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def busiest_stop_ids(feed: Path, cache: Path, region: str | None, n: int = 100) -> list[str]:
    """The ids of the `n` stops with the most departures (a fresh process reads the cache)."""
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "import numpy as np\n"
        "from feeds import open_cached_timetable, parse_region\n"
        "feed, cache, region, n = sys.argv[1:]\n"
        "tt = open_cached_timetable(Path(feed), Path(cache),\n"
        "                           parse_region(region) if region else None)\n"
        "counts = np.diff(tt.ix_ptr)\n"
        "order = np.argsort(-counts, kind='stable')[:int(n)]\n"
        "print(json.dumps([tt.stop_id(int(s)) for s in order]))\n")
    out = subprocess.run([sys.executable, "-c", code, str(feed), str(cache), region or "",
                          str(n)], cwd=ROOT, capture_output=True, text=True, check=True)
    ids: list[str] = json.loads(out.stdout)
    return ids


def get(url: str, timeout_s: float = 30) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def memory_mib(pid: int) -> tuple[float, float]:
    """RSS and PSS of a process in MiB (PSS: shared pages divided among their users)."""
    rss = pss = 0
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Rss:"):
            rss = int(line.split()[1])
        elif line.startswith("Pss:"):
            pss = int(line.split()[1])
    return rss / 1024, pss / 1024


def serve_once(feed: Path | None, data: Path, at: str | None, region: str | None,
               stops: list[str] | None, cache_for_stops: Path | None = None
               ) -> dict[str, Any]:
    """Start `abfahrt serve`, time it until /readyz 200, ask the boards, read its memory."""
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ABFAHRT_") and k != "REDIS_URL"}
    env |= {"ABFAHRT_RATE_LIMIT": "1000000", "ABFAHRT_LOG_FORMAT": "text",
            "PYTHONUNBUFFERED": "1"}
    if at is not None:
        env["ABFAHRT_CLOCK"] = at
    args = [sys.executable, "-m", "displays.cli", "serve", "--port", str(port),
            "--data-dir", str(data)]
    if feed is not None:
        args += ["--feed", str(feed)]
    if region:
        args += ["--region", region]
    base = f"http://127.0.0.1:{port}"
    data.mkdir(parents=True, exist_ok=True)
    log = (data / f"serve-{port}.log").open("wb")
    started = time.perf_counter()
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        out = wait_ready(process, base, log.name)
        out["ready_s"] = time.perf_counter() - started
        if stops is None and cache_for_stops is not None and feed is not None:
            stops = busiest_stop_ids(feed, cache_for_stops, region)
            out["stops"] = stops
        if stops:
            out |= ask_boards(base, stops)
        out["rss_mib"], out["pss_mib"] = memory_mib(process.pid)
        return out
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def wait_ready(process: subprocess.Popen[bytes], base: str, log: str) -> dict[str, Any]:
    """Poll /readyz until 200; return the build phases its 503 answers named."""
    phases: list[str] = []
    last_building: dict[str, Any] | None = None
    while True:
        if process.poll() is not None:
            raise SystemExit(f"serve exited ({process.returncode}); see {log}")
        try:
            status, body = get(base + "/readyz", timeout_s=5)
        except OSError:
            time.sleep(POLL_S)
            continue
        if status == 200:
            return {"phases": phases, "last_building": last_building}
        document = json.loads(body)
        if document.get("status") == "building":
            last_building = document
            if not phases or phases[-1] != document["phase"]:
                phases.append(document["phase"])
        time.sleep(POLL_S)


def ask_boards(base: str, stops: list[str]) -> dict[str, Any]:
    """The board of every stop, as a display asks for it; departures per board, p50."""
    listed, took = 0, []
    for stop in stops:
        s = time.perf_counter()
        status, body = get(f"{base}/api/v1/stops/{urllib.parse.quote(stop, safe='')}"
                           "/departures")
        took.append(time.perf_counter() - s)
        assert status == 200, (stop, status, body[:200])
        listed += len(json.loads(body)["departures"])
    return {"departures_per_board": listed / len(stops),
            "board_p50_ms": statistics.median(took) * 1e3}


def med(values: list[float], digits: int = 2) -> str:
    return (f"{statistics.median(values):,.{digits}f} [{min(values):,.{digits}f}–"
            f"{max(values):,.{digits}f}]")


def pick(runs: list[dict[str, Any]], key: str) -> list[float]:
    return [float(r[key]) for r in runs]


def case(feed: Path, runs: int, region: str, work: Path) -> None:
    at = tuesday_morning(feed)
    demo: list[dict[str, Any]] = []
    cold: list[dict[str, Any]] = []
    cached: list[dict[str, Any]] = []
    stops: list[str] | None = None
    serve_once(None, work / "demo", None, None, None)    # builds the demo feed's cache
    for run in range(runs):                       # interleaved: the same machine load
        demo.append(serve_once(None, work / "demo", None, None, None))
        data = work / f"data-{run}"
        first = serve_once(feed, data, at, None, stops, data / "cache")
        stops = stops or first.get("stops")
        cold.append(first)
        cached.append(serve_once(feed, data, at, None, stops))
        if run + 1 < runs:
            shutil.rmtree(data, ignore_errors=True)   # the next cold start begins empty
    region_cold: list[dict[str, Any]] = []
    region_cached: list[dict[str, Any]] = []
    region_stops: list[str] | None = None
    data = work / f"data-{runs - 1}"              # the full cache stays: one installation
    full = {f.name for f in (data / "cache").glob("timetable-*")}
    for _ in range(runs):
        for folder in (data / "cache").glob("timetable-*"):
            if folder.name not in full:
                shutil.rmtree(folder)                 # the region's cache: a cold start again
        for record in (data / "feeds").glob("last-good.*"):
            record.unlink()                           # the region's last good (not the full's)
        first = serve_once(feed, data, at, region, region_stops, data / "cache")
        region_stops = region_stops or first.get("stops")
        region_cold.append(first)
        region_cached.append(serve_once(feed, data, at, region, region_stops))
    c = cold[-1]
    print(f"\n== abfahrt serve, {feed.name} ({feed.stat().st_size / MIB:,.0f} MiB zip), "
          f"clock {at} — median [min–max] of {runs} runs")
    print(f"  baseline: demo start (cached) to 200    {med(pick(demo, 'ready_s'))} s")
    print(f"  cached start until /readyz 200          {med(pick(cached, 'ready_s'))} s "
          f"(target <= 1.5)")
    print(f"  cold start (build in a child) to 200    {med(pick(cold, 'ready_s'), 1)} s; "
          f"/readyz phases seen: {', '.join(c['phases'])}")
    if c["last_building"]:
        print(f"    last 'building' answer: {json.dumps(c['last_building'])}")
    print(f"  100 busiest stops over HTTP: {c['departures_per_board']:.1f} departures/board, "
          f"p50 {med(pick(cached, 'board_p50_ms'))} ms (cached start)")
    print(f"  serving RSS after 100 boards, cached    {med(pick(cached, 'rss_mib'), 0)} MiB "
          f"(PSS {med(pick(cached, 'pss_mib'), 0)}) (target <= 1024)")
    print(f"  serving RSS after 100 boards, cold      {med(pick(cold, 'rss_mib'), 0)} MiB "
          f"(PSS {med(pick(cold, 'pss_mib'), 0)})")
    ratios = [a / b for a, b in zip(pick(cold, "rss_mib"), pick(cached, "rss_mib"),
                                    strict=True)]
    print(f"  cold / cached serving RSS               {med(ratios)} (target 1.00)")
    r = region_cached[-1]
    print(f"  region {region}: cold start to 200 {med(pick(region_cold, 'ready_s'), 1)} s; "
          f"cached {med(pick(region_cached, 'ready_s'))} s; "
          f"{r['departures_per_board']:.1f} departures/board")
    print(f"    serving RSS after 100 boards, cached  {med(pick(region_cached, 'rss_mib'), 0)} "
          f"MiB; cold {med(pick(region_cold, 'rss_mib'), 0)} MiB (target <= 200)")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--feed", type=Path, default=HART)
    parser.add_argument("--replicas", type=int, default=80)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="folder to keep (and reuse) the replica zip")
    parser.add_argument("--region", default=FIRST_COPY)
    args = parser.parse_args()
    print(f"abfahrt serve benchmark — python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="abfahrt-restart-"))
    folder.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="abfahrt-restart-data-"))
    try:
        big = folder / f"{args.feed.stem}-x{args.replicas}.zip"
        if not big.exists():
            t0 = time.perf_counter()
            tmp = big.with_suffix(".tmp")
            timetable_bench().replicate(args.feed, tmp, args.replicas)
            tmp.replace(big)
            print(f"(replica x{args.replicas} written in {time.perf_counter() - t0:.0f} s)")
        case(big, args.runs, args.region, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Cluster soak: two `abfahrt serve` instances on one Redis, pillars polling many boards while
a large matching realtime feed is applied again and again; board p99 and event-loop lag.

    python bench/soak.py                                   # the demo network, simulated realtime
    python bench/soak.py --feed F.zip --realtime TU.pb [--at ISO]        # any static + RT pair
    python bench/soak.py --hart-replicas 16 --trips 5000   # HART x16 and a matching feed made here

Processes: a throwaway redis-server, two `abfahrt serve` (leader and follower, realtime polled
every `--interval` s), a feed server (a thread here) that serves the realtime feed with its
header stamped "now" on every request (so each poll is a new feed that is decoded and applied,
not a 304), and the load client (this process): `--connections` pillars polling `--boards`
stop boards (JSON, If-None-Match) spread over both instances for `--duration` s.

With `--hart-replicas`, the feed made here has one TripUpdate per running trip instance (up to
`--trips`) with a delay at every one of its stops, as an AVL system sends them.
Prints one `SOAK-CLUSTER key=value ...` line (read by bench/run) and a short report.
"""

from __future__ import annotations

import sys

if sys.path and sys.path[0] and __file__.startswith(sys.path[0].rstrip("/") + "/"):
    del sys.path[0]             # bench/http.py must not shadow the standard library's http

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HART = ROOT.parent / "shared" / "data" / "hart-2018" / "gtfs.zip"
HART_AT = "2018-02-27T16:00:00-05:00"      # a weekday afternoon: the most trips running


# ---- the matching realtime feed --------------------------------------------------------------

def make_feed(feed: Path, at: int, trips: int, cache: Path) -> tuple[bytes, int, int]:
    """Encoded TripUpdates of up to `trips` running instances (a delay at every stop), without
    the header; return (entity bytes, trip updates, stop time updates)."""
    from displays.demo.simulation import running_instances
    from feeds import load_timetable
    from realtime.encode import encode_feed_dict

    tt = load_timetable(feed, cache)
    rng = random.Random(15)
    entities = []
    updates = 0
    for trip, day, _first in running_instances(tt, at, before_s=1800, ahead_s=3600)[:trips]:
        delay = rng.choice((0, 30, 60, 120, 180, 300))
        rows = tt.trip_rows(trip)
        stops = [{"stopSequence": int(tt.st_seq[r]), "arrival": {"delay": delay + 10 * k},
                  "departure": {"delay": delay + 10 * k}} for k, r in enumerate(rows)]
        updates += len(stops)
        entities.append({"id": f"tu-{trip}-{day}", "tripUpdate": {
            "trip": {"tripId": tt.trip_id(trip), "startDate": tt.day_of(day).strftime("%Y%m%d")},
            "stopTimeUpdate": stops}})
    header = header_bytes(at)
    whole = encode_feed_dict({"header": _header(at), "entity": entities})
    return whole[len(header):], len(entities), updates


def _header(at: int) -> dict[str, str]:
    return {"gtfsRealtimeVersion": "2.0", "incrementality": "FULL_DATASET", "timestamp": str(at)}


def header_bytes(at: int) -> bytes:
    from realtime.encode import encode_feed_dict
    return encode_feed_dict({"header": _header(at)})


def entities_of(feed: bytes) -> bytes:
    """The entity bytes of an encoded feed (its header is the first field)."""
    from realtime.parse import parse_feed
    stamp = parse_feed(feed).header.timestamp
    for at in (stamp,):
        head = header_bytes(at)
        if feed.startswith(head):
            return feed[len(head):]
    raise SystemExit("the realtime file's header is not in the form this script re-stamps "
                     "(gtfs_realtime_version, incrementality, timestamp): re-encode it")


class FeedServer:
    """Serves the feed with the header stamped on the instances' clock at every request."""

    def __init__(self, entities: bytes, clock_start: int) -> None:
        from aiohttp import web

        self.entities = entities
        self.clock_start = clock_start
        self.t0 = time.monotonic()
        self.served = 0
        self.port = free_port()
        self.loop = asyncio.new_event_loop()

        async def handle(request: web.Request) -> web.Response:
            self.served += 1
            now = self.clock_start + int(time.monotonic() - self.t0)
            return web.Response(body=header_bytes(now) + self.entities,
                                content_type="application/x-protobuf")

        async def setup() -> None:
            app = web.Application()
            app.router.add_get("/rt.pb", handle)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", self.port).start()

        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        asyncio.run_coroutine_threadsafe(setup(), self.loop).result(10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/rt.pb"


# ---- processes ---------------------------------------------------------------------------------

def free_port() -> int:
    from tests.redis_server import free_port as port
    return port()


def serve(name: str, folder: Path, args: list[str], env: dict[str, str], cache: Path
          ) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    data = folder / name
    data.mkdir(parents=True, exist_ok=True)
    cache.mkdir(parents=True, exist_ok=True)
    (data / "cache").symlink_to(cache)         # one build of the timetable for both
    log = (data / "serve.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "displays.cli", "serve", "--port", str(port), "--data-dir",
         str(data), *args], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("ABFAHRT_")}, **env})
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} exited; see {data / 'serve.log'}")
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=1):   # 503 while starting
                return process, base
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{name} not ready")


def rss(process: subprocess.Popen[bytes]) -> float:
    import psutil
    return float(psutil.Process(process.pid).memory_info().rss) / 2**20


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def get_text(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return str(response.read().decode())


# ---- load ----------------------------------------------------------------------------------

async def load(bases: list[str], paths: list[str], connections: int, duration_s: float
               ) -> tuple[list[float], dict[str, int], dict[str, list[float]]]:
    import aiohttp

    latencies: list[float] = []
    by_base: dict[str, list[float]] = {base: [] for base in bases}
    statuses: dict[str, int] = {}
    etags: dict[str, str] = {}
    end = time.monotonic() + duration_s
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections)) as s:

        async def pillar(n: int) -> None:
            # pillar n polls paths n, n + connections, …, alternating between the instances
            mine = [(bases[(i // connections + n) % len(bases)], p)
                    for i, p in enumerate(paths) if i % connections == n]
            while time.monotonic() < end:
                for base, path in mine:
                    url = base + path
                    headers = {"If-None-Match": etags[url]} if url in etags else None
                    t0 = time.perf_counter()
                    try:
                        async with s.get(url, headers=headers) as response:
                            await response.read()
                            status = str(response.status)
                            if "ETag" in response.headers:
                                etags[url] = response.headers["ETag"]
                    except aiohttp.ClientError as exc:
                        status = type(exc).__name__
                    latencies.append(time.perf_counter() - t0)
                    by_base[base].append(latencies[-1])
                    statuses[status] = statuses.get(status, 0) + 1
                    if time.monotonic() >= end:
                        return
                await asyncio.sleep(0.2)

        await asyncio.gather(*(pillar(n) for n in range(connections)))
    return latencies, statuses, by_base


BASELINE = """
import asyncio, json, sys, time
async def main(seconds):
    lags, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        t = time.perf_counter(); await asyncio.sleep(0.1)
        lags.append(time.perf_counter() - t - 0.1)
    lags.sort()
    print(json.dumps({"p99": lags[int(len(lags) * 0.99)], "max": lags[-1]}))
asyncio.run(main(float(sys.argv[1])))
"""


def idle_loop_baseline(seconds: float) -> subprocess.Popen[str]:
    """An idle asyncio process sampling its loop lag like the service does: what this machine
    (its other load, the scheduler) adds to every loop, measured in the same run."""
    return subprocess.Popen([sys.executable, "-c", BASELINE, str(seconds)],
                            stdout=subprocess.PIPE, text=True)


def lag_quantile(metrics: str, q: float) -> float:
    """A quantile (upper bucket bound, s) of abfahrt_event_loop_lag_seconds."""
    buckets = []
    for line in metrics.splitlines():
        if line.startswith("abfahrt_event_loop_lag_seconds_bucket"):
            le = line.split('le="')[1].split('"')[0]
            buckets.append((float("inf") if le == "+Inf" else float(le),
                            float(line.rsplit(" ", 1)[1])))
    total = buckets[-1][1] if buckets else 0
    return next((le for le, n in buckets if n >= q * total), float("nan"))


def gauge(metrics: str, name: str) -> float:
    line = next(x for x in metrics.splitlines() if x.startswith(name + " "))
    return float(line.rsplit(" ", 1)[1])


# ---- main ----------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feed", type=Path, help="static GTFS zip (default: the demo)")
    parser.add_argument("--realtime", type=Path, help="GTFS-RT TripUpdates file matching it")
    parser.add_argument("--at", help="ISO 8601 instant the instances' clock starts at")
    parser.add_argument("--hart-replicas", type=int, default=0,
                        help="make the pair: HART x N and a matching feed of --trips trips")
    parser.add_argument("--trips", type=int, default=5000)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--boards", type=int, default=500)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--interval", type=int, default=5, help="realtime poll (s)")
    args = parser.parse_args()

    from tests.redis_server import start_redis

    work = Path(tempfile.mkdtemp(prefix="abfahrt-soak-"))
    cache = work / "cache"
    feed, entities, trips, updates = args.feed, b"", 0, 0
    at = int(dt.datetime.fromisoformat(args.at).timestamp()) if args.at else 0
    if args.hart_replicas:
        from bench.timetable import replicate

        feed = work / f"hart-x{args.hart_replicas}.zip"
        replicate(HART, feed, args.hart_replicas)
        at = at or int(dt.datetime.fromisoformat(HART_AT).timestamp())
        started = time.monotonic()
        entities, trips, updates = make_feed(feed, at, args.trips, cache)
        print(f"made {feed.name} and a feed of {trips} trip updates, {updates} stop time "
              f"updates, {len(entities) / 2**20:.1f} MiB in {time.monotonic() - started:.0f} s",
              flush=True)
    elif args.realtime is not None:
        from realtime.parse import parse_feed

        raw = args.realtime.read_bytes()
        parsed = parse_feed(raw)
        at = at or parsed.header.timestamp
        entities, trips = entities_of(raw), len(parsed.trip_updates)
        updates = sum(len(t.stop_time_updates) for t in parsed.trip_updates)
    redis = start_redis()
    processes = []
    try:
        env = {"ABFAHRT_REALTIME_INTERVAL": str(args.interval), "ABFAHRT_RATE_LIMIT": "10000000",
               "ABFAHRT_LEADER_TTL": "15", "REDIS_URL": redis.url}
        cli: list[str] = []
        if feed is not None:
            cli += ["--feed", str(feed)]
        if entities:
            rt_server = FeedServer(entities, at)
            cli += ["--realtime", rt_server.url]
        if at:
            env["ABFAHRT_CLOCK"] = dt.datetime.fromtimestamp(at, dt.UTC).isoformat()
        for name in ("a", "b"):
            processes.append(serve(name, work, cli, env, cache))
        bases = [base for _, base in processes]
        paths = [f"/api/v1/stops/{s}/departures" for s in sample_stops(bases[0], args.boards)]
        # warm up: every board once on both (the leader then keeps them fresh), a realtime poll
        asyncio.run(load(bases, paths, args.connections, 3 + args.interval))
        rss_before = [rss(process) for process, _ in processes]
        baseline = idle_loop_baseline(args.duration)
        latencies, counts, by_base = asyncio.run(load(bases, paths, args.connections,
                                                      args.duration))
        idle = json.loads(baseline.communicate(timeout=60)[0])
        rss_after = [rss(process) for process, _ in processes]
        metrics = [get_text(b + "/metrics") for b in bases]
        statuses = [get_json(b + "/api/v1/status") for b in bases]
    finally:
        for process, _ in processes:
            process.terminate()
            process.wait(timeout=30)
        redis.stop()
    latencies.sort()
    n = len(latencies)
    p50, p99 = latencies[n // 2] * 1000, latencies[min(n - 1, int(n * 0.99))] * 1000
    leader = next(s for s in statuses if s["leader"])
    # each instance's own p99 (leader first): the leader resolves and refreshes, the follower
    # only loads the leader's snapshot
    order = sorted(range(len(bases)), key=lambda i: not statuses[i]["leader"])
    own = "/".join(f"{quantile(by_base[bases[i]], 0.99) * 1000:.1f}" for i in order)
    source = leader["realtime"][0] if leader["realtime"] else {}
    matched = source.get("stats", {}).get("trip_updates", {}).get("matched", 0)
    lag_max = max(gauge(m, "abfahrt_event_loop_lag_max_seconds") for m in metrics) * 1000
    lag_p99 = max(lag_quantile(m, 0.99) for m in metrics) * 1000
    failed = sum(v for k, v in counts.items() if k not in ("200", "304"))
    rss_text = "/".join(f"{a:.0f}->{b:.0f}" for a, b in zip(rss_before, rss_after, strict=True))
    print(f"SOAK-CLUSTER instances=2 feed={feed.name if feed else 'demo'} "
          f"trips={trips or matched} matched={matched} stop_time_updates={updates} "
          f"boards={len(paths)} connections={args.connections} duration_s={args.duration:.0f} "
          f"requests={n} failed={failed} statuses={json.dumps(counts, separators=(',', ':'))} "
          f"p50_ms={p50:.1f} p99_ms={p99:.1f} max_ms={latencies[-1] * 1000:.1f} "
          f"p99_ms_leader_follower={own} "
          f"loop_lag_p99_ms={lag_p99:.0f} loop_lag_max_ms={lag_max:.0f} "
          f"idle_loop_lag_p99_ms={idle['p99'] * 1000:.0f} "
          f"idle_loop_lag_max_ms={idle['max'] * 1000:.0f} "
          f"realtime_polls={source.get('polls', 0)} interval_s={args.interval} "
          f"rss_mib={rss_text}")
    verdict = "ok" if p99 <= 50 and not failed else "MISSED"
    print(f"board p99 {p99:.1f} ms while realtime is applied every {args.interval} s "
          f"(target <= 50 ms): {verdict}")


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")


def sample_stops(base: str, n: int) -> list[str]:
    """Up to `n` stop ids with a name (stations and stops without one), from the search."""
    seen: list[str] = []
    for letter in "aeiounrstlmhbgkdp":
        for stop in get_json(f"{base}/api/v1/stops?q={letter}&limit=100")["stops"]:
            if stop["id"] not in seen:
                seen.append(stop["id"])
        if len(seen) >= n:
            break
    return seen[:n]


if __name__ == "__main__":
    main()

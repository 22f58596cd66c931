"""HTTP benchmark: cached boards and their 304 path, against a bare aiohttp app, same run.

    python bench/http.py [--duration 5] [--reps 2] [--connections 50 200] [--json OUT.json]

Three processes: `abfahrt serve` (demo network, in-process cache, rate limit lifted), a bare
aiohttp app that answers the same paths with the same bytes and the same headers (ETag,
Cache-Control, Vary, CSP …, and the same If-None-Match → 304 logic), and this script, the load
client (aiohttp, keep-alive, N connections for `duration` seconds per case). Each server process
is measured alone. Besides req/s and latency, the server's CPU time per request (psutil) is
printed: it does not depend on how fast the client is (on 2 cores the client may be the limit).

Then, in process: one realtime refresh of every board of the demo network (every stop in both
languages plus every display) — `displays.service.jobs.refresh_boards` — and the poll that
precedes it.
"""

from __future__ import annotations

import sys

# run as a script, bench/ is sys.path[0] and this file would shadow the standard library's http
if sys.path and sys.path[0] and __file__.startswith(sys.path[0].rstrip("/") + "/"):
    del sys.path[0]

import argparse
import asyncio
import base64
import json
import os
import signal
import statistics
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGETS = ("/api/v1/displays/hbf-tram", "/displays/hbf-tram")
CLIENT_ENCODINGS = "gzip, deflate"      # what an aiohttp client sends by default
SKIP_HEADERS = {"date", "server", "content-length", "transfer-encoding", "connection",
                "keep-alive"}
GOALS = {"cached_ratio": 0.70, "cached_p99_ms_at_50": 25.0, "not_modified_ratio": 0.80,
         "refresh_all_ms": 200.0}


# ---- the bare app (runs in its own process) ------------------------------------------------

def run_bare(port: int, fixture: Path) -> None:
    """Serve each path's recorded bytes and headers; 304 on a matching If-None-Match."""
    from aiohttp import web

    pages: dict[str, dict[str, Any]] = json.loads(fixture.read_text())

    async def handle(request: web.Request) -> web.Response:
        page = pages[request.path]
        headers = page["headers"]
        if request.headers.get("If-None-Match") == headers["ETag"]:
            return web.Response(status=304, headers={k: v for k, v in headers.items()
                                                     if k != "Content-Type"})
        return web.Response(body=base64.b64decode(page["body"]), headers=headers)

    app = web.Application()
    for path in pages:
        app.router.add_get(path, handle)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


# ---- processes -----------------------------------------------------------------------------

def free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, process: subprocess.Popen[bytes], timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited: {url}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server not ready: {url}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def record_pages(base: str) -> dict[str, dict[str, Any]]:
    """Each target's bytes and headers as the load client gets them (it accepts gzip)."""
    pages = {}
    for path in TARGETS:
        request = urllib.request.Request(base + path,
                                         headers={"Accept-Encoding": CLIENT_ENCODINGS})
        with urllib.request.urlopen(request, timeout=5) as response:
            headers = {k: v for k, v in response.headers.items()
                       if k.lower() not in SKIP_HEADERS}
            pages[path] = {"headers": headers,
                           "body": base64.b64encode(response.read()).decode("ascii")}
    return pages


# ---- load ----------------------------------------------------------------------------------

@dataclass
class Run:
    server: str
    path: str
    conditional: bool
    connections: int
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p99_ms: float
    server_cpu_us_per_req: float
    statuses: dict[str, int]


async def load(base: str, path: str, etag: str | None, connections: int, duration_s: float
               ) -> tuple[list[float], dict[str, int], int, float]:
    import aiohttp

    latencies: list[float] = []
    statuses: dict[str, int] = {}
    errors = 0
    url = base + path
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector) as session:
        # warm every connection first
        warm = [session.get(url) for _ in range(connections)]
        for response in await asyncio.gather(*warm):
            response.release()
        started = time.perf_counter()
        end = started + duration_s

        async def worker() -> None:
            # a polling pillar: If-None-Match with the last ETag it got (when `etag` is given)
            nonlocal errors
            current = etag
            while (t0 := time.perf_counter()) < end:
                try:
                    async with session.get(url, headers={"If-None-Match": current}
                                           if current else None) as response:
                        await response.read()
                        key = str(response.status)
                        if current is not None:
                            current = response.headers.get("ETag", current)
                except aiohttp.ClientError:
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - t0)
                statuses[key] = statuses.get(key, 0) + 1

        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    return latencies, statuses, errors, elapsed


def measure(name: str, pid: int, base: str, path: str, etag: str | None, connections: int,
            duration_s: float) -> Run:
    import psutil

    server = psutil.Process(pid)
    cpu0 = server.cpu_times()
    latencies, statuses, errors, elapsed = asyncio.run(
        load(base, path, etag, connections, duration_s))
    cpu1 = server.cpu_times()
    cpu_s = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    latencies.sort()
    n = len(latencies)
    return Run(server=name, path=path, conditional=etag is not None, connections=connections,
               requests=n, errors=errors, rps=n / elapsed,
               p50_ms=latencies[n // 2] * 1000 if n else float("nan"),
               p99_ms=latencies[min(n - 1, int(n * 0.99))] * 1000 if n else float("nan"),
               server_cpu_us_per_req=cpu_s / max(n, 1) * 1e6, statuses=statuses)


# ---- refresh of every board (in process) ---------------------------------------------------

async def time_refresh(rounds: int = 7) -> dict[str, float]:
    from aiohttp.test_utils import TestServer

    from displays.app import create_app
    from displays.service.jobs import poll_realtime, refresh_boards
    from displays.service.settings import Settings
    from displays.web.appkeys import runtime

    with tempfile.TemporaryDirectory(prefix="abfahrt-bench-refresh-") as tmp:
        server = TestServer(create_app(Settings(data_dir=Path(tmp))))
        await server.start_server()
        try:
            rt = runtime(server.app)
            now = rt.now()
            for index in range(len(rt.tt.stop_ids)):
                for lang in ("de", "en"):
                    rt.recent_stops[f"stop:{lang}:{rt.tt.stop_id(index)}"] = now
            boards = len(rt.recent_stops) + len(rt.displays)
            refresh, polls = [], []
            import aiohttp
            async with aiohttp.ClientSession() as session:
                for _ in range(rounds):
                    rt.cache.invalidate("*")
                    t0 = time.perf_counter()
                    await refresh_boards(rt)
                    refresh.append((time.perf_counter() - t0) * 1000)
                    t0 = time.perf_counter()
                    await poll_realtime(rt, session)       # simulate + parse + apply + refresh
                    polls.append((time.perf_counter() - t0) * 1000)
        finally:
            await server.close()
    return {"boards": boards, "stops": len(rt.tt.stop_ids), "displays": len(rt.displays),
            "refresh_all_ms_median": statistics.median(refresh),
            "refresh_all_ms_max": max(refresh),
            "poll_and_refresh_ms_median": statistics.median(polls)}


# ---- driver --------------------------------------------------------------------------------

def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--bare":
        run_bare(int(sys.argv[2]), Path(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per try")
    parser.add_argument("--reps", type=int, default=2, help="tries per case; the best counts")
    parser.add_argument("--connections", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    import logging
    logging.disable(logging.CRITICAL)
    print(f"abfahrt HTTP benchmark — python {sys.version.split()[0]}, {os.cpu_count()} CPUs; "
          f"load client (aiohttp) in this process, each server in its own process; "
          f"{args.reps} x {args.duration:g} s per case and server, interleaved, best try shown")
    tmp = Path(tempfile.mkdtemp(prefix="abfahrt-bench-http-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ABFAHRT_")}
    env.update(ABFAHRT_RATE_LIMIT="1000000000", PYTHONUNBUFFERED="1")
    port = free_port()
    service = subprocess.Popen(
        [sys.executable, "-m", "displays.cli", "serve", "--port", str(port), "--data-dir",
         str(tmp / "data")], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=open(tmp / "serve.log", "wb"))  # noqa: SIM115 - closed with the process
    bare = None
    runs: list[Run] = []
    try:
        base = f"http://127.0.0.1:{port}"
        wait_http(base + "/readyz", service)   # 503 until boards can be served
        pages = record_pages(base)
        fixture = tmp / "pages.json"
        fixture.write_text(json.dumps(pages))
        bare_port = free_port()
        bare = subprocess.Popen([sys.executable, __file__, "--bare", str(bare_port),
                                 str(fixture)], cwd=ROOT, env=env)
        bare_base = f"http://127.0.0.1:{bare_port}"
        wait_http(bare_base + TARGETS[0], bare)
        servers = (("abfahrt", service.pid, base), ("bare", bare.pid, bare_base))
        for connections in args.connections:
            for path in TARGETS:
                etag = pages[path]["headers"]["ETag"]
                for conditional in (False, True):
                    tries: dict[str, list[Run]] = {name: [] for name, _, _ in servers}
                    for _ in range(args.reps):      # interleaved: drift hits both alike
                        for name, pid, url in servers:
                            tries[name].append(measure(name, pid, url, path,
                                                       etag if conditional else None,
                                                       connections, args.duration))
                    for name, _, _ in servers:
                        run = max(tries[name], key=lambda r: r.rps)
                        runs.append(run)
                        print(f"  {name:<8} {path:<26} {'304' if conditional else '200':<4}"
                              f"c={connections:<4} {run.rps:>8.0f} req/s  p50 "
                              f"{run.p50_ms:6.2f} ms  p99 {run.p99_ms:6.2f} ms  "
                              f"server CPU {run.server_cpu_us_per_req:6.0f} µs/req  "
                              f"{run.statuses} errors={run.errors}", flush=True)
    finally:
        stop(service)
        if bare is not None:
            stop(bare)

    print("\nabfahrt / bare (same path, status, connections):")
    ratios = []
    for run in (r for r in runs if r.server == "abfahrt"):
        base_run = next(b for b in runs if b.server == "bare" and b.path == run.path
                        and b.conditional == run.conditional
                        and b.connections == run.connections)
        ratio = run.rps / base_run.rps
        cpu_ratio = base_run.server_cpu_us_per_req / run.server_cpu_us_per_req
        goal = GOALS["not_modified_ratio" if run.conditional else "cached_ratio"]
        verdicts = [f"throughput {ratio:.0%} (goal ≥ {goal:.0%}: "
                    f"{'ok' if ratio >= goal else 'MISSED'})",
                    f"CPU-per-request ratio {cpu_ratio:.0%}"]
        if run.connections == 50 and not run.conditional:
            p99_goal = GOALS["cached_p99_ms_at_50"]
            verdicts.append(f"p99 {run.p99_ms:.1f} ms (goal ≤ {p99_goal:g}: "
                            f"{'ok' if run.p99_ms <= p99_goal else 'MISSED'})")
        print(f"  {run.path:<26} {'304' if run.conditional else '200'} c={run.connections:<4}"
              + "; ".join(verdicts))
        ratios.append({"path": run.path, "conditional": run.conditional,
                       "connections": run.connections, "ratio": ratio,
                       "cpu_ratio": cpu_ratio, "goal": goal})

    refresh = asyncio.run(time_refresh())
    ok = refresh["refresh_all_ms_median"] <= GOALS["refresh_all_ms"]
    print(f"\nrefresh of every board of the demo network ({refresh['boards']} boards: "
          f"{refresh['stops']} stops x de/en + {refresh['displays']} displays): median "
          f"{refresh['refresh_all_ms_median']:.1f} ms, max {refresh['refresh_all_ms_max']:.1f}"
          f" ms (goal ≤ {GOALS['refresh_all_ms']:g} ms: {'ok' if ok else 'MISSED'}); "
          f"realtime poll (simulate, encode, parse, apply) + refresh median "
          f"{refresh['poll_and_refresh_ms_median']:.1f} ms")
    if args.json:
        args.json.write_text(json.dumps({"runs": [asdict(r) for r in runs], "ratios": ratios,
                                         "refresh": refresh, "goals": GOALS}, indent=1))


if __name__ == "__main__":
    main()

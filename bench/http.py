"""HTTP benchmark: cached boards and their 304 path, with `wrk`, beside a bare aiohttp app and
nginx serving the same bytes, in the same run.

    python bench/http.py [--duration 5] [--reps 3] [--connections 50 [200]] [--json OUT.json]

Four processes: `abfahrt serve` (demo network, clock fixed at a busy instant, in-process
cache, rate limit lifted for the one load client), a bare aiohttp app that answers the same
paths with the same bytes and the same headers (ETag, Cache-Control, Vary, CSP …, with the same
If-None-Match → 304 rule), nginx (a throwaway config on a free port, the same bytes as a static
file with the same headers, 304 on a matching If-None-Match), and the load client `wrk`
(`-t1 -cN -dDs --latency`, keep-alive, `Accept-Encoding: gzip` like a kiosk browser). A Lua
script counts every status and, in the conditional case, sends If-None-Match with the last
ETag it got (a polling pillar). A case fails when any answer is not 200 (or 304 when
conditional) or wrk reports socket errors.

Each case runs `--reps` times, the servers interleaved (abfahrt, bare, nginx, abfahrt, …) so
drift hits all alike; the MEDIAN is reported with the [min–max] range. Besides req/s and
latency, the server's CPU time per request (utime + stime from /proc, all the server's
processes) is printed: it does not depend on how fast the client is (on 2 cores, wrk and the
server share the machine).

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
import re
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGETS = ("/api/v1/displays/hbf-tram", "/displays/hbf-tram")
BUSY_AT = "2026-03-04T12:00:00+01:00"      # a weekday noon: the demo network is busy
CLIENT_ENCODINGS = "gzip, deflate"          # what a kiosk browser sends
SKIP_HEADERS = {"date", "server", "content-length", "transfer-encoding", "connection",
                "keep-alive"}
GOALS = {"cached_ratio": 0.80, "cached_p99_ms_at_50": 25.0, "not_modified_ratio": 0.80,
         "refresh_all_ms": 200.0}
SERVERS = ("abfahrt", "bare", "nginx")

# wrk's Lua: count statuses; conditional: If-None-Match with the last ETag received
WRK_LUA = r"""
local etag = nil
c200, c304, cother = 0, 0, 0
function init(args)
  if args[1] ~= nil and args[1] ~= "" then etag = args[1] end
end
function request()
  if etag then
    return wrk.format(nil, nil, {["If-None-Match"] = etag})
  end
  return wrk.format()
end
function response(status, headers, body)
  if status == 200 then c200 = c200 + 1
  elseif status == 304 then c304 = c304 + 1
  else cother = cother + 1 end
  if etag then etag = headers["ETag"] or headers["etag"] or etag end
end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function done(summary, latency, requests)
  local a, b, c = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("c200"); b = b + t:get("c304"); c = c + t:get("cother")
  end
  local e = summary.errors
  io.write(string.format(
    'WRK-JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "s200": %d, "s304": %d, "sother": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, a, b, c, e.connect, e.read, e.write, e.status, e.timeout))
end
"""

NGINX_CONF = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
  server_tokens off;
  etag off;
  if_modified_since off;
  types {{ }}
  client_body_temp_path {tmp}/nginx-body;
  proxy_temp_path {tmp}/nginx-proxy;
  fastcgi_temp_path {tmp}/nginx-fastcgi;
  uwsgi_temp_path {tmp}/nginx-uwsgi;
  scgi_temp_path {tmp}/nginx-scgi;
  server {{
    listen 127.0.0.1:{port};
    root {tmp}/www;
{locations}
  }}
}}
"""


# ---- the bare app (runs in its own process) ------------------------------------------------

def run_bare(port: int, fixture: Path) -> None:
    """Serve each path's recorded bytes and headers; 304 on a matching If-None-Match."""
    from aiohttp import web

    pages: dict[str, dict[str, Any]] = json.loads(fixture.read_text())

    bodies = {path: base64.b64decode(page["body"]) for path, page in pages.items()}
    not_modified = {path: {k: v for k, v in page["headers"].items() if k != "Content-Type"}
                    for path, page in pages.items()}

    async def handle(request: web.Request) -> web.Response:
        path = request.path
        headers = pages[path]["headers"]
        if request.headers.get("If-None-Match") == headers["ETag"]:
            return web.Response(status=304, headers=not_modified[path])
        return web.Response(body=bodies[path], headers=headers)

    app = web.Application()
    for path in pages:
        app.router.add_get(path, handle)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


def nginx_config(tmp: Path, port: int, pages: dict[str, dict[str, Any]]) -> Path:
    """A throwaway nginx serving each page's bytes as a static file with its headers."""
    www = tmp / "www"
    locations = []
    for n, (path, page) in enumerate(pages.items()):
        name = f"page{n}"
        (www / name).parent.mkdir(parents=True, exist_ok=True)
        (www / name).write_bytes(base64.b64decode(page["body"]))
        headers = page["headers"]
        adds = "\n".join(f"      add_header {k} '{_nginx_quote(v)}' always;"
                         for k, v in headers.items() if k.lower() != "content-type")
        locations.append(
            f"    location = {path} {{\n"
            f"      default_type '{_nginx_quote(headers.get('Content-Type', ''))}';\n"
            f"      if ($http_if_none_match = '{_nginx_quote(headers['ETag'])}') "
            f"{{ return 304; }}\n{adds}\n"
            f"      try_files /{name} =404;\n    }}")
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, port=port, locations="\n".join(locations)))
    return conf


def _nginx_quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


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


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of these processes and their live children (/proc/<pid>/stat)."""
    import psutil

    total = 0.0
    for pid in pids:
        try:
            process = psutil.Process(pid)
            for p in [process, *process.children(recursive=True)]:
                times = p.cpu_times()
                total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


# ---- load ----------------------------------------------------------------------------------

@dataclass
class Try:
    rps: float
    p50_ms: float
    p99_ms: float
    cpu_us_per_req: float
    requests: int
    statuses: dict[str, int]
    socket_errors: int


@dataclass
class Run:
    """One server on one case: the median of its tries, with the range."""

    server: str
    path: str
    conditional: bool
    connections: int
    requests: int
    errors: int
    rps: float
    rps_min: float
    rps_max: float
    p50_ms: float
    p99_ms: float
    p99_ms_min: float
    p99_ms_max: float
    server_cpu_us_per_req: float
    cpu_us_min: float
    cpu_us_max: float
    statuses: dict[str, int]
    tries: list[dict[str, Any]] = field(default_factory=list)


def wrk(url: str, etag: str | None, connections: int, duration_s: float, script: Path,
        pids: list[int]) -> Try:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration_s:g}s", "--latency",
               "-H", f"Accept-Encoding: {CLIENT_ENCODINGS}", "-s", str(script), url,
               "--", etag or ""]
    cpu0 = cpu_seconds(pids)
    out = subprocess.run(command, capture_output=True, text=True, check=True,
                         timeout=duration_s + 60).stdout
    cpu1 = cpu_seconds(pids)
    found = re.search(r"^WRK-JSON (.*)$", out, re.M)
    if found is None:
        raise SystemExit(f"wrk printed no result:\n{out}")
    data = json.loads(found.group(1))
    n = data["requests"]
    statuses = {k: v for k, v in (("200", data["s200"]), ("304", data["s304"]),
                                  ("other", data["sother"])) if v}
    socket_errors = sum(data[k] for k in ("connect", "read", "write", "timeout"))
    return Try(rps=n / (data["duration_us"] / 1e6), p50_ms=data["p50_us"] / 1000,
               p99_ms=data["p99_us"] / 1000, cpu_us_per_req=(cpu1 - cpu0) / max(n, 1) * 1e6,
               requests=n, statuses=statuses, socket_errors=socket_errors)


def summarize(server: str, path: str, conditional: bool, connections: int, tries: list[Try]
              ) -> Run:
    def med(values: list[float]) -> float:
        return float(statistics.median(values))

    rps = [t.rps for t in tries]
    p99 = [t.p99_ms for t in tries]
    cpu = [t.cpu_us_per_req for t in tries]
    statuses: dict[str, int] = {}
    for t in tries:
        for k, v in t.statuses.items():
            statuses[k] = statuses.get(k, 0) + v
    return Run(server=server, path=path, conditional=conditional, connections=connections,
               requests=sum(t.requests for t in tries),
               errors=sum(t.socket_errors for t in tries), rps=med(rps), rps_min=min(rps),
               rps_max=max(rps), p50_ms=med([t.p50_ms for t in tries]), p99_ms=med(p99),
               p99_ms_min=min(p99), p99_ms_max=max(p99), server_cpu_us_per_req=med(cpu),
               cpu_us_min=min(cpu), cpu_us_max=max(cpu), statuses=statuses,
               tries=[asdict(t) for t in tries])


def failures(run: Run) -> list[str]:
    """What makes a case fail: a status other than 200 (or 304 when conditional), socket
    errors, or no request at all."""
    allowed = {"200", "304"} if run.conditional else {"200"}
    wrong = {k: v for k, v in run.statuses.items() if k not in allowed}
    out = []
    if wrong:
        out.append(f"unexpected statuses {wrong}")
    if run.errors:
        out.append(f"{run.errors} socket errors")
    if not run.requests:
        out.append("no requests")
    return out


# ---- refresh of every board (in process) ---------------------------------------------------

async def time_refresh(rounds: int = 7) -> dict[str, float]:
    from aiohttp.test_utils import TestServer

    from displays.app import create_app
    from displays.service.config.settings import Settings
    from displays.service.jobs import poll_realtime, refresh_boards
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

@dataclass
class Servers:
    """The three servers under test: name, pids whose CPU counts, base URL."""

    processes: list[subprocess.Popen[bytes]]
    targets: list[tuple[str, list[int], str]]
    pages: dict[str, dict[str, Any]]


def start_servers(tmp: Path, env: dict[str, str]) -> Servers:
    """abfahrt, then (from the pages it serves) the bare app and nginx with the same bytes."""
    port = free_port()
    service = subprocess.Popen(
        [sys.executable, "-m", "displays.cli", "serve", "--port", str(port), "--data-dir",
         str(tmp / "data")], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=open(tmp / "serve.log", "wb"))  # noqa: SIM115 - closed with the process
    servers = Servers([service], [], {})
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/readyz", service)   # 503 until boards can be served
    pages = servers.pages = record_pages(base)
    fixture = tmp / "pages.json"
    fixture.write_text(json.dumps(pages))
    bare_port = free_port()
    bare = subprocess.Popen([sys.executable, __file__, "--bare", str(bare_port), str(fixture)],
                            cwd=ROOT, env=env)
    servers.processes.append(bare)
    bare_base = f"http://127.0.0.1:{bare_port}"
    wait_http(bare_base + TARGETS[0], bare)
    nginx_port = free_port()
    conf = nginx_config(tmp, nginx_port, pages)
    nginx = subprocess.Popen([shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(conf),
                              "-e", str(tmp / "nginx-error.log")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    servers.processes.append(nginx)
    nginx_base = f"http://127.0.0.1:{nginx_port}"
    wait_http(nginx_base + TARGETS[0], nginx)
    for path in TARGETS:       # the baselines serve the very bytes abfahrt served
        recorded = base64.b64decode(pages[path]["body"])
        for server, other in (("bare", bare_base), ("nginx", nginx_base)):
            if _fetch(other + path) != recorded:
                raise SystemExit(f"{server} does not serve abfahrt's bytes at {path}")
    servers.targets = [("abfahrt", [service.pid], base), ("bare", [bare.pid], bare_base),
                       ("nginx", [nginx.pid], nginx_base)]
    return servers


def measure_cases(servers: Servers, connections: list[int], reps: int, duration_s: float,
                  script: Path) -> tuple[list[Run], list[str]]:
    """Every case, the servers interleaved; return the runs and the failed cases."""
    runs: list[Run] = []
    failed: list[str] = []
    for conns in connections:
        for path in TARGETS:
            for conditional in (False, True):
                etag = servers.pages[path]["headers"]["ETag"] if conditional else None
                tries: dict[str, list[Try]] = {name: [] for name, _, _ in servers.targets}
                for _ in range(reps):      # interleaved: drift hits all alike
                    for name, pids, url in servers.targets:
                        tries[name].append(wrk(url + path, etag, conns, duration_s, script,
                                               pids))
                for name, _, _ in servers.targets:
                    run = summarize(name, path, conditional, conns, tries[name])
                    runs.append(run)
                    bad = failures(run)
                    if bad:
                        failed.append(f"{name} {path} {'304' if conditional else '200'} "
                                      f"c={conns}: {'; '.join(bad)}")
                    print(f"  {name:<8} {path:<26} {'304' if conditional else '200':<4}"
                          f"c={conns:<4} {run.rps:>7.0f} [{run.rps_min:.0f}–{run.rps_max:.0f}]"
                          f" req/s  p50 {run.p50_ms:5.2f} ms  p99 {run.p99_ms:6.2f} "
                          f"[{run.p99_ms_min:.2f}–{run.p99_ms_max:.2f}] ms  server CPU "
                          f"{run.server_cpu_us_per_req:4.0f} [{run.cpu_us_min:.0f}–"
                          f"{run.cpu_us_max:.0f}] µs/req  {run.statuses}"
                          f"{' FAILED: ' + '; '.join(bad) if bad else ''}", flush=True)
    return runs, failed


def compare(runs: list[Run]) -> list[dict[str, Any]]:
    """Print and return abfahrt's ratios to the bare app and to nginx, case by case."""
    print("\nabfahrt / bare aiohttp and abfahrt / nginx (medians; per-try ratio range):")
    ratios = []
    for run in (r for r in runs if r.server == "abfahrt"):
        def peer(server: str, run: Run = run) -> Run:
            return next(b for b in runs if b.server == server and b.path == run.path
                        and b.conditional == run.conditional
                        and b.connections == run.connections)

        bare_run, nginx_run = peer("bare"), peer("nginx")
        ratio = run.rps / bare_run.rps
        per_try = [a["rps"] / b["rps"] for a, b in zip(run.tries, bare_run.tries, strict=True)]
        cpu_ratio = run.server_cpu_us_per_req / bare_run.server_cpu_us_per_req
        goal = GOALS["not_modified_ratio" if run.conditional else "cached_ratio"]
        verdicts = [f"throughput {ratio:.2f}x bare [{min(per_try):.2f}–{max(per_try):.2f}] "
                    f"(goal ≥ {goal:.2f}x: {'ok' if ratio >= goal else 'MISSED'})",
                    f"CPU/request {cpu_ratio:.2f}x bare, "
                    f"{run.server_cpu_us_per_req / nginx_run.server_cpu_us_per_req:.1f}x nginx",
                    f"throughput {run.rps / nginx_run.rps:.2f}x nginx"]
        if run.connections == 50 and not run.conditional:
            p99_goal = GOALS["cached_p99_ms_at_50"]
            verdicts.append(f"p99 {run.p99_ms:.1f} ms (goal ≤ {p99_goal:g}: "
                            f"{'ok' if run.p99_ms <= p99_goal else 'MISSED'})")
        print(f"  {run.path:<26} {'304' if run.conditional else '200'} c={run.connections:<4}"
              + "; ".join(verdicts))
        ratios.append({"path": run.path, "conditional": run.conditional,
                       "connections": run.connections, "ratio": ratio,
                       "ratio_min": min(per_try), "ratio_max": max(per_try),
                       "cpu_ratio": cpu_ratio, "goal": goal})
    return ratios


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--bare":
        run_bare(int(sys.argv[2]), Path(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per try")
    parser.add_argument("--reps", type=int, default=3, help="tries per case and server "
                        "(interleaved); the median counts")
    parser.add_argument("--connections", type=int, nargs="+", default=[50])
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--no-refresh", action="store_true",
                        help="skip the in-process refresh timing")
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            raise SystemExit(f"{tool} is not installed (apt-get install wrk nginx-light)")

    import logging
    logging.disable(logging.CRITICAL)
    print(f"abfahrt HTTP benchmark — python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}; load client wrk -t1 (keep-alive, "
          f"Accept-Encoding: gzip), each server in its own process; {args.reps} x "
          f"{args.duration:g} s per case and server, interleaved; median [min–max]")
    tmp = Path(tempfile.mkdtemp(prefix="abfahrt-bench-http-"))
    tmp.chmod(0o755)                # nginx's worker (another user when run as root) reads it
    script = tmp / "count.lua"
    script.write_text(WRK_LUA)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ABFAHRT_")}
    env.update(ABFAHRT_RATE_LIMIT="1000000000", ABFAHRT_CLOCK=BUSY_AT, PYTHONUNBUFFERED="1")
    servers = Servers([], [], {})
    try:
        servers = start_servers(tmp, env)
        runs, failed = measure_cases(servers, args.connections, args.reps, args.duration,
                                     script)
    finally:
        for process in servers.processes:
            stop(process)
    ratios = compare(runs)
    if failed:
        print("\nFAILED cases (answers other than expected):\n  " + "\n  ".join(failed))

    refresh: dict[str, float] = {}
    if not args.no_refresh:
        refresh = asyncio.run(time_refresh())
        ok = refresh["refresh_all_ms_median"] <= GOALS["refresh_all_ms"]
        print(f"\nrefresh of every board of the demo network ({refresh['boards']} boards: "
              f"{refresh['stops']} stops x de/en + {refresh['displays']} displays): median "
              f"{refresh['refresh_all_ms_median']:.1f} ms, max "
              f"{refresh['refresh_all_ms_max']:.1f} ms (goal ≤ {GOALS['refresh_all_ms']:g} "
              f"ms: {'ok' if ok else 'MISSED'}); realtime poll (simulate, encode, parse, "
              f"apply) + refresh median {refresh['poll_and_refresh_ms_median']:.1f} ms")
    if args.json:
        args.json.write_text(json.dumps({"runs": [asdict(r) for r in runs], "ratios": ratios,
                                         "refresh": refresh, "goals": GOALS,
                                         "failed": failed}, indent=1))
    shutil.rmtree(tmp, ignore_errors=True)
    if failed:
        raise SystemExit(1)


def _fetch(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"Accept-Encoding": CLIENT_ENCODINGS})
    with urllib.request.urlopen(request, timeout=5) as response:
        return bytes(response.read())


if __name__ == "__main__":
    main()

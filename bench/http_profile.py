"""Where a cached board's request spends its CPU under load: abfahrt beside a bare aiohttp app.

    python bench/http_profile.py [PATH ...]      (default: /api/v1/displays/hbf-tram)

Needs wrk and py-spy (`pip install py-spy`; it attaches to the servers, which may need
ptrace permission). Starts `abfahrt serve` on the demo (clock fixed at a busy instant, rate
limit lifted) and the bare app of bench/http.py serving the same bytes and headers. For each
path and server: the server's CPU per request under `wrk -t1 -c50` (median of 3 × 6 s tries,
without the profiler), then py-spy samples the serving thread for 10 s under the same load.
Each sample is put in the first step (below) whose pattern matches a frame, from the leaf
upwards; a step's share of the samples × the CPU per request gives its µs per request.
"""

from __future__ import annotations

import sys

if sys.path and sys.path[0] and __file__.startswith(sys.path[0].rstrip("/") + "/"):
    del sys.path[0]             # bench/http.py must not shadow the standard library's http

import importlib.util
import json
import os
import re
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
STEPS = (
    ("handler (the route's own, with the board lookup and web.Response)",
     r"^(display_json|display_page|stop_departures|stop_page|run_bare\.<locals>\.handle) "),
    ("front: the held answer of a display's poll (web.poll_fronts, with web.Response)",
     r"^display_fronts\."),
    ("request metrics (counted by the guard or the front's wrapper)",
     r"^RequestStats\.observe "),
    ("guard, or the front's wrapper: the rest", r"\.(guarded|fronted) $"),
    ("route resolution", r"^UrlDispatcher\.resolve "),
    ("aiohttp Application._handle", r"^Application\._handle "),
    ("socket send", r"^_SelectorSocketTransport\.write "),
    ("response: prepare, headers, write_eof",
     r"^(StreamResponse|Response)\.(prepare|_start|_write_headers|write_eof|_prepare_headers)"
     r"|^StreamWriter\."),
    ("request: read and parse, the Request object",
     r"^(RequestHandler\.data_received|Application\._make_request|BaseRequest\.__init__"
     r"|_SelectorSocketTransport\._read_ready)"),
    ("the request task (RequestHandler.start, _handle_request, finish_response)",
     r"^RequestHandler\."),
    ("event loop (callbacks, tasks)", r"."),
)


def bench_http() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_http", HERE / "http.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_http"] = module
    spec.loader.exec_module(module)
    return module


def steps(raw: Path) -> tuple[int, Counter[str]]:
    """Busy samples of the serving thread (idle waits left out), by step."""
    counts: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        if not line or "_worker (concurrent" in line or "EpollSelector.select" in line:
            continue
        stack, n = line.rsplit(" ", 1)
        frames = [re.sub(r" \(.*", " ", f) for f in stack.split(";")]
        total += int(n)
        for step, pattern in STEPS:
            if any(re.search(pattern, f) for f in reversed(frames)):
                counts[step] += int(n)
                break
    return total, counts


def wrk(url: str, seconds: int) -> subprocess.Popen[str]:
    return subprocess.Popen(["wrk", "-t1", "-c50", f"-d{seconds}s", "-H",
                             "Accept-Encoding: gzip, deflate", url],
                            stdout=subprocess.PIPE, text=True)


def main(paths: list[str]) -> None:
    bh = bench_http()
    tmp = Path(tempfile.mkdtemp(prefix="abfahrt-http-profile-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ABFAHRT_")}
    env.update(ABFAHRT_RATE_LIMIT="1000000000", ABFAHRT_CLOCK=bh.BUSY_AT)
    port, bare_port = bh.free_port(), bh.free_port()
    service = subprocess.Popen(
        [sys.executable, "-m", "displays.cli", "serve", "--port", str(port), "--data-dir",
         str(tmp)], cwd=HERE.parent, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    base, bare_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}"
    bare = None
    try:
        bh.wait_http(base + "/readyz", service, 120)
        bh.TARGETS = tuple(paths)     # the pages record_pages fetches
        (tmp / "pages.json").write_text(json.dumps(bh.record_pages(base)))
        bare = subprocess.Popen([sys.executable, str(HERE / "http.py"), "--bare",
                                 str(bare_port), str(tmp / "pages.json")], env=env)
        bh.wait_http(bare_base + paths[0], bare)
        for path in paths:
            for name, url, pid in (("abfahrt", base, service.pid),
                                   ("bare aiohttp", bare_base, bare.pid)):
                cpu = []
                for _ in range(3):
                    before = bh.cpu_seconds([pid])
                    out = wrk(url + path, 6).communicate()[0]
                    done = re.search(r"(\d+) requests in", out)
                    assert done is not None, out
                    cpu.append((bh.cpu_seconds([pid]) - before) / int(done.group(1)) * 1e6)
                load = wrk(url + path, 14)
                time.sleep(2)
                raw = tmp / f"{pid}-{len(cpu)}.txt"
                subprocess.run(["py-spy", "record", "-p", str(pid), "-r", "400", "-d", "10",
                                "--format", "raw", "-o", str(raw)], capture_output=True,
                               check=True)
                load.communicate()
                per_request = statistics.median(cpu)
                total, counts = steps(raw)
                print(f"{name} {path}: {per_request:.1f} µs CPU per request "
                      f"[{min(cpu):.1f}–{max(cpu):.1f}], {total} busy samples")
                for step, _ in STEPS:
                    share = counts[step] / total if total else 0.0
                    print(f"  {step:<72} {share * 100:5.1f} %  {share * per_request:6.1f} µs")
    finally:
        service.terminate()
        if bare is not None:
            bare.terminate()


if __name__ == "__main__":
    main(sys.argv[1:] or ["/api/v1/displays/hbf-tram"])

"""The first timetable of a start (issue 16, items 2 and 4):

- the HTTP server answers while the first build runs: /readyz 503 "building" with the phase
  and progress, every other route 503 "starting" with Retry-After, /healthz alive;
- the service builds in a child process and opens the cache, so neither a cold nor a cached
  start of `abfahrt serve` loads pandas, gtfs-kit or pyarrow (read from the process's own
  memory map), and `abfahrt departures` from the cache imports none of them either;
- a build's progress reaches the log of the service and the terminal of the CLI.
"""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from displays.app import create_app
from displays.cli.build_progress import AfterQuiet, ProgressBar, cli_progress
from displays.service.static import build as static_build
from feeds import Timetable, load_timetable
from feeds.progress import Progress, ProgressCallback
from tests.faults.harness import ROOT, ServiceProcess, service_env
from tests.instants import suite_settings

FEED = "de-vpe-2025/gtfs.zip"
HEAVY = ("pandas", "gtfs_kit", "pyarrow")


async def test_readyz_says_building_while_the_first_build_runs(
        aiohttp_client: Any, shared_data: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    held = threading.Event()
    reached = threading.Event()
    real_build = static_build.build_timetable_cache

    def held_build(path: Path, cache_dir: Path, *, progress: ProgressCallback,
                   **kwargs: Any) -> Path:
        progress(Progress("open", unit="stop_times.txt"))
        progress(Progress("stop_times", 4_000, 10_957))
        reached.set()
        assert held.wait(30), "the test never let the build go on"
        return real_build(path, cache_dir, progress=progress, **kwargs)

    monkeypatch.setattr(static_build, "build_timetable_cache", held_build)
    feed = shared_data / FEED
    settings = suite_settings(data_dir=tmp_path, feed=str(feed), speech_engine="none")
    client: TestClient[Any, Any] = await aiohttp_client(
        create_app(settings, serve_while_loading=True))
    assert await asyncio.to_thread(reached.wait, 30)
    try:
        ready = await client.get("/readyz")
        assert ready.status == 503 and ready.headers["Retry-After"]
        assert await ready.json() == {"status": "building", "phase": "stop_times",
                                      "done": 4_000, "total": 10_957, "unit": "rows"}
        assert (await client.get("/healthz")).status == 200
        stops = await client.get("/api/v1/stops?q=Pforzheim")
        assert stops.status == 503 and stops.headers["Retry-After"] == "5"
        assert (await stops.json())["error"]["code"] == "unavailable"
        page = await client.get("/")
        assert page.status == 503 and "starting" in await page.text()
    finally:
        held.set()
    for _ in range(300):
        ready = await client.get("/readyz")
        if ready.status == 200:
            break
        assert (await ready.json())["status"] in ("building", "starting")
        await asyncio.sleep(0.05)
    assert ready.status == 200
    stop = load_timetable(feed).stop_id(0)
    answer = await client.get(f"/api/v1/stops/{stop}/departures")
    assert answer.status == 200 and (await answer.json())["stop"]["id"] == stop


def mapped_files(pid: int) -> str:
    return Path(f"/proc/{pid}/maps").read_text()


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="reads /proc/<pid>/maps")
def test_serve_never_loads_the_build_stack_cold_or_cached(shared_data: Path,
                                                          tmp_path: Path) -> None:
    feed = shared_data / FEED
    data = tmp_path / "data"
    logs = {}
    for start in ("cold", "cached"):
        service = ServiceProcess(data, ["--feed", str(feed)])
        service.start(ready_timeout_s=60)
        try:
            assert service.process is not None
            maps = mapped_files(service.process.pid)
            assert "numpy" in maps                      # the check sees extension modules
            for package in ("/pandas/", "/pyarrow/", "libarrow"):
                assert package not in maps, (start, package)
            logs[start] = service.log_path.read_text()
        finally:
            service.stop()
        assert len(list((data / "cache").glob("timetable-*"))) == 1
    # the cold start built (in a child) and logged its phases; the cached one opened the cache
    assert "timetable build: stop_times" in logs["cold"] and "abfahrt serving" in logs["cold"]
    assert "timetable build" not in logs["cached"] and "abfahrt serving" in logs["cached"]


def test_departures_from_the_cache_imports_no_build_stack(shared_data: Path,
                                                          tmp_path: Path) -> None:
    feed = shared_data / FEED
    tt: Timetable = load_timetable(feed)
    stop = tt.stop_id(0)
    script = (
        "import json, sys\n"
        "from displays.cli.main import main\n"
        f"code = main(['departures', '--feed', {str(feed)!r}, '--stop', {stop!r},\n"
        "              '--at', '2025-03-04T08:00:00+01:00', '--json'])\n"
        f"print(json.dumps({{'code': code, 'heavy': [m for m in {HEAVY!r} "
        "if m in sys.modules]}))\n")
    env = service_env(ABFAHRT_CACHE_DIR=str(tmp_path / "cache"))
    outputs = []
    for _ in ("cold", "cached"):
        run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120, check=True)
        document, _, summary = run.stdout.rpartition("}\n{")
        outputs.append((json.loads(document + "}"), json.loads("{" + summary)))
    (cold, cold_run), (cached, cached_run) = outputs
    assert cold == cached and cold["stop"]["id"] == stop
    assert cold_run == {"code": 0, "heavy": []}      # the build ran in a child process
    assert cached_run == {"code": 0, "heavy": []}


def test_the_terminal_shows_a_bar_and_a_log_shows_lines() -> None:
    now = [0.0]
    screen = io.StringIO()
    bar = ProgressBar(screen, clock=lambda: now[0])
    bar(Progress("open", unit="stop_times.txt"))
    bar(Progress("stop_times", 1_000_000, 4_000_000))
    now[0] += 0.01
    bar(Progress("stop_times", 1_100_000, 4_000_000))       # within 0.1 s: not redrawn
    now[0] += 0.5
    bar(Progress("stop_times", 2_000_000, 4_000_000))
    bar(Progress("done"))
    drawn = screen.getvalue().split("\r")[1:]
    assert [d.split(":")[1].split()[0] for d in drawn] == ["open", "stop_times", "stop_times",
                                                           "done"]
    assert "[######..................]  25% 1,000,000 of ~4,000,000 rows" in drawn[1]
    assert "50%" in drawn[2] and screen.getvalue().endswith("\n")

    log = io.StringIO()                  # not a terminal: lines, none for a short build
    quiet = cli_progress(log, quiet_s=1.0)
    assert isinstance(quiet, AfterQuiet)
    quiet.clock = lambda: now[0]
    quiet(Progress("tables"))
    now[0] += 0.5
    quiet(Progress("stop_times", 10, 100))
    assert log.getvalue() == ""
    now[0] += 1.0
    quiet(Progress("stop_times", 50, 100))
    assert log.getvalue() == "abfahrt: timetable build: stop_times 50 of ~100 rows (50%)\n"


def test_a_stop_during_the_first_build_ends_the_build_at_once(shared_data: Path,
                                                              tmp_path: Path) -> None:
    import signal
    import time
    import urllib.request

    import psutil

    service = ServiceProcess(tmp_path / "data", ["--feed", str(shared_data / "hart-2018" /
                                                              "gtfs.zip")])
    assert service.process is None
    service.data_dir.mkdir(parents=True)
    command = [sys.executable, "-m", "displays.cli", "serve", "--host", "127.0.0.1",
               "--port", str(service.port), "--data-dir", str(service.data_dir),
               *service.args]
    with service.log_path.open("ab") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=service_env(), stdout=log,
                                   stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        body: dict[str, Any] = {}
        while time.monotonic() < deadline and body.get("status") != "building":
            try:
                urllib.request.urlopen(service.url + "/readyz", timeout=1)
            except urllib.error.HTTPError as exc:     # 503 while starting
                body = json.loads(exc.read())
            except OSError:
                pass
            time.sleep(0.02)
        assert body.get("status") == "building", body
        children = psutil.Process(process.pid).children(recursive=True)
        assert children, "the build runs in a child process"
        stopped = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
        assert time.monotonic() - stopped < 5
        _, alive = psutil.wait_procs(children, timeout=3)    # the build child was killed
        assert not alive, [(c.pid, c.status()) for c in alive]
        assert not list((service.data_dir / "cache").glob("timetable-*"))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

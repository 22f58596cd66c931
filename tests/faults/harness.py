"""Real processes for the fault, soak and hostile tests (loopback only, every wait bounded).

- `ServiceProcess`: `abfahrt serve` as a child process on a free port, its log in a file.
- `Upstream`: an aiohttp server in its own thread and event loop whose behaviour a test switches
  (`mode`), so it keeps answering while the test blocks or polls the service.
- `DemoRealtime`: valid GTFS-RT bytes for the bundled demo network of today (the same trips the
  service loads when it runs without `--feed`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from displays.demo.network import write_demo_feed
from displays.demo.simulation import simulate_feed
from feeds import Timetable, load_timetable
from realtime.encode import encode_feed_dict
from tests.instants import BERLIN, iso, suite_now
from tests.redis_server import free_port

ROOT = Path(__file__).resolve().parents[2]
HBF = "de:07315:1001"



def service_env(**overrides: str) -> dict[str, str]:
    """The environment of a child service: ours without ABFAHRT_*/REDIS_URL, plus `overrides`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ABFAHRT_") and k != "REDIS_URL"}
    env["PYTHONUNBUFFERED"] = "1"
    env["ABFAHRT_RATE_LIMIT"] = "1000000"    # the fault tests poll hard; 429s are tested apart
    env["ABFAHRT_CLOCK"] = iso(suite_now())  # the suite's hour, not the machine's
    env.update(overrides)
    return env


@dataclass
class ServiceProcess:
    """`abfahrt serve` on 127.0.0.1:<free port> with `--data-dir` in a temporary folder."""

    data_dir: Path
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def log_path(self) -> Path:
        return self.data_dir / f"serve-{self.port}.log"

    def start(self, ready_timeout_s: float = 30.0) -> ServiceProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "displays.cli", "serve", "--host", "127.0.0.1",
                   "--port", str(self.port), "--data-dir", str(self.data_dir), *self.args]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=service_env(**self.env),
                                            stdout=log, stderr=subprocess.STDOUT)
        self.wait_ready(ready_timeout_s)
        return self

    def wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"abfahrt serve exited during start-up:\n{self.log_tail()}")
            try:
                # the server answers at once; /readyz says 200 once boards can be served
                with urllib.request.urlopen(self.url + "/readyz", timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"abfahrt serve not ready within {timeout_s} s:\n{self.log_tail()}")

    def get_json(self, path: str, timeout_s: float = 5.0) -> Any:
        """Blocking GET of a JSON document (for fixtures and set-up, not for the load)."""
        with urllib.request.urlopen(self.url + path, timeout=timeout_s) as response:
            return json.loads(response.read())

    def signal(self, sig: int) -> None:
        assert self.process is not None
        self.process.send_signal(sig)

    def wait(self, timeout_s: float) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout_s)

    def kill(self) -> None:
        """SIGKILL: a crash; the process cannot release its leader lock."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL after 15 s; return the exit code (None if never started)."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.process.returncode

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Upstream:
    """An HTTP server on 127.0.0.1:<free port> in a thread of its own; `routes` maps a path to
    an async handler. Every request is counted per path in `hits`."""

    def __init__(self, routes: dict[str, Handler]) -> None:
        self.port = free_port()
        self.hits: Counter[str] = Counter()
        self._routes = routes
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> Upstream:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._setup(), self._loop).result(timeout=10)
        return self

    async def _setup(self) -> None:
        app = web.Application()
        for path, handler in self._routes.items():
            app.router.add_get(path, self._counted(path, handler))
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    def _counted(self, path: str, handler: Handler) -> Handler:
        async def counted(request: web.Request) -> web.StreamResponse:
            self.hits[path] += 1
            return await handler(request)
        return counted

    def stop(self) -> None:
        if self._runner is not None:
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(self._runner.cleanup(),
                                                 self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self._loop.close()


class DemoRealtime:
    """Valid GTFS-RT for the demo network a service loads on the day of `clock` (header = now);
    the service must run on the same clock (`ABFAHRT_CLOCK`)."""

    def __init__(self, folder: Path, clock: Callable[[], int] = suite_now) -> None:
        self.clock = clock
        self.day: dt.date = dt.datetime.fromtimestamp(clock(), BERLIN).date()
        self.tt_path: Path = write_demo_feed(folder, self.day)
        self.tt: Timetable = load_timetable(self.tt_path)

    def feed(self, now: int | None = None) -> bytes:
        return encode_feed_dict(simulate_feed(self.tt, self.clock() if now is None else now))


async def wait_until(predicate: Callable[[], Awaitable[bool]], timeout_s: float,
                     every_s: float = 0.2) -> bool:
    """Poll `predicate` until it holds or `timeout_s` passed; return whether it held."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await predicate():
            return True
        await asyncio.sleep(every_s)
    return False


@dataclass(frozen=True)
class Poll:
    """One request of a poller: what was asked, when, and what came back."""

    path: str
    started: float                 # time.monotonic()
    elapsed_s: float
    status: int | None             # None: no HTTP answer at all
    error: str | None = None
    body: bytes = b""

    def describe(self) -> str:
        return f"{self.path} -> {self.status or self.error} after {self.elapsed_s:.3f} s"


async def poll(session: Any, base: str, path: str, headers: dict[str, str] | None = None,
               timeout_s: float = 5.0) -> Poll:
    """GET base+path with an aiohttp session; never raises (connection errors are recorded)."""
    import aiohttp

    started = time.monotonic()
    try:
        async with session.get(base + path, headers=headers,
                               timeout=aiohttp.ClientTimeout(total=timeout_s)) as response:
            body = await response.read()
            return Poll(path, started, time.monotonic() - started, response.status, None, body)
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        return Poll(path, started, time.monotonic() - started, None,
                    f"{type(exc).__name__}: {exc}")


class FeedServer:
    """Serves one mutable body at `path` with an ETag and conditional GET (304), as a feed
    publisher's web server does; counts 200s and 304s."""

    def __init__(self, path: str, body: bytes, content_type: str = "application/zip") -> None:
        self.path = path
        self.body = body
        self.status = 200
        self.content_type = content_type
        self.served: Counter[int] = Counter()
        self.server = Upstream({path: self.handle})

    @property
    def url(self) -> str:
        return self.server.url(self.path)

    @property
    def etag(self) -> str:
        import hashlib
        return f'"{hashlib.sha256(self.body).hexdigest()[:16]}"'

    async def handle(self, request: web.Request) -> web.Response:
        if self.status != 200:
            self.served[self.status] += 1
            return web.Response(status=self.status, text="unavailable")
        if request.headers.get("If-None-Match") == self.etag:
            self.served[304] += 1
            return web.Response(status=304, headers={"ETag": self.etag})
        self.served[200] += 1
        return web.Response(body=self.body, content_type=self.content_type,
                            headers={"ETag": self.etag})

    def __enter__(self) -> FeedServer:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()


def create_token(data_dir: Path, role: str = "operator", name: str = "Leitstelle",
                 redis_url: str | None = None) -> str:
    """`abfahrt tokens create` against the store a service on `data_dir` / `redis_url` uses."""
    where = ["--redis", redis_url] if redis_url else ["--data-dir", str(data_dir)]
    done = subprocess.run([sys.executable, "-m", "displays.cli", "tokens", "create", "--name",
                           name, "--role", role, *where], cwd=ROOT, env=service_env(),
                          capture_output=True, text=True, timeout=30, check=True)
    return done.stdout.split()[-1]


def hidden_field(html: str, name: str) -> str:
    """The value of `<input type="hidden" name=NAME value=...>` in a page."""
    import re
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found is not None, f"no hidden field {name!r} in the page"
    return found.group(1)


async def sign_in(session: Any, base: str, token: str, headers: dict[str, str] | None = None
                  ) -> tuple[int, str]:
    """Sign in on the operator page as a browser does (login nonce from the page and its
    cookie); return the status of the POST (303 = signed in) and its body."""
    async with session.get(base + "/operator", headers=headers) as page:
        nonce = hidden_field(await page.text(), "login")
    async with session.post(base + "/operator/login", headers=headers, allow_redirects=False,
                            data={"login": nonce, "token": token, "lang": "de"}) as response:
        return response.status, await response.text()

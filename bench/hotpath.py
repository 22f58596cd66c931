"""What each step of a cached board's request costs, in µs, in process (no sockets).

    python bench/hotpath.py [--n 20000] [--reps 5]

The demo service is started in process (clock fixed at a busy instant, rate limit lifted) and
each step of answering `/api/v1/displays/hbf-tram` and `/displays/hbf-tram` from the cache is
called `--n` times with a request made like aiohttp makes it (`make_mocked_request`, the cost
made once per path); the median of `--reps` repetitions is printed with the range:

- route resolution (`app.router.resolve`), then the route's handler alone, its front alone
  (the held answer of a display's poll, `web.poll_fronts`), and the whole application
  (`Application._handle`: resolve, the front, else the guard and the handler);
- the pieces the middleware and the handler call on every request: metrics, the display's
  contact record, the rate limiter, the security headers;
- a bare aiohttp handler building the same response from bytes held in memory.

What it does not show: aiohttp's HTTP parsing and the socket writes, the same for abfahrt and
the bare app (bench/http.py measures the whole with wrk).
"""

from __future__ import annotations

import sys

if sys.path and sys.path[0] and __file__.startswith(sys.path[0].rstrip("/") + "/"):
    del sys.path[0]             # bench/http.py must not shadow the standard library's http

import argparse
import asyncio
import datetime as dt
import inspect
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BUSY_AT = "2026-03-04T12:00:00+01:00"
PATHS = ("/api/v1/displays/hbf-tram", "/displays/hbf-tram")
ROUTES = dict(zip(PATHS, ("/api/v1/displays/{display_id}", "/displays/{display_id}"), strict=True))
HEADERS = {"Host": "127.0.0.1", "Accept-Encoding": "gzip, deflate", "Connection": "keep-alive"}


class Transport:
    """Just enough of a socket transport for `request.remote`."""

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 40000) if name == "peername" else default

    def is_closing(self) -> bool:
        return False


async def timed(n: int, reps: int, step: Callable[[], Awaitable[Any] | Any]) -> list[float]:
    """µs per call of `step` (awaited when it returns an awaitable), one figure per rep."""
    out = []
    for _ in range(reps):
        started = time.perf_counter()
        for _ in range(n):
            result = step()
            if asyncio.iscoroutine(result):
                await result
        out.append((time.perf_counter() - started) / n * 1e6)
    return out


def show(label: str, values: list[float], minus: list[float] | None = None) -> float:
    """Print the median and range of `values` (less the median of `minus`)."""
    if minus is not None:
        base = statistics.median(minus)
        values = [v - base for v in values]
    median = statistics.median(values)
    print(f"  {label:<58} {median:7.2f} µs [{min(values):.2f}–{max(values):.2f}]")
    return median


async def main(n: int, reps: int) -> None:
    import os

    os.environ["ABFAHRT_RATE_LIMIT"] = "1000000000"
    from aiohttp import web
    from aiohttp.test_utils import TestServer, make_mocked_request

    from displays.app import create_app
    from displays.service.config.displays_file import default_displays_file, load_displays
    from displays.service.config.settings import Settings
    from displays.web.answers import add_security_headers
    from displays.web.appkeys import STARTUP, runtime
    from displays.web.poll_fronts import display_fronts
    from displays.web.rate_limit import RateLimiter

    clock = int(dt.datetime.fromisoformat(BUSY_AT).timestamp())
    with tempfile.TemporaryDirectory(prefix="abfahrt-bench-hotpath-") as tmp:
        settings = Settings(data_dir=Path(tmp), clock_start=clock,
                            rate_limit_per_min=1_000_000_000)
        # the displays read first, as `abfahrt serve` does (their routes then have literal paths)
        server = TestServer(create_app(settings, load_displays(default_displays_file())))
        await server.start_server()
        try:
            app = server.app
            rt = runtime(app)
            transport = Transport()

            def request(path: str, headers: dict[str, str] = HEADERS) -> web.Request:
                return make_mocked_request("GET", path, headers=headers, app=app,
                                           transport=transport)  # type: ignore[arg-type]

            print(f"abfahrt hot path — python {sys.version.split()[0]}, {n} calls x {reps} "
                  f"reps, median [min–max] µs per call")
            for path in PATHS:
                print(f"{path}:")
                plain, conditional = request(path), request(path, {**HEADERS,
                                                                    "If-None-Match": ""})
                response = await app._handle(plain)
                assert response.status == 200, response.status
                conditional = request(path, {**HEADERS, "If-None-Match": response.headers[
                    "ETag"]})
                assert (await app._handle(conditional)).status == 304
                match = await app.router.resolve(plain)
                match.add_app(app)
                match.current_app = app
                # the route's own handler, without the front and guard that wrap it
                handler = inspect.unwrap(match.handler)
                front = display_fronts(app[STARTUP])[ROUTES[path]]

                def alone(req: web.Request = plain, match: Any = match,
                          handler: Any = handler) -> Awaitable[Any]:
                    req._match_info = match
                    return handler(req)

                show("route resolution", await timed(
                    n, reps, lambda req=plain: app.router.resolve(req)))
                show("the route's handler alone (after resolution)", await timed(n, reps, alone))
                show("the route's front alone (the held answer of a poll)",
                     await timed(n, reps, lambda req=plain, front=front: front(req)))
                show("whole application: 200 (resolve, middleware or guard, handler)",
                     await timed(n, reps, lambda req=plain: app._handle(req)))
                show("whole application: 304", await timed(
                    n, reps, lambda req=conditional: app._handle(req)))
                body, headers = response.body, dict(response.headers)

                def bare(body: Any = body, headers: Any = headers) -> web.Response:
                    return web.Response(body=body, headers=headers)

                show("bare handler: web.Response from held bytes and headers",
                     await timed(n, reps, bare))
            print("pieces (called on every request):")
            show("metrics.observe (route, status, duration)",
                 await timed(n, reps, lambda: rt.metrics.observe(
                     "/api/v1/displays/{display_id}", 200, 0.0001, None)))
            show("contacts.polled (the display's poll record)",
                 await timed(n, reps, lambda: rt.contacts.polled("hbf-tram", "127.0.0.1",
                                                                 rt.now())))
            limiter = RateLimiter(1_000_000_000)     # a fresh one, like the middleware's
            show("rate limiter check (API paths only)",
                 await timed(n, reps, lambda: limiter.check("127.0.0.1")))

            def headers_step() -> None:
                add_security_headers(web.Response(content_type="text/html"), False, True)

            empty = await timed(n, reps, lambda: web.Response(content_type="text/html"))
            show("security headers (HTML page)", await timed(n, reps, headers_step), empty)
            show("rt.now()", await timed(n, reps, rt.now))
        finally:
            await server.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    import logging
    logging.disable(logging.CRITICAL)
    asyncio.run(main(args.n, args.reps))

"""SIGTERM under load: requests already sent complete, then the process exits 0 in time."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time

import aiohttp

from tests.faults.conftest import StartService
from tests.faults.harness import HBF, Poll, poll

WORKERS = 40
SHUTDOWN_TIMEOUT_S = 10          # displays.cli.serve: web.run_app(shutdown_timeout=10)
PATHS = ("/displays/hbf-tram", f"/stops/{HBF}.txt", "/api/v1/displays/uni-en",
         # uncached, computed per request: these are the ones most likely in flight
         f"/api/v1/stops/{HBF}/departures?window=240&limit=100&lang=en",
         f"/api/v1/stops/{HBF}/departures?window=180&route=50,51,52")


async def test_sigterm_under_load_completes_inflight_and_exits_zero(
        start_service: StartService) -> None:
    service = start_service()
    signalled_at: list[float] = []
    polls: list[Poll] = []

    async def worker(n: int, session: aiohttp.ClientSession) -> None:
        for i in range(10_000):
            if signalled_at and time.monotonic() > signalled_at[0] + 3:
                return
            p = await poll(session, service.url, PATHS[(n + i) % len(PATHS)])
            polls.append(p)
            if p.status is None and signalled_at:
                return                          # the server is gone: stop this worker

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        workers = [asyncio.create_task(worker(n, session)) for n in range(WORKERS)]
        await asyncio.sleep(2.0)
        signalled_at.append(time.monotonic())
        service.signal(signal.SIGTERM)
        await asyncio.wait_for(asyncio.gather(*workers), timeout=SHUTDOWN_TIMEOUT_S + 5)

    exited_at = time.monotonic()
    try:
        code = await asyncio.to_thread(service.wait, SHUTDOWN_TIMEOUT_S + 2)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"still running {SHUTDOWN_TIMEOUT_S + 2} s after SIGTERM:\n"
                             f"{service.log_tail()}") from None
    assert code == 0, service.log_tail()
    signal_at = signalled_at[0]
    assert time.monotonic() - signal_at < SHUTDOWN_TIMEOUT_S + 2, exited_at
    before = [p for p in polls if p.started < signal_at]
    assert len(before) > 200, len(before)          # it really was under load
    in_flight = [p for p in before if p.started + p.elapsed_s > signal_at]
    assert len(in_flight) >= WORKERS // 2, len(in_flight)   # the signal met busy connections
    broken = [p.describe() for p in before if p.status != 200]
    assert not broken, f"{len(broken)} of {len(before)} requests sent before SIGTERM " \
                       f"({len(in_flight)} in flight) failed: {broken[:5]}"
    errors = [p.describe() for p in polls if p.status is not None and p.status >= 500]
    assert not errors, errors[:5]

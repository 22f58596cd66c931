"""Event-loop lag: how late the loop runs a callback it was asked to run on time.

A task sleeps SAMPLE_S again and again and records by how much each sleep overran. A loop
blocked by CPU work (decoding a feed, rendering) shows it here before riders see slow boards.
/metrics exposes a histogram of the samples (`record`) and the largest lag of the last
minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable

SAMPLE_S = 0.1
WINDOW = 600                     # samples kept for the maximum (a minute)


class LoopLag:
    def __init__(self, record: Callable[[float], None] | None = None) -> None:
        self.record = record         # e.g. the Prometheus histogram's observe
        self.recent: deque[float] = deque(maxlen=WINDOW)
        self._task: asyncio.Task[None] | None = None

    def observe(self, lag_s: float) -> None:
        self.recent.append(lag_s)
        if self.record is not None:
            self.record(lag_s)

    @property
    def max_recent_s(self) -> float:
        """The largest lag of the last minute."""
        return max(self.recent, default=0.0)

    async def run(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(SAMPLE_S)
            self.observe(max(0.0, time.perf_counter() - started - SAMPLE_S))

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

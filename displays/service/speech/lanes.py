"""Who gets the speech engine next: a configured pillar's button before anyone else, and a
bounded queue for the rest.

At most `concurrency` syntheses run at once. Requests wait in two lanes: a pillar's own
readout (priority) is served before every other waiting request, so a flood of readouts for
other stops delays it by one synthesis at most. The ordinary lane holds at most `max_waiting`
requests; one more is refused at once with SpeechBusy (HTTP 503 with Retry-After) instead of
waiting for minutes. The priority lane is bounded too (`max_waiting_priority`): there are only
as many pillars as configured.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class SpeechBusy(RuntimeError):
    """Too many readouts wait for the engine; the message says so, retry in a moment."""


class Lanes:
    def __init__(self, concurrency: int, max_waiting: int, max_waiting_priority: int) -> None:
        self.free = concurrency
        self.bounds = {True: max_waiting_priority, False: max_waiting}
        self.waiting: dict[bool, deque[asyncio.Future[None]]] = {True: deque(), False: deque()}

    def queued(self, priority: bool) -> int:
        return sum(not f.done() for f in self.waiting[priority])

    async def _acquire(self, priority: bool) -> None:
        if self.free > 0 and not (self.queued(True) or self.queued(False)):
            self.free -= 1
            return
        if self.queued(priority) >= self.bounds[priority]:
            raise SpeechBusy(f"{self.queued(priority)} readouts are waiting for the voice")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting[priority].append(future)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():   # handed a slot as it was cancelled
                self._release()
            raise
        finally:
            if future in self.waiting[priority]:
                self.waiting[priority].remove(future)

    def _release(self) -> None:
        for lane in (True, False):            # the pillars' lane first
            while self.waiting[lane]:
                future = self.waiting[lane].popleft()
                if not future.done():
                    future.set_result(None)   # the slot passes straight on
                    return
        self.free += 1

    @asynccontextmanager
    async def slot(self, priority: bool = False) -> AsyncIterator[None]:
        """Hold one synthesis slot (waiting in the lane `priority` picks)."""
        await self._acquire(priority)
        try:
            yield
        finally:
            self._release()

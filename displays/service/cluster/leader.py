"""Leader election on Redis: one instance computes, the others serve.

A `SET key id NX PX ttl` lock, renewed by its holder well before it expires (check-and-extend
in one Lua script); when the leader dies, another instance takes the lock within one TTL.

The lock is taken and renewed by a thread of its own with its own synchronous Redis client, so
an event loop that is busy (a large feed, a burst of requests) can never starve the renewal and
lose the lock. The thread tells the event loop when the role changes.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

import redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class LeaderLock:
    def __init__(self, url: str, key: str, instance_id: str, ttl_s: int) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.key = key
        self.instance_id = instance_id
        self.ttl_ms = ttl_s * 1000
        self.interval_s = max(0.5, ttl_s / 3)
        self.held = False
        self.reachable = True
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def computing(self) -> bool:
        """Whether this instance should compute now.

        Without Redis no lock can be proved and no board shared, so every instance computes
        its own boards (degraded) until Redis answers again; then the lock decides.
        """
        return self.held or not self.reachable

    def tick(self) -> bool:
        """Take or renew the lock (blocking: call it from the lock's thread); return
        `computing`."""
        try:
            if self.held:
                renewed = self.client.eval(_RENEW, 1, self.key, self.instance_id,
                                           str(self.ttl_ms))
                if not renewed:
                    log.warning("instance %s lost the leader lock", self.instance_id)
                    self.held = self._acquire()
            else:
                self.held = self._acquire()
            if not self.reachable:
                log.info("leader lock reachable again")
            self.reachable = True
        except (RedisError, OSError) as exc:
            if self.reachable:
                log.warning("leader lock unavailable, computing locally: %s", exc)
            self.reachable = False
        return self.computing

    def _acquire(self) -> bool:
        got = self.client.set(self.key, self.instance_id, nx=True, px=self.ttl_ms)
        if got:
            log.info("instance %s is now the leader", self.instance_id)
        return bool(got)

    async def start(self, on_change: Callable[[], None]) -> bool:
        """Take the lock once, then keep it in a thread that calls `on_change` on the event
        loop whenever `computing` changes; return `computing`."""
        loop = asyncio.get_running_loop()
        computing = await asyncio.to_thread(self.tick)

        def run() -> None:
            last = computing
            while not self._stop.wait(self.interval_s):
                now = self.tick()
                if now != last:
                    last = now
                    loop.call_soon_threadsafe(on_change)

        self._thread = threading.Thread(target=run, name="abfahrt-leader-lock", daemon=True)
        self._thread.start()
        return computing

    async def release(self) -> None:
        """Stop renewing and give the lock up (another instance takes over at once)."""
        self._stop.set()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 5)

        def give_up() -> None:
            try:
                if self.held:
                    self.client.eval(_RELEASE, 1, self.key, self.instance_id)
            except (RedisError, OSError):
                pass
            finally:
                self.held = False
                self.client.close()

        await asyncio.to_thread(give_up)

"""Leader election on Redis: one instance computes, the others serve.

A `SET key id NX PX ttl` lock, renewed by its holder well before it expires (check-and-extend
in one Lua script); when the leader dies, another instance takes the lock within one TTL.
"""

from __future__ import annotations

import contextlib
import logging

from redis.asyncio import Redis
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
    def __init__(self, redis: Redis, key: str, instance_id: str, ttl_s: int) -> None:
        self.redis = redis
        self.key = key
        self.instance_id = instance_id
        self.ttl_ms = ttl_s * 1000
        self.held = False
        self.unreachable = False     # Redis did not answer the last tick (logged once)

    async def tick(self) -> bool:
        """Take or renew the lock; return whether this instance should compute now.

        Without Redis no lock can be proved and no board shared, so every instance computes
        its own boards (degraded) until Redis answers again; then the lock decides.
        """
        try:
            if self.held:
                renewed = await self.redis.eval(_RENEW, 1, self.key, self.instance_id,
                                                str(self.ttl_ms))
                if not renewed:
                    log.warning("instance %s lost the leader lock", self.instance_id)
                    self.held = await self._acquire()
            else:
                self.held = await self._acquire()
        except (RedisError, OSError) as exc:
            if not self.unreachable:
                log.warning("leader lock unavailable, computing locally: %s", exc)
            self.unreachable = True
            return True
        if self.unreachable:
            log.info("leader lock reachable again; this instance %s it",
                     "holds" if self.held else "does not hold")
        self.unreachable = False
        return self.held

    async def _acquire(self) -> bool:
        got = await self.redis.set(self.key, self.instance_id, nx=True, px=self.ttl_ms)
        if got:
            log.info("instance %s is now the leader", self.instance_id)
        return bool(got)

    async def release(self) -> None:
        if self.held:
            with contextlib.suppress(RedisError, OSError):
                await self.redis.eval(_RELEASE, 1, self.key, self.instance_id)
            self.held = False

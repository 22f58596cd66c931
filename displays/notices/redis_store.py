"""The notice store on Redis (several instances, one Redis): hashes for notices and tokens, a
list for the audit log, all under the deployment's key prefix (displays.service.cluster.keys).

Durable only when Redis persists: run it with `appendonly yes` (README, "Operator notices").
A notice and its audit record are written by one Lua script, which first compares the stored
revision (compare-and-set), so concurrent writers through several instances cannot lose an
update. The store's marker (`store:epoch`) is set once when it is initialised.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from displays.notices.store import Record, RevisionConflict, StoreUnavailable, StoreVersion
from displays.service.cluster.keys import Keys, decode, encode

log = logging.getLogger("abfahrt.notices")

# KEYS: notices hash, audit list, version counter, channel; ARGV: id, record, audit, expected
# revision ("" = the notice must not exist yet). Returns the new version (also published on the
# channel, so the other instances reload at once), or -1 on a revision conflict.
_SAVE_NOTICE = """
local current = redis.call('hget', KEYS[1], ARGV[1])
if ARGV[4] == '' then
  if current then return -1 end
else
  if not current then return -1 end
  local revision = cjson.decode(current)['revision'] or 1
  if tostring(revision) ~= ARGV[4] then return -1 end
end
redis.call('hset', KEYS[1], ARGV[1], ARGV[2])
redis.call('rpush', KEYS[2], ARGV[3])
local version = redis.call('incr', KEYS[3])
redis.call('publish', KEYS[4], version)
return version
"""

# KEYS: the bucket's sorted set (member per event, score = its instant); ARGV: now, window,
# limit ("" = only count), member. Drops events that left the sliding window, counts one more
# when fewer than `limit` remain; returns {counted (0/1), count, seconds until the oldest left}.
_RATE = """
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('zremrangebyscore', KEYS[1], '-inf', now - window)
local count = redis.call('zcard', KEYS[1])
local counted = 0
if ARGV[3] ~= '' and count < tonumber(ARGV[3]) then
  redis.call('zadd', KEYS[1], now, ARGV[4])
  count = count + 1
  counted = 1
end
local left = 0
if count > 0 then
  redis.call('expire', KEYS[1], window + 1)
  local oldest = redis.call('zrange', KEYS[1], 0, 0, 'WITHSCORES')
  left = math.max(1, tonumber(oldest[2]) + window - now)
end
return {counted, count, left}
"""


class RedisStore:
    def __init__(self, redis: Redis, keys: Keys, own_client: bool = False) -> None:
        self.redis = redis
        self.keys = keys
        self.own_client = own_client
        self._save = redis.register_script(_SAVE_NOTICE)
        self._rate = redis.register_script(_RATE)

    async def _call(self, coro: Any) -> Any:
        try:
            return await coro
        except (RedisError, OSError) as exc:
            raise StoreUnavailable(f"redis: {exc}") from exc

    async def check_persistence(self) -> bool:
        """Log a warning when Redis does not write an append-only file (notices would not
        survive a Redis restart). CONFIG may be disabled on managed Redis: then stay quiet."""
        try:
            reply = await self.redis.config_get("appendonly")
        except (RedisError, OSError):
            return True
        values = {(k.decode() if isinstance(k, bytes) else str(k)):
                  (v.decode() if isinstance(v, bytes) else str(v)) for k, v in reply.items()}
        value = values.get("appendonly")
        if value == "yes":
            return True
        log.warning("redis has appendonly=%s: operator notices and tokens are lost when Redis "
                    "restarts; configure 'appendonly yes'", value)
        return False

    async def _table(self, key: str) -> dict[str, Record]:
        raw = await self._call(self.redis.hgetall(key))
        return {(k.decode() if isinstance(k, bytes) else k): decode(v) for k, v in raw.items()}

    async def initialise(self) -> StoreVersion:
        await self._call(self.redis.set(self.keys.store_epoch, secrets.token_hex(8), nx=True))
        return await self.notices_version()

    async def notices_version(self) -> StoreVersion:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.get(self.keys.store_epoch)
            pipe.get(self.keys.notices_version)
            epoch, counter = await self._call(pipe.execute())
        return StoreVersion(epoch.decode() if epoch is not None else None, int(counter or 0))

    async def load_notices(self) -> dict[str, Record]:
        return await self._table(self.keys.notices)

    async def get_notice(self, notice_id: str) -> Record | None:
        raw = await self._call(self.redis.hget(self.keys.notices, notice_id))
        return decode(raw) if raw is not None else None

    async def save_notice(self, record: Record, audit: Record,
                          expected_revision: int | None) -> None:
        expected = "" if expected_revision is None else str(expected_revision)
        result = await self._call(self._save(
            keys=[self.keys.notices, self.keys.audit, self.keys.notices_version,
                  self.keys.notices_channel],
            args=[record["id"], encode(record), encode(audit), expected]))
        if int(result) < 0:
            raise RevisionConflict(record["id"])

    async def load_tokens(self) -> dict[str, Record]:
        return await self._table(self.keys.tokens)

    async def get_token(self, token_id: str) -> Record | None:
        raw = await self._call(self.redis.hget(self.keys.tokens, token_id))
        return decode(raw) if raw is not None else None

    async def save_token(self, record: Record, audit: Record) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self.keys.tokens, record["id"], encode(record))
            pipe.rpush(self.keys.audit, encode(audit))
            await self._call(pipe.execute())

    async def load_audit(self) -> list[Record]:
        raw = await self._call(self.redis.lrange(self.keys.audit, 0, -1))
        return [decode(item) for item in raw]

    async def get_session(self, session_id: str) -> Record | None:
        raw = await self._call(self.redis.get(self.keys.session(session_id)))
        return decode(raw) if raw is not None else None

    async def save_session(self, session_id: str, data: Record, ttl_s: int) -> None:
        await self._call(self.redis.set(self.keys.session(session_id), encode(data), ex=ttl_s))

    async def delete_session(self, session_id: str) -> None:
        await self._call(self.redis.delete(self.keys.session(session_id)))

    async def _rate_call(self, bucket: str, window_s: int, limit: int | None, now: int
                         ) -> tuple[bool, int, int]:
        counted, count, left = await self._call(self._rate(
            keys=[self.keys.rate(f"{bucket}:sliding")],
            args=[now, window_s, "" if limit is None else limit,
                  f"{now}:{secrets.token_hex(6)}"]))
        return bool(counted), int(count), int(left)

    async def hit(self, bucket: str, window_s: int, limit: int, now: int) -> tuple[bool, int]:
        counted, _, left = await self._rate_call(bucket, window_s, limit, now)
        return counted, left

    async def count(self, bucket: str, window_s: int, now: int) -> tuple[int, int]:
        _, count, left = await self._rate_call(bucket, window_s, None, now)
        return count, left

    async def close(self) -> None:
        if self.own_client:
            await self.redis.aclose()

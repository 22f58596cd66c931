"""Open the notice store the settings name: Redis when a URL is given, else files."""

from __future__ import annotations

from pathlib import Path

from redis.asyncio import Redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from displays.notices.file_store import FileStore
from displays.notices.redis_store import RedisStore
from displays.notices.store import NoticeStore
from displays.service.cluster.keys import Keys


def open_store(folder: Path, redis_url: str | None, redis_prefix: str) -> NoticeStore:
    """The store the settings name: Redis when a URL is given, else files in `folder`."""
    if not redis_url:
        return FileStore(folder)
    client = Redis.from_url(redis_url, socket_timeout=2.0, socket_connect_timeout=2.0,
                            retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=2))
    return RedisStore(client, Keys(redis_prefix), own_client=True)

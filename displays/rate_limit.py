"""Per-client token buckets for read endpoints: an abusive client gets 429 with Retry-After.

Configured displays (/displays/...) are never limited: a pillar must keep polling while someone
hammers the API. In process per instance; cheap enough for every request.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass


@dataclass
class Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """`rate_per_min` requests per minute per key, with a burst of a quarter of that."""

    def __init__(self, rate_per_min: int, max_keys: int = 50_000) -> None:
        self.rate = rate_per_min / 60.0
        self.burst = max(10.0, rate_per_min / 4)
        self.max_keys = max_keys
        self.buckets: dict[str, Bucket] = {}

    def check(self, key: str, now: float | None = None) -> float:
        """Take a token for `key`; return 0 when allowed, else seconds until one is free."""
        now = time.monotonic() if now is None else now
        bucket = self.buckets.get(key)
        if bucket is None:
            if len(self.buckets) >= self.max_keys:
                self.buckets.clear()      # bounded memory under a flood of addresses
            bucket = self.buckets[key] = Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate


def retry_after(wait_s: float) -> str:
    return str(max(1, math.ceil(wait_s)))

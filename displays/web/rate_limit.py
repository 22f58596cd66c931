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
                self._evict(now)
            bucket = self.buckets[key] = Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        self.buckets[key] = self.buckets.pop(key)     # most recently seen last
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate


    def _evict(self, now: float) -> None:
        """Bounded memory under a flood of addresses: forget full buckets first, then the
        oldest half — never everyone at once, so a flood cannot reset an abuser's bucket."""
        full_after = self.burst / self.rate
        for key in [k for k, b in self.buckets.items() if now - b.updated >= full_after]:
            del self.buckets[key]
        if len(self.buckets) >= self.max_keys:
            for key in list(self.buckets)[: self.max_keys // 2]:
                del self.buckets[key]


def retry_after(wait_s: float) -> str:
    return str(max(1, math.ceil(wait_s)))

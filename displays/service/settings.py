"""One typed settings object, from command-line arguments and environment variables.

Parsed once at start-up and passed down; nothing else reads os.environ. Errors name the key.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


class SettingsError(ValueError):
    """A setting has a value that cannot work; the message names it."""


@dataclass(frozen=True)
class Settings:
    feed: str | None = None                   # path or URL; None = the bundled demo network
    realtime: tuple[str, ...] = ()            # GTFS-RT URLs or paths; () = simulated demo realtime
    redis_url: str | None = None              # None = in-process cache, single instance
    redis_prefix: str = "abfahrt:"
    host: str = "127.0.0.1"
    port: int = 8080
    displays_file: Path | None = None
    data_dir: Path = field(default_factory=lambda: Path("data"))
    realtime_interval_s: int = 20
    static_interval_s: int = 3600
    max_age_s: int = 300                      # realtime older than this is stale
    window_min: int = 60
    max_window_min: int = 240
    default_limit: int = 100                  # departures of a request without `limit`
    max_limit: int = 300                      # the most departures one request may ask for
    countdown_horizon_min: int = 20           # beyond it a board shows the clock time
    recent_stop_ttl_s: int = 600              # stops asked for within this are kept fresh
    max_recent_stops: int = 500               # at most this many of them (most recent first)
    display_offline_after_s: int = 300
    leader_ttl_s: int = 15
    fetch_timeout_s: float = 10.0
    max_feed_bytes: int = 50 * 1024 * 1024
    cors_origins: tuple[str, ...] = ("*",)
    rate_limit_per_min: int = 600             # per client address, read endpoints
    trusted_proxies: tuple[str, ...] = ()     # reverse proxies whose X-Forwarded-For is believed
    write_rate_limit_per_min: int = 30        # per token, notice writes
    clock_start: int | None = None            # pretend it is this instant at start (demo, tests)
    build_memory_mb: int = 4096               # address-space limit of a static build's process
    max_clock_skew_s: int = 60                # a realtime header further ahead is rejected

    @property
    def demo(self) -> bool:
        return self.feed is None

    @property
    def simulate_realtime(self) -> bool:
        return self.demo and not self.realtime

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"


def _float(env: Mapping[str, str], key: str, default: float, low: float, high: float) -> float:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{key}={raw!r} is not a number") from None
    if not low <= value <= high:
        raise SettingsError(f"{key}={value} must be between {low} and {high}")
    return value


def _int(env: Mapping[str, str], key: str, default: int, low: int = 1, high: int = 10**9) -> int:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{key}={raw!r} is not a whole number") from None
    if not low <= value <= high:
        raise SettingsError(f"{key}={value} must be between {low} and {high}")
    return value


def _instant(env: Mapping[str, str], key: str) -> int | None:
    raw = env.get(key)
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise SettingsError(f"{key}={raw!r} is not an ISO 8601 date-time") from None
    if value.tzinfo is None:
        raise SettingsError(f"{key}={raw!r} needs a UTC offset (e.g. +01:00)")
    return int(value.timestamp())


def load_settings(env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Return Settings from environment variables, with explicit (CLI) overrides winning."""
    env = os.environ if env is None else env
    realtime_env = tuple(u for u in (env.get("ABFAHRT_REALTIME") or "").split() if u)
    values: dict[str, object] = {
        "feed": env.get("ABFAHRT_FEED") or None,
        "realtime": realtime_env,
        "redis_url": env.get("REDIS_URL") or None,
        "redis_prefix": env.get("ABFAHRT_REDIS_PREFIX") or "abfahrt:",
        "host": env.get("ABFAHRT_HOST") or "127.0.0.1",
        "port": _int(env, "ABFAHRT_PORT", 8080, 0, 65535),
        "displays_file": Path(env["ABFAHRT_DISPLAYS"]) if env.get("ABFAHRT_DISPLAYS") else None,
        "data_dir": Path(env.get("ABFAHRT_DATA_DIR") or "data"),
        "realtime_interval_s": _int(env, "ABFAHRT_REALTIME_INTERVAL", 20, 1, 3600),
        "static_interval_s": _int(env, "ABFAHRT_STATIC_INTERVAL", 3600, 1, 7 * 86400),
        "max_age_s": _int(env, "ABFAHRT_MAX_AGE", 300, 1, 86400),
        "leader_ttl_s": _int(env, "ABFAHRT_LEADER_TTL", 15, 2, 3600),
        "rate_limit_per_min": _int(env, "ABFAHRT_RATE_LIMIT", 600, 1),
        "trusted_proxies": tuple(p.strip() for p in
                                 (env.get("ABFAHRT_TRUSTED_PROXIES") or "").split(",")
                                 if p.strip()),
        "fetch_timeout_s": _float(env, "ABFAHRT_FETCH_TIMEOUT", 10.0, 0.5, 300.0),
        "max_feed_bytes": _int(env, "ABFAHRT_MAX_FEED_BYTES", 50 * 1024 * 1024, 1024),
        "countdown_horizon_min": _int(env, "ABFAHRT_COUNTDOWN_HORIZON", 20, 0, 240),
        "display_offline_after_s": _int(env, "ABFAHRT_DISPLAY_OFFLINE_AFTER", 300, 2),
        "default_limit": _int(env, "ABFAHRT_DEFAULT_LIMIT", 100, 1, 10_000),
        "max_limit": _int(env, "ABFAHRT_MAX_LIMIT", 300, 1, 10_000),
        "clock_start": _instant(env, "ABFAHRT_CLOCK"),
        "build_memory_mb": _int(env, "ABFAHRT_BUILD_MEMORY_MB", 4096, 256, 1 << 20),
        "write_rate_limit_per_min": _int(env, "ABFAHRT_WRITE_RATE_LIMIT", 30, 1),
        "max_clock_skew_s": _int(env, "ABFAHRT_MAX_CLOCK_SKEW", 60, 0, 86400),
    }
    for key, value in overrides.items():
        if value is None or value == () or value == []:
            continue
        if key not in Settings.__dataclass_fields__:
            raise SettingsError(f"unknown setting {key!r}")
        values[key] = tuple(value) if isinstance(value, list) else value
    settings = Settings(**values)  # type: ignore[arg-type]
    if settings.default_limit > settings.max_limit:
        raise SettingsError(f"ABFAHRT_DEFAULT_LIMIT={settings.default_limit} is above "
                            f"ABFAHRT_MAX_LIMIT={settings.max_limit}")
    return settings

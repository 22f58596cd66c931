"""One typed settings object, from command-line arguments and environment variables.

Parsed once at start-up and passed down; nothing else reads os.environ for the service's
settings. Validated with pydantic: every bad value and every unknown `ABFAHRT_*` variable is
reported at once, each naming the variable, its value and what is allowed.

To add a setting: a field of `Settings` (type, bounds, default) and one row in `ENV`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping
from dataclasses import field, fields
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, FilePath, TypeAdapter, ValidationError
from pydantic.dataclasses import dataclass

from displays.service.config.errors import ConfigError, Location, did_you_mean, format_errors
from feeds.region import Region, RegionError, parse_region
from realtime.instances import DEFAULT_MAX_DELAY_S

Seconds = Annotated[int, Field(ge=1)]


class SettingsError(ConfigError):
    """Settings that cannot work; every problem names its variable or option."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("settings", problems)


def default_data_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where notices, tokens, downloaded feeds and caches live unless ABFAHRT_DATA_DIR says.

    systemd's StateDirectory= (`$STATE_DIRECTORY`, e.g. /var/lib/abfahrt), else the user's
    data folder (`$XDG_DATA_HOME/abfahrt`, by default ~/.local/share/abfahrt) — never the
    current folder, so `abfahrt tokens create` finds the service's store from anywhere.
    """
    env = os.environ if env is None else env
    state = (env.get("STATE_DIRECTORY") or "").split(":")[0]
    if state:
        return Path(state)
    base = env.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "abfahrt"


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class Settings:
    feed: str | None = None                   # path or URL; None = the bundled demo network
    region: str | None = None                 # the part of the feed served (feeds.region syntax)
    realtime: tuple[str, ...] = ()            # GTFS-RT URLs or paths; () = simulated demo realtime
    redis_url: str | None = None              # None = in-process cache, single instance
    redis_prefix: Annotated[str, Field(min_length=1, max_length=64)] = "abfahrt:"
    host: Annotated[str, Field(min_length=1)] = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 8080
    displays_file: Path | None = None
    data_dir: Path = field(default_factory=default_data_dir)
    realtime_interval_s: Annotated[int, Field(ge=1, le=3600)] = 20
    static_interval_s: Annotated[int, Field(ge=1, le=7 * 86400)] = 3600
    max_age_s: Annotated[int, Field(ge=1, le=86400)] = 300    # realtime older is stale
    # a trip update more than this late, or for a run that ended this long ago, is refused
    max_delay_s: Annotated[int, Field(ge=600, le=86400)] = DEFAULT_MAX_DELAY_S
    window_min: Annotated[int, Field(ge=1, le=1440)] = 60
    max_window_min: Annotated[int, Field(ge=1, le=1440)] = 240
    default_limit: Annotated[int, Field(ge=1, le=10_000)] = 100   # rows without `limit`
    max_limit: Annotated[int, Field(ge=1, le=10_000)] = 300       # the most one request gets
    countdown_horizon_min: Annotated[int, Field(ge=0, le=240)] = 20   # then the clock time
    recent_stop_ttl_s: Seconds = 600          # stops asked for within this are kept fresh
    max_recent_stops: Annotated[int, Field(ge=0)] = 500   # at most this many (most recent)
    display_offline_after_s: Annotated[int, Field(ge=2)] = 300
    leader_ttl_s: Annotated[int, Field(ge=2, le=3600)] = 15
    fetch_timeout_s: Annotated[float, Field(ge=0.5, le=300.0)] = 10.0
    max_feed_bytes: Annotated[int, Field(ge=1024)] = 50 * 1024 * 1024
    cors_origins: tuple[str, ...] = ("*",)
    rate_limit_per_min: Annotated[int, Field(ge=1)] = 600     # per client address, the API
    trusted_proxies: tuple[str, ...] = ()     # reverse proxies whose X-Forwarded-For is believed
    write_rate_limit_per_min: Annotated[int, Field(ge=1)] = 30    # per token, notice writes
    clock_start: int | None = None            # pretend it is this instant at start (demo, tests)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["auto", "text", "json"] = "auto"   # auto: text on a terminal, else JSON
    default_lang: Literal["de", "en"] = "de"  # pillar pages without a display language / ?lang=
    abbreviations_file: FilePath | None = None    # a city's screen abbreviations (over ours)
    lexicon_file: FilePath | None = None          # a city's pronunciation lexicon (over ours)
    speech_engine: Literal["espeak-ng", "piper", "none"] = "espeak-ng"
    piper_voices: tuple[tuple[Literal["de", "en"], FilePath], ...] = ()   # Piper voice files
    speech_concurrency: Annotated[int, Field(ge=1, le=16)] = 1    # syntheses at once
    build_memory_mb: Annotated[int, Field(ge=256, le=1 << 20)] = 8192  # a build's address space
    max_clock_skew_s: Annotated[int, Field(ge=0, le=86400)] = 60      # realtime header ahead
    # realtime feeds of at least this many bytes are resolved in a child process (-1: never)
    realtime_process_min_bytes: Annotated[int, Field(ge=-1)] = 256 * 1024

    @property
    def demo(self) -> bool:
        return self.feed is None

    @property
    def simulate_realtime(self) -> bool:
        return self.demo and not self.realtime

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def region_filter(self) -> Region | None:
        """The parsed region (checked by `load_settings`); None serves the whole feed."""
        return parse_region(self.region) if self.region is not None else None


def _words(raw: str) -> tuple[str, ...]:
    return tuple(raw.split())


def _commas(raw: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in raw.split(",") if p.strip())


def _instant(raw: str) -> int:
    try:
        value = dt.datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("must be an ISO 8601 date-time") from None
    if value.tzinfo is None:
        raise ValueError("needs a UTC offset (e.g. +01:00)")
    return int(value.timestamp())


def _voices(raw: str) -> tuple[tuple[str, str], ...]:
    """"de=/voices/de.onnx en=/voices/en.onnx" -> (("de", "/voices/de.onnx"), ("en", …))."""
    voices = []
    for item in raw.split():
        lang, sep, path = item.partition("=")
        if not sep or not path:
            raise ValueError(f"{item!r} must be LANG=FILE")
        voices.append((lang, path))
    return tuple(voices)


def _lower(raw: str) -> str:
    return raw.strip().lower()


# The one list of environment variables: name -> (Settings field, how to read the text).
ENV: dict[str, tuple[str, Callable[[str], Any] | None]] = {
    "ABFAHRT_FEED": ("feed", None),
    "ABFAHRT_REGION": ("region", None),
    "ABFAHRT_REALTIME": ("realtime", _words),
    "REDIS_URL": ("redis_url", None),
    "ABFAHRT_REDIS_PREFIX": ("redis_prefix", None),
    "ABFAHRT_HOST": ("host", None),
    "ABFAHRT_PORT": ("port", None),
    "ABFAHRT_DISPLAYS": ("displays_file", None),
    "ABFAHRT_DATA_DIR": ("data_dir", None),
    "ABFAHRT_REALTIME_INTERVAL": ("realtime_interval_s", None),
    "ABFAHRT_STATIC_INTERVAL": ("static_interval_s", None),
    "ABFAHRT_MAX_AGE": ("max_age_s", None),
    "ABFAHRT_MAX_DELAY": ("max_delay_s", None),
    "ABFAHRT_LEADER_TTL": ("leader_ttl_s", None),
    "ABFAHRT_RATE_LIMIT": ("rate_limit_per_min", None),
    "ABFAHRT_TRUSTED_PROXIES": ("trusted_proxies", _commas),
    "ABFAHRT_FETCH_TIMEOUT": ("fetch_timeout_s", None),
    "ABFAHRT_MAX_FEED_BYTES": ("max_feed_bytes", None),
    "ABFAHRT_COUNTDOWN_HORIZON": ("countdown_horizon_min", None),
    "ABFAHRT_DISPLAY_OFFLINE_AFTER": ("display_offline_after_s", None),
    "ABFAHRT_DEFAULT_LIMIT": ("default_limit", None),
    "ABFAHRT_MAX_LIMIT": ("max_limit", None),
    "ABFAHRT_CLOCK": ("clock_start", _instant),
    "ABFAHRT_LOG_LEVEL": ("log_level", _lower),
    "ABFAHRT_LOG_FORMAT": ("log_format", _lower),
    "ABFAHRT_DEFAULT_LANG": ("default_lang", _lower),
    "ABFAHRT_ABBREVIATIONS": ("abbreviations_file", None),
    "ABFAHRT_LEXICON": ("lexicon_file", None),
    "ABFAHRT_SPEECH": ("speech_engine", _lower),
    "ABFAHRT_PIPER_VOICES": ("piper_voices", _voices),
    "ABFAHRT_SPEECH_CONCURRENCY": ("speech_concurrency", None),
    "ABFAHRT_BUILD_MEMORY_MB": ("build_memory_mb", None),
    "ABFAHRT_WRITE_RATE_LIMIT": ("write_rate_limit_per_min", None),
    "ABFAHRT_MAX_CLOCK_SKEW": ("max_clock_skew_s", None),
    "ABFAHRT_REALTIME_PROCESS_MIN_BYTES": ("realtime_process_min_bytes", None),
}
# ABFAHRT_* variables read elsewhere (not service settings): not "unknown".
OTHER_ENV = frozenset({"ABFAHRT_CACHE_DIR", "ABFAHRT_TEST_AT", "ABFAHRT_SHARED_DATA"})
_ADAPTER = TypeAdapter(Settings)


def _from_environment(env: Mapping[str, str], values: dict[str, object],
                      origin: dict[str, str]) -> list[str]:
    """Read every known variable into `values`; return the problems (unknown ones too)."""
    problems = [f"{key}: unknown setting{did_you_mean(key, ENV)}"
                for key in sorted(env) if key.startswith("ABFAHRT_")
                and key not in ENV and key not in OTHER_ENV]
    for key, (name, read) in ENV.items():
        raw = env.get(key)
        if raw is None or raw == "":
            continue
        origin[name] = f"{key}={raw!r}"
        try:
            values[name] = read(raw) if read else raw
        except ValueError as exc:
            problems.append(f"{key}={raw!r}: {exc}")
    return problems


def load_settings(env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Return Settings from environment variables, with explicit (CLI) overrides winning.

    Raise SettingsError listing every problem: bad values, unknown ABFAHRT_* variables.
    """
    env = os.environ if env is None else env
    values: dict[str, object] = {}
    origin: dict[str, str] = {}
    problems = _from_environment(env, values, origin)
    known = {f.name for f in fields(Settings)}
    for name, value in overrides.items():
        if value is None or value == () or value == []:
            continue
        if name not in known:
            problems.append(f"{name}: unknown setting{did_you_mean(name, known)}")
            continue
        values[name] = tuple(value) if isinstance(value, list) else value
        origin[name] = f"--{name.replace('_', '-')} {value!r}"
    values.setdefault("data_dir", default_data_dir(env))
    try:
        settings = _ADAPTER.validate_python(values)
    except ValidationError as exc:
        def where(loc: Location) -> str:
            return origin.get(str(loc[0]), str(loc[0]))
        problems += format_errors(exc, where, lambda _: known, with_value=False)
        raise SettingsError(problems) from None
    if settings.default_limit > settings.max_limit:
        problems.append(f"ABFAHRT_DEFAULT_LIMIT={settings.default_limit} is above "
                        f"ABFAHRT_MAX_LIMIT={settings.max_limit}")
    if settings.region is not None:
        try:
            parse_region(settings.region)
        except RegionError as exc:
            problems.append(f"{origin.get('region', 'region')}: {exc}")
    if problems:
        raise SettingsError(problems)
    return settings

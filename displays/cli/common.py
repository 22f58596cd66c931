"""What every subcommand shares: the one-line usage error, the parser class that raises it,
the cache folder, opening a timetable named on the command line, and the instant `--at`."""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path
from typing import NoReturn
from zoneinfo import ZoneInfo

from displays.service.static_fetch import download_to_cache
from displays.web.params import ParamError, parse_instant
from feeds import FeedError, Timetable, load_timetable

MAX_WINDOW_MIN = 24 * 60


class UsageError(Exception):
    """A bad argument: reported in one line, exit code 2."""


class CommandParser(argparse.ArgumentParser):
    """An argument parser whose errors are UsageErrors (one line, exit code 2)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def default_cache_dir() -> Path:
    base = os.environ.get("ABFAHRT_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "abfahrt")
    return Path(base)


def open_timetable(source: str, cache: bool = True) -> Timetable:
    """Load the feed named on the command line (a path or an http(s) URL)."""
    try:
        if source.startswith(("http://", "https://")):
            path = download_to_cache(source, default_cache_dir())
        else:
            path = Path(source)
        return load_timetable(path, default_cache_dir() if cache else None)
    except FeedError as exc:
        raise UsageError(f"cannot load feed {source}: {exc}") from exc


def parse_at(text: str | None, zone: ZoneInfo) -> int:
    """Return the epoch of an ISO 8601 instant (default now); without offset: agency time."""
    if text is None:
        return int(dt.datetime.now(dt.UTC).timestamp())
    try:
        return parse_instant(text, zone)
    except ParamError as exc:
        raise UsageError(f"--{exc}") from exc


def positive(name: str, upper: int) -> type:
    """An argparse type: a whole number from 1 to `upper`."""
    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number") from None
        if not 1 <= value <= upper:
            raise argparse.ArgumentTypeError(f"{name} must be between 1 and {upper}")
        return value
    return convert  # type: ignore[return-value]

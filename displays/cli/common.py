"""What every subcommand shares: the one-line usage error, the parser class that raises it,
the cache folder, `--region`, opening a timetable named on the command line, and the instant
`--at`."""

from __future__ import annotations

import argparse
import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn
from zoneinfo import ZoneInfo

from displays.cli.build_progress import cli_progress
from displays.service.static.fetch import download_to_cache
from displays.web.params import ParamError, parse_instant
from feeds import (
    FeedBuildFailed,
    FeedError,
    Region,
    RegionError,
    Timetable,
    build_timetable_cache,
    load_timetable,
    open_cached_timetable,
    parse_region,
)

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


def cli_region(text: str | None) -> Region | None:
    """The `--region` of a command (None: the whole feed); a bad one is a UsageError."""
    if text is None:
        return None
    try:
        return parse_region(text)
    except RegionError as exc:
        raise UsageError(f"--region {exc}") from None


def open_timetable(source: str, region: Region | None = None) -> Timetable:
    """Open the feed named on the command line (a path or an http(s) URL), cut to `region`.

    From the cache when it was built before (memory-mapped; pandas, gtfs-kit and pyarrow are
    not imported); else built in a child process into the cache, its progress on stderr.
    """
    cache_dir = default_cache_dir()
    try:
        if source.startswith(("http://", "https://")):
            path = download_to_cache(source, cache_dir)
        else:
            path = Path(source)
        if path.is_dir():           # a folder of .txt files (small feeds, tests): no cache
            return load_timetable(path, region=region, progress=cli_progress())
        cached = open_cached_timetable(path, cache_dir, region)
        if cached is not None:
            return cached
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
        except OSError:             # no cache folder: build in this process, keep nothing
            return load_timetable(path, region=region, progress=cli_progress())
        build_timetable_cache(path, cache_dir, region=region, progress=cli_progress(),
                              reuse=False)
        built = open_cached_timetable(path, cache_dir, region)
        if built is None:
            raise FeedBuildFailed("the build finished but left no usable cache in "
                                  f"{cache_dir}")
        return built
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


def add_region_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--region", help="only this part of the feed: a box lat_min,lon_min,"
                                         "lat_max,lon_max and/or stop-id prefixes such as "
                                         "de:07315, separated by ';'")


def positive(name: str, upper: int) -> Callable[[str], int]:
    """An argparse type: a whole number from 1 to `upper`."""
    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number") from None
        if not 1 <= value <= upper:
            raise argparse.ArgumentTypeError(f"{name} must be between 1 and {upper}")
        return value
    return convert

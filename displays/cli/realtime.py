"""CLI glue for GTFS-RT: `departures --realtime FILE_OR_URL ...` and `rt-info`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any
from zoneinfo import ZoneInfo

from displays.board.document import iso
from displays.cli.common import (
    UsageError,
    add_region_argument,
    cli_region,
    open_timetable,
    parse_at,
    positive,
)
from displays.service.live.health import matched_share, realtime_hint
from feeds import Timetable
from realtime.errors import RealtimeError
from realtime.fetch import load_source
from realtime.instances import DEFAULT_MAX_DELAY_S
from realtime.parse import parse_feed
from realtime.records import RealtimeFeed
from realtime.state import RealtimeState

UTC = ZoneInfo("UTC")


def read_realtime(source: str) -> RealtimeFeed:
    """Return the decoded feed at a path or URL; bad input becomes a one-line UsageError."""
    try:
        return parse_feed(asyncio.run(load_source(source)))
    except RealtimeError as exc:
        raise UsageError(f"realtime feed {source}: {exc}") from exc


def source_name(feed: RealtimeFeed, path: str) -> str:
    """Name a feed by what it carries ("trip_update", "alert", "trip_update+alert", …).

    Snapshots of one feed (the same kinds of entity) are one source, so giving a series of
    files keeps the newest header, as a poller would; a feed with no entities stands alone.
    """
    kinds = [kind for kind, n in feed.entity_counts if n and kind in
             ("trip_update", "vehicle", "alert")]
    return "+".join(kinds) if kinds else path


def load_realtime_state(tt: Timetable, sources: list[str], now: int | None = None,
                        max_delay_s: int = DEFAULT_MAX_DELAY_S
                        ) -> tuple[RealtimeState, list[tuple[str, str]]]:
    """Return the state after applying each file or URL in the order given, and the sources
    that could not be read (source, why) — ignored, like the service ignores a bad fetch.

    Raise UsageError when not one of them can be read."""
    state = RealtimeState()
    ignored: list[tuple[str, str]] = []
    for path in sources:
        try:
            feed = read_realtime(path)
        except UsageError as exc:
            ignored.append((path, str(exc.__cause__ or exc)))
            continue
        state = state.apply(source_name(feed, path), feed, tt, now=now,
                            max_delay_s=max_delay_s)
    if sources and len(ignored) == len(sources):
        path, why = ignored[0]
        raise UsageError(f"realtime feed {path}: {why}")
    return state, ignored


def cmd_rt_info(args: argparse.Namespace) -> int:
    """Print a feed's header and entity counts; with --feed, how its trip updates matched."""
    feed = read_realtime(args.source)
    tt = open_timetable(args.feed, cli_region(args.region)) if args.feed else None
    zone = tt.zone if tt is not None else UTC
    header = feed.header
    info: dict[str, Any] = {
        "source": args.source,
        "header": {"gtfs_realtime_version": header.version,
                   "incrementality": str(header.incrementality),
                   "timestamp": iso(header.timestamp, zone),
                   "feed_version": header.feed_version},
        "entities": dict(feed.entity_counts),
    }
    if tt is not None:
        now = parse_at(args.at, tt.zone) if args.at else None
        stats = RealtimeState().apply(args.source, feed, tt, now=now,
                                      max_delay_s=args.max_delay).feed(args.source).stats
        info["merge"] = stats.as_dict()
        info["matched_share"] = matched_share(stats)
        info["hint"] = realtime_hint(tt, stats, header.timestamp)
    if args.json:
        json.dump(info, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    print(f"{args.source}")
    print(f"  header: version {header.version}, {header.incrementality}, "
          f"timestamp {info['header']['timestamp']}"
          + (f", feed_version {header.feed_version}" if header.feed_version else ""))
    print("  entities: " + ", ".join(f"{k} {v}" for k, v in feed.entity_counts if v))
    if "merge" in info:
        m = info["merge"]
        tu = m["trip_updates"]
        share = info["matched_share"]
        print(f"  trip updates matched: {tu['matched']}/{tu['total']}"
              + (f" ({share:.0%})" if share is not None else ""))
        for reason, n in tu["rejected"].items():
            print(f"    rejected {reason}: {n}")
        for reason, n in m["stop_time_updates_dropped"].items():
            print(f"    stop_time_updates dropped {reason}: {n}")
        v = m["vehicles"]
        if v["total"]:
            print(f"  vehicles matched: {v['matched']}/{v['total']}")
            for reason, n in v["rejected"].items():
                print(f"    rejected {reason}: {n}")
        if m["alerts"]:
            print(f"  alerts: {m['alerts']}")
        if m["note"]:
            print(f"  note: {m['note']}")
        if info["hint"]:
            print(f"  hint: {info['hint']}")
    return 0


def add_max_delay_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-delay", type=positive("--max-delay", 86_400), default=DEFAULT_MAX_DELAY_S,
        help="seconds: a trip update more than this late, or for a run that ended this long "
             f"before the header time, is refused (default {DEFAULT_MAX_DELAY_S})")


def add_rt_info_parser(sub: Any) -> None:
    info = sub.add_parser("rt-info", help="header, entity counts and match statistics of a "
                                          "GTFS-RT feed")
    info.add_argument("source", help="GTFS-RT file or http(s) URL")
    info.add_argument("--feed", help="static GTFS zip to match the trip updates against")
    add_region_argument(info)
    info.add_argument("--at", help="ISO 8601 instant used as 'now' (default: the header time)")
    add_max_delay_argument(info)
    info.add_argument("--json", action="store_true")
    info.set_defaults(func=cmd_rt_info)

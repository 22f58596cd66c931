"""`abfahrt feed-info`: agencies, counts, calendar and exclusions of a static feed."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

from displays.cli.common import add_region_argument, cli_region, open_timetable, parse_at
from displays.service.static.validity import validity_status, validity_text
from feeds.validity import feed_validity


def cmd_feed_info(args: argparse.Namespace) -> int:
    tt = open_timetable(args.feed, cli_region(args.region))
    span = tt.calendar_range()
    today = dt.datetime.fromtimestamp(parse_at(args.at, tt.zone), tt.zone).date()
    validity = feed_validity(tt, today)
    counts: dict[str, object] = {
        "rows_read": tt.source_counts,
        "stops": len(tt.stop_ids), "routes": len(tt.routes), "trips": len(tt.trip_ids),
        "stop_times": len(tt.st_trip), "frequencies": len(tt.freq_trip),
        "departures_indexed": len(tt.ix_dep),
    }
    info = {
        "feed_hash": tt.feed_hash,
        "feed_version": tt.feed_version,
        "timezone": tt.timezone,
        "region": tt.region,
        "agencies": [{"id": a.id, "name": a.name, "timezone": a.timezone} for a in tt.agencies],
        "counts": counts,
        "calendar": {"first": span[0].isoformat(), "last": span[1].isoformat()} if span else None,
        "validity": validity_status(validity),
        "excluded": {str(k): v for k, v in sorted(tt.excluded.items())},
        "notes": list(tt.notes),
    }
    if args.json:
        json.dump(info, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    print(f"Feed {tt.feed_hash[:12]} (version {tt.feed_version or '–'}), {tt.timezone}")
    print(f"  region: {tt.region or 'the whole feed'}")
    for a in tt.agencies:
        print(f"  agency {a.id or '–'}: {a.name}")
    for key, value in counts.items():
        print(f"  {key}: {value}")
    print(f"  calendar: {span[0]} … {span[1]}" if span else "  calendar: no active day")
    print(f"  on {today}: {validity_text(validity)}")
    if tt.excluded:
        print("  excluded:")
        for reason, n in sorted(tt.excluded.items()):
            print(f"    {reason}: {n}")
    else:
        print("  excluded: nothing")
    for note in tt.notes:
        print(f"  note: {note}")
    return 0


def add_parser(sub: Any) -> None:
    info = sub.add_parser("feed-info", help="agencies, counts, calendar, exclusions of a feed")
    info.add_argument("feed")
    info.add_argument("--at", help="ISO 8601 instant whose day the validity is judged for "
                                   "(default: now)")
    add_region_argument(info)
    info.add_argument("--json", action="store_true")
    info.set_defaults(func=cmd_feed_info)

"""`abfahrt departures`: the departures contract document (`--json`) or a terminal board."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any
from zoneinfo import ZoneInfo

from displays.board.document import board_document
from displays.board.model import Board, build_board
from displays.board.wording import clock, countdown, label
from displays.cli.common import (
    MAX_WINDOW_MIN,
    UsageError,
    add_region_argument,
    cli_region,
    open_timetable,
    parse_at,
    positive,
)
from displays.cli.realtime import load_realtime_state


def cmd_departures(args: argparse.Namespace) -> int:
    tt = open_timetable(args.feed, cli_region(args.region))
    stop = tt.find_stop(args.stop)
    if stop < 0:
        raise UsageError(f"unknown stop {args.stop!r} in feed {args.feed}")
    at = parse_at(args.at, tt.zone)
    state, ignored = load_realtime_state(tt, list(args.realtime)) if args.realtime \
        else (None, [])
    for path, why in ignored:
        print(f"abfahrt: warning: realtime feed {path} ignored: {why}", file=sys.stderr)
    board = build_board(tt, stop, at, args.window * 60, args.limit, realtime=state,
                        max_age_s=args.max_age, lang=args.lang)
    if args.json:
        document = board_document(board)
        if ignored:
            document["realtime"]["errors"] = [{"source": p, "error": e} for p, e in ignored]
        json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    print(render_terminal_board(board, args.lang))
    return 0


def render_terminal_board(board: Board, lang: str) -> str:
    zone = ZoneInfo(board.timezone)
    lines = [f"{board.stop_name} — {clock(board.at, zone)}"]
    header = (f"{label(lang, 'line'):<6} {label(lang, 'destination'):<32} "
              f"{label(lang, 'departure'):>8} {'':>10} {label(lang, 'platform'):<6}")
    lines += [header, "-" * len(header)]
    for dep in board.departures:
        when = clock(dep.scheduled, zone)
        if dep.status == "cancelled":
            rel = label(lang, "cancelled")
        elif dep.status == "skipped":
            rel = label(lang, "skipped")
        else:
            rel = countdown(dep.effective, board.at, zone, lang, horizon_min=10**6)
            if dep.delay_s:
                when += f" {dep.delay_s // 60:+d}"
        name = dep.route.short_name or dep.route.long_name or dep.route.id
        lines.append(f"{name[:6]:<6} {(dep.headsign or '')[:32]:<32} {when:>8} {rel:>10} "
                     f"{dep.platform or '':<6}")
    if not board.departures:
        lines.append(label(lang, "no_departures"))
    if board.timetable is not None and board.timetable.status != "valid":
        lines.append(label(lang, f"timetable_{board.timetable.status}"))
    if board.realtime_status != "live":
        lines.append(label(lang, "schedule_only", time=clock(board.at, zone)))
    return "\n".join(lines)


def add_parser(sub: Any) -> None:
    dep = sub.add_parser("departures", help="departures of a stop at an instant")
    dep.add_argument("--feed", required=True, help="GTFS zip: path or http(s) URL")
    dep.add_argument("--realtime", action="append", default=[],
                     help="GTFS-RT file or URL (repeatable: trip updates, alerts, vehicles)")
    add_region_argument(dep)
    dep.add_argument("--stop", required=True, help="stop_id (a station lists its platforms)")
    dep.add_argument("--at", help="ISO 8601 instant (default: now)")
    dep.add_argument("--window", type=positive("--window", MAX_WINDOW_MIN), default=60,
                     help="minutes (default 60)")
    dep.add_argument("--limit", type=positive("--limit", 10_000), default=None)
    dep.add_argument("--max-age", type=positive("--max-age", 86_400 * 365), default=300,
                     help="seconds after which realtime counts as stale (default 300)")
    dep.add_argument("--lang", choices=("de", "en"), default="de")
    dep.add_argument("--json", action="store_true", help="print the contract JSON document")
    dep.set_defaults(func=cmd_departures)

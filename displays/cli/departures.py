"""`abfahrt departures`: the departures contract document (`--json`) or a terminal board."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from displays.board.build import build_board
from displays.board.document import board_document
from displays.board.message import whole_text
from displays.board.model import Board
from displays.board.pillar import build_pillar
from displays.board.wording import clock, label
from displays.cli.common import (
    MAX_WINDOW_MIN,
    UsageError,
    add_region_argument,
    cli_region,
    open_timetable,
    parse_at,
    positive,
)
from displays.cli.realtime import add_max_delay_argument, load_realtime_state
from displays.service.live.health import implausible_hint

TERMINAL_HORIZON_MIN = 24 * 60     # a terminal board counts down every departure it lists
MAX_LINE_NAME = 20                 # a line name longer than this is cut ("…")


def cmd_departures(args: argparse.Namespace) -> int:
    tt = open_timetable(args.feed, cli_region(args.region))
    stop = tt.find_stop(args.stop)
    if stop < 0:
        raise UsageError(f"unknown stop {args.stop!r} in feed {args.feed}")
    at = parse_at(args.at, tt.zone)
    state, ignored = load_realtime_state(tt, list(args.realtime), max_delay_s=args.max_delay) \
        if args.realtime else (None, [])
    for path, why in ignored:
        print(f"abfahrt: warning: realtime feed {path} ignored: {why}", file=sys.stderr)
    for feed in state.feeds if state is not None else ():
        hint = implausible_hint(feed.stats)
        if hint is not None:
            print(f"abfahrt: warning: realtime {feed.source}: {hint}", file=sys.stderr)
    board = build_board(tt, stop, at, args.window * 60, args.limit, realtime=state,
                        max_age_s=args.max_age, lang=args.lang,
                        horizon_min=TERMINAL_HORIZON_MIN)
    board = replace(board, realtime_errors=tuple(ignored))
    if args.json:
        json.dump(board_document(board), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    print(render_terminal_board(board, args.lang))
    return 0


def cell(text: str, width: int) -> str:
    """`text` in a column of `width` characters, cut with "…" when longer."""
    return text if len(text) <= width else text[: width - 1] + "…"


def render_terminal_board(board: Board, lang: str) -> str:
    """The board for a terminal: the status line, a row per departure (scheduled time with its
    delay, the countdown or what happened), then every alert in words."""
    zone = ZoneInfo(board.timezone)
    pillar = build_pillar(board, lang)
    lines = [f"{board.stop_name} — {clock(board.at, zone)}", pillar.status_line]
    line_w = min(max((len(r.line) for r in pillar.rows), default=0), MAX_LINE_NAME)
    line_w = max(line_w, len(label(lang, "line")), 4)
    header = (f"{label(lang, 'line'):<{line_w}} {label(lang, 'destination'):<32} "
              f"{label(lang, 'departure'):>9} {'':>10} {label(lang, 'platform'):<6}")
    lines += [header, "-" * len(header)]
    for row in pillar.rows:
        when = row.scheduled + (f" {row.delay}" if row.delay else "")
        lines.append(f"{cell(row.line, line_w):<{line_w}} {cell(row.full_destination, 32):<32} "
                     f"{when:>9} {cell(row.when_text, 10):>10} {row.platform or ''}".rstrip())
    if not pillar.rows:
        lines.append(label(lang, "no_departures"))
    for alert in board.alerts:
        words = alert.words(lang)
        text = whole_text(words.header or "", words.description, ": ") if words.header \
            else words.description
        if text:
            lines.append(f"! {text}")
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
    add_max_delay_argument(dep)
    dep.add_argument("--lang", choices=("de", "en"), default="de")
    dep.add_argument("--json", action="store_true", help="print the contract JSON document")
    dep.set_defaults(func=cmd_departures)

"""The `abfahrt` command: departures, feed-info, rt-info, serve, tokens."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn
from zoneinfo import ZoneInfo

from displays.board import Board, build_board
from displays.document import board_document
from displays.params import ParamError, parse_instant
from displays.wording import clock, countdown, label
from feeds import FeedError, Timetable, load_timetable

MAX_WINDOW_MIN = 24 * 60


class UsageError(Exception):
    """A bad argument: reported in one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
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
            from displays.static_fetch import download_to_cache
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


def _positive(name: str, upper: int) -> type:
    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number") from None
        if not 1 <= value <= upper:
            raise argparse.ArgumentTypeError(f"{name} must be between 1 and {upper}")
        return value
    return convert  # type: ignore[return-value]


def cmd_departures(args: argparse.Namespace) -> int:
    tt = open_timetable(args.feed)
    stop = tt.find_stop(args.stop)
    if stop < 0:
        raise UsageError(f"unknown stop {args.stop!r} in feed {args.feed}")
    at = parse_at(args.at, tt.zone)
    state = None
    if args.realtime:
        from displays.realtime_cli import load_realtime_state
        state = load_realtime_state(tt, list(args.realtime))
    board = build_board(tt, stop, at, args.window * 60, args.limit, realtime=state,
                        max_age_s=args.max_age, lang=args.lang)
    if args.json:
        json.dump(board_document(board), sys.stdout, ensure_ascii=False, indent=2)
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
    if board.realtime_status != "live":
        lines.append(label(lang, "schedule_only", time=clock(board.at, zone)))
    return "\n".join(lines)


def cmd_feed_info(args: argparse.Namespace) -> int:
    tt = open_timetable(args.feed)
    span = tt.calendar_range()
    info = {
        "feed_hash": tt.feed_hash,
        "feed_version": tt.feed_version,
        "timezone": tt.timezone,
        "agencies": [{"id": a.id, "name": a.name, "timezone": a.timezone} for a in tt.agencies],
        "counts": {
            "rows_read": tt.source_counts,
            "stops": len(tt.stop_ids), "routes": len(tt.routes), "trips": len(tt.trip_ids),
            "stop_times": len(tt.st_trip), "frequencies": len(tt.freq_trip),
            "departures_indexed": len(tt.ix_dep),
        },
        "calendar": {"first": span[0].isoformat(), "last": span[1].isoformat()} if span else None,
        "excluded": {str(k): v for k, v in sorted(tt.excluded.items())},
        "notes": list(tt.notes),
    }
    if args.json:
        json.dump(info, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    print(f"Feed {tt.feed_hash[:12]} (version {tt.feed_version or '–'}), {tt.timezone}")
    for a in tt.agencies:
        print(f"  agency {a.id or '–'}: {a.name}")
    for key, value in info["counts"].items():  # type: ignore[union-attr]
        print(f"  {key}: {value}")
    print(f"  calendar: {span[0]} … {span[1]}" if span else "  calendar: no active day")
    if tt.excluded:
        print("  excluded:")
        for reason, n in sorted(tt.excluded.items()):
            print(f"    {reason}: {n}")
    else:
        print("  excluded: nothing")
    for note in tt.notes:
        print(f"  note: {note}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from displays.serve import serve
    return serve(args)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="abfahrt", description="Departures for Mainz stops (GTFS + GTFS-RT).")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    dep = sub.add_parser("departures", help="departures of a stop at an instant")
    dep.add_argument("--feed", required=True, help="GTFS zip: path or http(s) URL")
    dep.add_argument("--realtime", action="append", default=[],
                     help="GTFS-RT file or URL (repeatable: trip updates, alerts, vehicles)")
    dep.add_argument("--stop", required=True, help="stop_id (a station lists its platforms)")
    dep.add_argument("--at", help="ISO 8601 instant (default: now)")
    dep.add_argument("--window", type=_positive("--window", MAX_WINDOW_MIN), default=60,
                     help="minutes (default 60)")
    dep.add_argument("--limit", type=_positive("--limit", 10_000), default=None)
    dep.add_argument("--max-age", type=_positive("--max-age", 86_400 * 365), default=300,
                     help="seconds after which realtime counts as stale (default 300)")
    dep.add_argument("--lang", choices=("de", "en"), default="de")
    dep.add_argument("--json", action="store_true", help="print the contract JSON document")
    dep.set_defaults(func=cmd_departures)

    info = sub.add_parser("feed-info", help="agencies, counts, calendar, exclusions of a feed")
    info.add_argument("feed")
    info.add_argument("--json", action="store_true")
    info.set_defaults(func=cmd_feed_info)

    from displays.realtime_cli import add_rt_info_parser
    add_rt_info_parser(sub)

    serve = sub.add_parser("serve", help="run the HTTP service (no arguments: the Mainz demo)")
    serve.add_argument("--feed", help="GTFS zip path or URL [ABFAHRT_FEED]")
    serve.add_argument("--realtime", action="append", default=[],
                       help="GTFS-RT URL or path, repeatable [ABFAHRT_REALTIME, space-separated]")
    serve.add_argument("--redis", help="Redis URL; none = in-process cache [REDIS_URL]")
    serve.add_argument("--host", help="bind address (default 127.0.0.1) [ABFAHRT_HOST]")
    serve.add_argument("--port", type=int, help="port (default 8080) [ABFAHRT_PORT]")
    serve.add_argument("--displays", help="displays file (TOML) [ABFAHRT_DISPLAYS]")
    serve.add_argument("--data-dir", help="data folder (default ./data) [ABFAHRT_DATA_DIR]")
    serve.set_defaults(func=cmd_serve)

    # operator notices: `abfahrt tokens create|list|revoke` (displays/notices/cli.py)
    from displays.notices.cli import add_tokens_parser
    add_tokens_parser(sub, _Parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return int(args.func(args))
    except UsageError as exc:
        print(f"abfahrt: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())

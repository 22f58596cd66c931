"""The `abfahrt` command: one parser, a subcommand per module, usage errors as one line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from displays.cli import departures, feed_info, realtime, serve, tokens
from displays.cli.common import CommandParser, UsageError


def installed_version() -> str:
    """The installed package's version (pyproject.toml), or a note when running uninstalled."""
    try:
        return version("abfahrt")
    except PackageNotFoundError:
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(prog="abfahrt",
                           description="Departures for Mainz stops (GTFS + GTFS-RT).")
    parser.add_argument("--version", action="version",
                        version=f"abfahrt {installed_version()} (EUPL-1.2)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=CommandParser)
    departures.add_parser(sub)
    feed_info.add_parser(sub)
    realtime.add_rt_info_parser(sub)
    serve.add_parser(sub)
    tokens.add_tokens_parser(sub, CommandParser)
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

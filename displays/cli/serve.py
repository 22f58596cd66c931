"""`abfahrt serve`: settings from arguments and environment, logging, graceful shutdown."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

from aiohttp import web

from displays.app import create_app
from displays.service.settings import SettingsError, load_settings
from feeds import FeedError


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + "Z",
                 "level": record.levelname.lower(), "logger": record.name,
                 "message": record.getMessage()}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLogFormatter())
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(
            feed=args.feed, realtime=args.realtime, redis_url=args.redis, host=args.host,
            port=args.port, displays_file=Path(args.displays) if args.displays else None,
            data_dir=Path(args.data_dir) if args.data_dir else None)
    except SettingsError as exc:
        print(f"abfahrt: error: {exc}", file=sys.stderr)
        return 2
    setup_logging()
    # The event loop shares the interpreter with one worker thread that decodes realtime and
    # computes boards: with a 1 ms switch interval (default 5 ms) the loop gets the GIL back
    # within a millisecond, which keeps board latency low while a large feed is applied.
    sys.setswitchinterval(0.001)
    if settings.demo:
        logging.getLogger("abfahrt").info(
            "no --feed given: serving the bundled DEMO network (invented data) on "
            "http://%s:%d/", settings.host, settings.port)
    # aiohttp handles SIGTERM/SIGINT: stops accepting, lets in-flight requests finish
    # (shutdown_timeout), then runs the cleanup contexts.
    try:
        web.run_app(create_app(settings), host=settings.host, port=settings.port,
                    shutdown_timeout=10, access_log=None, print=None)
    except FeedError as exc:         # nothing to serve: no timetable could be had
        logging.getLogger("abfahrt").critical("cannot start: %s", exc)
        print(f"abfahrt: error: {exc}", file=sys.stderr)
        return 1
    return 0


def add_parser(sub: Any) -> None:
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

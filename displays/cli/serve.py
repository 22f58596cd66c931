"""`abfahrt serve`: settings from arguments and environment, checks, logging, graceful shutdown.

Everything that can be checked before the feed is loaded is checked first, and every problem
is reported at once as one message (exit code 2, no traceback): settings, the displays file,
missing feed or realtime files, the data folder, the port. What needs the feed (an unreachable
feed URL, a broken zip, display stops the timetable lacks) ends start-up the same way.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
from pathlib import Path
from typing import Any

from aiohttp import web

from displays.app import StartupError, create_app
from displays.board.display import Display
from displays.cli.common import UsageError
from displays.cli.log_format import setup_logging
from displays.service.config.displays_file import default_displays_file, load_displays
from displays.service.config.errors import ConfigError
from displays.service.config.settings import Settings, load_settings
from displays.web.appkeys import STARTUP

log = logging.getLogger("abfahrt")


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def preflight(settings: Settings) -> dict[str, Display]:
    """Check what can be checked before the feed loads; return the displays.

    Raise UsageError listing every problem.
    """
    problems: list[str] = []
    if settings.feed is not None and not is_url(settings.feed) \
            and not Path(settings.feed).is_file():
        problems.append(f"feed {settings.feed}: no such file (--feed / ABFAHRT_FEED)")
    problems += [f"realtime source {source}: no such file (--realtime / ABFAHRT_REALTIME)"
                 for source in settings.realtime
                 if not is_url(source) and not Path(source).is_file()]
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        problems.append(f"data folder {settings.data_dir}: cannot be created: "
                        f"{exc.strerror or exc} (--data-dir / ABFAHRT_DATA_DIR)")
    displays: dict[str, Display] = {}
    path = settings.displays_file or (default_displays_file() if settings.demo else None)
    if path is not None:
        try:
            displays = load_displays(path)
        except ConfigError as exc:
            problems.append(str(exc))
    if problems:
        raise UsageError(problems[0] if len(problems) == 1 else
                         f"{len(problems)} problems:\n  " + "\n  ".join(problems))
    return displays


def listen(host: str, port: int) -> socket.socket:
    """Return a listening socket on host:port, or raise UsageError in one line."""
    try:
        family, _, _, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
        return socket.create_server(address, family=family, backlog=512)
    except OSError as exc:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        raise UsageError(f"cannot listen on {host}:{port}: {reason} (is another server "
                         f"running there? choose another --port / ABFAHRT_PORT)") from None


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(
            feed=args.feed, region=args.region, realtime=args.realtime, redis_url=args.redis,
            host=args.host, port=args.port,
            displays_file=Path(args.displays) if args.displays else None,
            data_dir=Path(args.data_dir) if args.data_dir else None,
            log_level=args.log_level, log_format=args.log_format)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    setup_logging(settings.log_level, settings.log_format)
    # The event loop shares the interpreter with one worker thread that decodes realtime and
    # computes boards: with a 1 ms switch interval (default 5 ms) the loop gets the GIL back
    # within a millisecond, which keeps board latency low while a large feed is applied.
    sys.setswitchinterval(0.001)
    displays = preflight(settings)
    sock = listen(settings.host, settings.port)
    host, port = sock.getsockname()[:2]
    if settings.demo:
        log.info("no --feed given: serving the bundled DEMO network (invented data)")
    if (region := settings.region_filter) is not None:
        log.info("serving the region %s of the feed", region.key)
    log.info("listening on http://%s:%d/ (data folder %s)", host, port, settings.data_dir)
    # The server answers at once; the first timetable opens (or builds) in the background,
    # with /readyz saying "building" and the phase until boards can be served.
    app = create_app(settings, displays, serve_while_loading=True)
    try:
        # aiohttp handles SIGTERM/SIGINT: stops accepting, lets in-flight requests finish
        # (shutdown_timeout), then runs the cleanup contexts.
        web.run_app(app, sock=sock, shutdown_timeout=10, access_log=None, print=None)
    except StartupError as exc:
        raise UsageError(str(exc)) from None
    finally:
        sock.close()
    if (failed := app[STARTUP].error) is not None:
        raise UsageError(failed)
    return 0


def add_parser(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run the HTTP service (no arguments: the Mainz demo)")
    serve.add_argument("--feed", help="GTFS zip path or URL [ABFAHRT_FEED]")
    serve.add_argument("--region", help="serve only this part of the feed: a box "
                                        "lat_min,lon_min,lat_max,lon_max and/or stop-id "
                                        "prefixes such as de:07315, separated by ';' "
                                        "[ABFAHRT_REGION]")
    serve.add_argument("--realtime", action="append", default=[],
                       help="GTFS-RT URL or path, repeatable [ABFAHRT_REALTIME, space-separated]")
    serve.add_argument("--redis", help="Redis URL; none = in-process cache [REDIS_URL]")
    serve.add_argument("--host", help="bind address (default 127.0.0.1) [ABFAHRT_HOST]")
    serve.add_argument("--port", type=int, help="port (default 8080) [ABFAHRT_PORT]")
    serve.add_argument("--displays", help="displays file (TOML) [ABFAHRT_DISPLAYS]")
    serve.add_argument("--data-dir", help="data folder (default $STATE_DIRECTORY, else "
                                          "~/.local/share/abfahrt) [ABFAHRT_DATA_DIR]")
    serve.add_argument("--log-level", choices=("debug", "info", "warning", "error"),
                       help="default info [ABFAHRT_LOG_LEVEL]")
    serve.add_argument("--log-format", choices=("auto", "text", "json"),
                       help="auto (default): text on a terminal, else JSON [ABFAHRT_LOG_FORMAT]")
    serve.set_defaults(func=cmd_serve)

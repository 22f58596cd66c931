"""How the service logs: readable lines on a terminal, one JSON object per line otherwise.

`--log-level` / ABFAHRT_LOG_LEVEL picks the level; `--log-format` / ABFAHRT_LOG_FORMAT picks
text or JSON (auto: text when stderr is a terminal, JSON under systemd, in a container, in a
file). Time in ISO 8601 with offset (local on a terminal, UTC in JSON).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import TextIO

from aiohttp.http_exceptions import HttpProcessingError

QUIET_LOGGERS = {"aiohttp.access": logging.WARNING, "apscheduler": logging.WARNING}


def _instant(record: logging.LogRecord, zone: dt.tzinfo | None) -> str:
    """The record's time in `zone` (None: the machine's local zone), ISO 8601 with offset."""
    moment = dt.datetime.fromtimestamp(record.created, dt.UTC).astimezone(zone)
    return moment.isoformat(timespec="seconds")


class ClientMistakes(logging.Filter):
    """aiohttp logs a client's malformed request (a bad header, a line too long) as an error
    with a traceback; it is the client's mistake, answered with 400: one info line instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError) and 400 <= (exc.code or 500) < 500:
            peer = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
            record.msg, record.args = "bad request from %s: %s", (peer, exc.message)
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.INFO, "INFO"
            return logging.getLogger().isEnabledFor(logging.INFO)
        return True


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": _instant(record, dt.UTC), "level": record.levelname.lower(),
                 "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class TextLogFormatter(logging.Formatter):
    """`2026-03-04T12:00:01+01:00 WARNING abfahrt.realtime: source … stale`."""

    def format(self, record: logging.LogRecord) -> str:
        line = (f"{_instant(record, None)} {record.levelname:<7} {record.name}: "
                f"{record.getMessage()}")
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def setup_logging(level: str = "info", form: str = "auto", stream: TextIO | None = None
                  ) -> None:
    """Log to `stream` (stderr) at `level` in `form` (auto | text | json)."""
    stream = stream or sys.stderr
    if form == "auto":
        form = "text" if stream.isatty() else "json"
    handler = logging.StreamHandler(stream)
    handler.setFormatter(TextLogFormatter() if form == "text" else JsonLogFormatter())
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    for name, quiet in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(max(quiet, logging.getLogger().level))
    server = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, ClientMistakes) for f in server.filters):
        server.addFilter(ClientMistakes())

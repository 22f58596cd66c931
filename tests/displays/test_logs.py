"""Logs people can read: text on a terminal, JSON otherwise; the periodic refresh at debug;
state changes once per transition; no traceback for a client's malformed request."""

from __future__ import annotations

import io
import json
import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from displays.cli.log_format import setup_logging
from displays.service.jobs import refresh_boards
from displays.web.appkeys import runtime
from tests.faults.harness import ServiceProcess

Client = TestClient[Any, Any]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("restore_logging")
def test_text_on_a_terminal_json_otherwise_at_the_chosen_level() -> None:
    terminal, pipe = Terminal(), io.StringIO()
    setup_logging("info", "auto", terminal)
    logging.getLogger("abfahrt.test").info("realtime source %s is live", "tu")
    logging.getLogger("abfahrt.test").debug("not shown at info")
    line = terminal.getvalue().strip()
    assert line.endswith("INFO    abfahrt.test: realtime source tu is live"), line
    assert line[:25].count("-") == 2 and ("+" in line[:26] or "Z" in line[:26])
    setup_logging("warning", "auto", pipe)
    logging.getLogger("abfahrt.test").info("hidden at warning")
    logging.getLogger("abfahrt.test").warning("timetable %s", "EXPIRED")
    [entry] = [json.loads(x) for x in pipe.getvalue().splitlines()]
    assert entry["level"] == "warning" and entry["message"] == "timetable EXPIRED"
    assert entry["time"].endswith("+00:00") and entry["logger"] == "abfahrt.test"


async def test_the_periodic_refresh_is_debug_and_staleness_is_logged_once(
        client: Client, caplog: pytest.LogCaptureFixture) -> None:
    rt = runtime(client.app)
    assert rt.realtime is not None
    with caplog.at_level(logging.DEBUG, logger="abfahrt"):
        await refresh_boards(rt)
    refreshes = [r for r in caplog.records if r.getMessage().startswith("refresh boards=")]
    assert refreshes and all(r.levelno == logging.DEBUG for r in refreshes)
    caplog.clear()
    later = rt.now() + rt.settings.max_age_s + 60
    with caplog.at_level(logging.INFO, logger="abfahrt"):
        for _ in range(3):                                   # three polls, one transition
            rt.realtime.note_transitions(rt.tt, later)
        rt.realtime.note_transitions(rt.tt, rt.now())
        rt.realtime.note_transitions(rt.tt, rt.now())
    said = [(r.levelno, r.getMessage()) for r in caplog.records]
    stale = [s for s in said if "is stale" in s[1]]
    live = [s for s in said if "simulation is live" in s[1]]
    assert len(stale) == 1 and stale[0][0] == logging.WARNING, said
    assert "max age 300 s" in stale[0][1]
    assert len(live) == 1 and live[0][0] == logging.INFO, said


def test_a_clients_malformed_request_is_one_line_without_traceback(tmp_path: Path) -> None:
    service = ServiceProcess(data_dir=tmp_path).start()
    try:
        with socket.create_connection(("127.0.0.1", service.port), timeout=5) as conn:
            conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nBroken Header Line\r\n\r\n")
            answer = conn.recv(1024)
        assert answer.split(b" ", 2)[1] == b"400", answer[:80]
        deadline = time.monotonic() + 10
        while "bad request from" not in service.log_tail(400) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        service.stop()
    log = service.log_path.read_text()
    entries = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    bad = [e for e in entries if e["message"].startswith("bad request from 127.0.0.1")]
    assert len(bad) == 1 and bad[0]["level"] == "info", log[-2000:]
    assert "Traceback" not in log and not any("exception" in e for e in entries)
    assert not any(e["message"].startswith("refresh boards=") for e in entries), \
        "the periodic refresh is logged at debug only"

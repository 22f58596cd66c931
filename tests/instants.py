"""The instants the suite runs at: nothing in it reads the time of day.

`SUITE_AT` is "now" for every test that runs the demo network (a Wednesday noon in Mainz unless
`ABFAHRT_TEST_AT` names another ISO 8601 instant, so the whole suite can be run at any hour);
the clocks of in-process apps and `abfahrt serve` children start there (`ABFAHRT_CLOCK`) and run
on in real time. `DEMO_INSTANTS` are the hours the demo tests also run at: early morning, rush
hours, noon, just before midnight, and the two nights on which the clocks change.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from typing import Any
from zoneinfo import ZoneInfo

from displays.service.config.settings import Settings

BERLIN = ZoneInfo("Europe/Berlin")


def instant(text: str) -> int:
    """Epoch of an ISO 8601 instant with offset."""
    value = dt.datetime.fromisoformat(text)
    assert value.tzinfo is not None, f"{text}: an instant needs its UTC offset"
    return int(value.timestamp())


def iso(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, BERLIN).isoformat()


SUITE_AT = instant(os.environ.get("ABFAHRT_TEST_AT") or "2026-03-04T12:00:00+01:00")

DEMO_INSTANTS = {
    "0300": instant("2026-03-04T03:00:00+01:00"),
    "0730": instant("2026-03-04T07:30:00+01:00"),
    "1200": instant("2026-03-04T12:00:00+01:00"),
    "1700": instant("2026-03-04T17:00:00+01:00"),
    "2350": instant("2026-03-04T23:50:00+01:00"),
    # last Sunday of March: 02:00 CET jumps to 03:00 CEST (night bus 91 runs at 24:30–28:30)
    "dst-spring": instant("2026-03-29T03:30:00+02:00"),
    # last Sunday of October: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice (2nd)
    "dst-autumn": instant("2026-10-25T02:30:00+01:00"),
}

# A weekday noon: for tests about what a full board does (its rows, their realtime, its size),
# not about the hour. They run here whatever ABFAHRT_TEST_AT says, because at 03:00 the demo's
# Hauptbahnhof has one night bus and nothing to fill a pillar; what the boards say at every hour
# is tested by tests/displays/test_any_hour.py.
BUSY_AT = instant("2026-03-04T12:00:00+01:00")

_STARTED = time.monotonic()


def suite_now() -> int:
    """Now, on the suite's clock: SUITE_AT plus the seconds the session has run."""
    return SUITE_AT + int(time.monotonic() - _STARTED)


def busy_now() -> int:
    """Now, on the clock of the tests that need a full board: BUSY_AT plus the session's run."""
    return BUSY_AT + int(time.monotonic() - _STARTED)


def suite_settings(**values: Any) -> Settings:
    """Service settings whose clock starts at the suite's now (unless `clock_start` is given)."""
    values.setdefault("clock_start", suite_now())
    return Settings(**values)


def busy_settings(**values: Any) -> Settings:
    """Service settings whose clock starts at a busy weekday noon (see BUSY_AT)."""
    return suite_settings(clock_start=busy_now(), **values)

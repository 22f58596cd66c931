"""Feed validity as a first-class status: an expired feed, a feed starting tomorrow, a stop
without service today — in feed-info, the board document, the pillar, /api/v1/status,
/readyz, /metrics and the log; realtime that does not belong to the timetable is named."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families

from displays.app import create_app
from displays.cli.main import main
from feeds import load_timetable
from feeds.validity import TimetableStatus, board_validity, feed_validity
from tests.gtfs_builder import GtfsBuilder
from tests.instants import instant, suite_settings

Client = TestClient[Any, Any]
JANUARY_NOON = instant("2026-01-14T12:00:00+01:00")     # a Wednesday inside the calendar
AFTER = instant("2026-02-03T12:00:00+01:00")             # three days after its last day
BEFORE = instant("2025-12-31T12:00:00+01:00")            # the day before its first day


def january_feed(folder: Path) -> Path:
    """Service on weekdays of January 2026 at stop A; stop W only at weekends."""
    feed = GtfsBuilder()
    feed.add_stop("A", "Am Rathaus").add_stop("B", "Bahnhof").add_stop("W", "Waldweg")
    feed.add_route("R1", short_name="61")
    feed.add_calendar("WK", "1111100", "20260101", "20260131")
    feed.add_calendar("WE", "0000011", "20260101", "20260131")
    for hour in range(6, 22):
        feed.add_trip(f"T{hour}", "R1", "WK", [("A", f"{hour:02d}:10:00"),
                                               ("B", f"{hour:02d}:20:00")])
    feed.add_trip("S1", "R1", "WE", [("W", "10:00:00"), ("B", "10:30:00")])
    return feed.write(folder / "january.zip")


@pytest.fixture(scope="module")
def january(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return january_feed(tmp_path_factory.mktemp("january"))


def test_validity_of_the_timetable_on_a_day(january: Path) -> None:
    tt = load_timetable(january)
    day = dt.date(2026, 1, 14)
    assert feed_validity(tt, day).status is TimetableStatus.VALID
    assert feed_validity(tt, day).days_left == 17
    expired = feed_validity(tt, dt.date(2026, 2, 3))
    assert expired.status is TimetableStatus.EXPIRED and expired.days_left == -3
    assert expired.last == dt.date(2026, 1, 31)       # a Saturday (stop W)
    early = feed_validity(tt, dt.date(2025, 12, 31))
    assert early.status is TimetableStatus.NOT_YET_VALID and early.first == dt.date(2026, 1, 1)
    waldweg = tt.find_stop("W")
    assert board_validity(tt, [waldweg], JANUARY_NOON, False).status is \
        TimetableStatus.NO_SERVICE_TODAY
    assert board_validity(tt, [tt.find_stop("A")], JANUARY_NOON, False).status is \
        TimetableStatus.VALID
    # several stops: "no service today" only when it holds for each
    assert board_validity(tt, [waldweg, tt.find_stop("A")], JANUARY_NOON, False).status is \
        TimetableStatus.VALID


def test_feed_info_and_departures_say_expired(january: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["feed-info", str(january), "--at", "2026-02-03T12:00:00+01:00",
                 "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["validity"] == {"status": "expired", "today": "2026-02-03",
                                "valid_from": "2026-01-01", "valid_until": "2026-01-31",
                                "days_left": -3}
    assert main(["feed-info", str(january), "--at", "2025-12-31T09:00:00+01:00"]) == 0
    assert "timetable NOT YET VALID: its first service day is 2026-01-01" in \
        capsys.readouterr().out
    assert main(["departures", "--feed", str(january), "--stop", "A", "--at",
                 "2026-02-03T12:00:00+01:00", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["departures"] == []
    # the contract document keeps its keys; the validity is in the status, log and boards
    assert set(document) == {"stop", "generated_at", "realtime", "departures", "alerts"}
    assert main(["departures", "--feed", str(january), "--stop", "A", "--at",
                 "2026-02-03T12:00:00+01:00"]) == 0
    assert "Fahrplandaten abgelaufen – bitte Aushang beachten" in capsys.readouterr().out


async def served(aiohttp_client: Any, feed: Path, at: int, data: Path) -> Client:
    client: Client = await aiohttp_client(create_app(suite_settings(
        feed=str(feed), data_dir=data, clock_start=at)))
    return client


@pytest.mark.parametrize(("at", "status", "line"), [
    (AFTER, "expired", "Fahrplandaten abgelaufen – bitte Aushang beachten"),
    (BEFORE, "not_yet_valid", "Fahrplandaten noch nicht gültig – bitte Aushang beachten")])
async def test_a_service_on_an_invalid_feed_says_so_everywhere(
        aiohttp_client: Any, january: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture,
        at: int, status: str, line: str) -> None:
    with caplog.at_level(logging.INFO, logger="abfahrt"):
        client = await served(aiohttp_client, january, at, tmp_path)
    warned = [r for r in caplog.records if r.levelno == logging.WARNING and
              ("EXPIRED" in r.getMessage() or "NOT YET VALID" in r.getMessage())]
    assert len(warned) == 1, [r.getMessage() for r in caplog.records]

    board = await (await client.get("/api/v1/stops/A/departures")).json()
    assert board["departures"] == []
    page = await (await client.get("/stops/A")).text()
    assert line in page
    assert line in await (await client.get("/stops/A.txt?width=80")).text()
    english = await (await client.get("/stops/A.txt?lang=en&width=80")).text()
    assert "please see the printed timetable" in english

    validity = (await (await client.get("/api/v1/status")).json())["static"]["validity"]
    assert validity["status"] == status and validity["valid_until"] == "2026-01-31"
    ready = await (await client.get("/readyz")).json()
    assert ready["status"] == "degraded" and "timetable" in ready["missing"]
    assert any(status.replace("_", " ").upper() in r for r in ready["reasons"]), ready

    metrics = await (await client.get("/metrics")).text()
    samples = {s.name: s.value for f in text_string_to_metric_families(metrics)
               for s in f.samples}
    assert samples["abfahrt_static_feed_valid"] == 0
    assert (samples["abfahrt_static_feed_validity_days_left"] < 0) == (status == "expired")


async def test_a_stop_without_service_today_says_so(aiohttp_client: Any, january: Path,
                                                    tmp_path: Path) -> None:
    client = await served(aiohttp_client, january, JANUARY_NOON, tmp_path)
    assert "Heute kein Fahrbetrieb an dieser Haltestelle" in \
        await (await client.get("/stops/W.txt?width=80")).text()
    assert "Heute kein Fahrbetrieb" in await (await client.get("/stops/W")).text()
    served_stop = await (await client.get("/stops/A.txt?width=80")).text()
    assert "Heute kein Fahrbetrieb" not in served_stop and "Keine Abfahrten" not in served_stop
    ready = await (await client.get("/readyz")).json()
    assert "timetable" not in ready["missing"]


def test_rt_info_names_realtime_that_does_not_belong_to_the_timetable(
        shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The reported case: the 2025 national feed and the Germany-wide capture of June."""
    feed = shared_data / "de-fv-2025" / "gtfs.zip"
    capture = shared_data / "de-rt-samples" / "gtfsde-realtime-free-20250624T004345Z.pb"
    assert main(["rt-info", str(capture), "--feed", str(feed), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["matched_share"] == 0.0
    assert "2025-06-24 lies outside the timetable's calendar (2025-11-09 … 2025-12-09)" in \
        info["hint"]


async def test_status_and_log_name_realtime_that_matches_nothing(
        aiohttp_client: Any, january: Path, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    from realtime.encode import encode_feed_dict
    entities = [{"id": f"e{n}", "tripUpdate": {"trip": {"tripId": f"other-{n}"},
                                               "stopTimeUpdate": [{"stopId": "A",
                                                                   "departure": {"delay": 60}}]}}
                for n in range(12)]
    path = tmp_path / "tu.pb"
    path.write_bytes(encode_feed_dict({"header": {"gtfsRealtimeVersion": "2.0",
                                                  "timestamp": str(JANUARY_NOON)},
                                       "entity": entities}))
    with caplog.at_level(logging.INFO, logger="abfahrt"):
        client: Client = await aiohttp_client(create_app(suite_settings(
            feed=str(january), realtime=(str(path),), data_dir=tmp_path,
            clock_start=JANUARY_NOON)))
    source = (await (await client.get("/api/v1/status")).json())["realtime"][0]
    assert source["matched_share"] == 0.0
    assert "only 0 of 12 trip updates (0%) match" in source["hint"]
    assert source["feed_timestamp"] == "2026-01-14T12:00:00+01:00"
    assert source["feed_timestamp_epoch"] == JANUARY_NOON
    hints = [r for r in caplog.records if "only 0 of 12 trip updates" in r.getMessage()]
    assert len(hints) == 1 and hints[0].levelno == logging.WARNING

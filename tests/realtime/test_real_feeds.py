"""The matched real pairs through the CLI contract, the German captures, and CLI errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from displays.cli.main import main
from tests.realtime.conftest import network
from tests.realtime.rt_builder import feed_bytes


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def departures(capsys: pytest.CaptureFixture[str], data: Path, feed: str, stop: str, at: str,
               *realtime: str, extra: tuple[str, ...] = ()) -> Any:
    rt = [a for f in realtime for a in ("--realtime", str(data / f))]
    return run(capsys, "departures", "--feed", str(data / feed), "--stop", stop, "--at", at,
               *rt, *extra, "--json")


def test_caltrain_evening_peak_with_trip_updates_vehicles_and_empty_alerts(
        shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = departures(capsys, shared_data, "caltrain-2023/gtfs.zip", "70012",
                     "2023-11-07T17:05-08:00",
                     "caltrain-2023/trip-updates-20231108T010534Z.pb",
                     "caltrain-2023/vehicle-positions-20231108T010559Z.pb",
                     "caltrain-2023/service-alerts-20231108T010546Z-empty.pb")
    assert doc["realtime"] == {"status": "live", "feed_timestamp": "2023-11-07T17:05:34-08:00"}
    first = doc["departures"][0]
    assert (first["trip_id"], first["scheduled"], first["predicted"], first["delay_s"],
            first["realtime"]) == ("710", "2023-11-07T17:04:00-08:00",
                                   "2023-11-07T17:05:19-08:00", 79, True)
    assert sum(d["realtime"] for d in doc["departures"]) >= 3
    assert doc["alerts"] == []


def test_caltrain_stale_when_max_age_is_short(shared_data: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    doc = departures(capsys, shared_data, "caltrain-2023/gtfs.zip", "70012",
                     "2023-11-07T17:12-08:00",
                     "caltrain-2023/trip-updates-20231108T010534Z.pb", extra=("--max-age", "60"))
    assert doc["realtime"]["status"] == "stale"
    assert not any(d["realtime"] or d["predicted"] for d in doc["departures"])


def test_bart_august_delays_and_agency_alert(shared_data: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    doc = departures(capsys, shared_data, "bart-2019/gtfs.zip", "MONT", "2019-08-07T10:45:30-07:00",
                     "bart-2019/trip-updates-20190807T174521Z.pb",
                     "bart-2019/alerts-20190807T174542Z.pb", extra=("--lang", "en"))
    assert doc["realtime"] == {"status": "live", "feed_timestamp": "2019-08-07T10:45:21-07:00"}
    first = doc["departures"][0]
    # 37 minutes late (medical emergency at Montgomery): time wins over the delay field
    assert (first["trip_id"], first["scheduled"], first["predicted"], first["delay_s"]) == (
        "1150915WKDY", "2019-08-07T10:09:00-07:00", "2019-08-07T10:46:34-07:00", 2254)
    assert [(a["id"], a["effect"], a["source"]) for a in doc["alerts"]] == [
        ("BSA_187874", "SIGNIFICANT_DELAYS", "gtfs-rt")]
    assert doc["alerts"][0]["header"].startswith("There is a major delay at Montgomery St.")
    assert all(d["alert_ids"] == ["BSA_187874"] for d in doc["departures"])


def test_bart_rt_info_counts_by_reason(shared_data: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    data = shared_data / "bart-2019"
    info = run(capsys, "rt-info", str(data / "trip-updates-20190807T174521Z.pb"),
               "--feed", str(data / "gtfs.zip"), "--json")
    assert info["header"] == {"gtfs_realtime_version": "1.0", "incrementality": "FULL_DATASET",
                              "timestamp": "2019-08-07T10:45:21-07:00", "feed_version": None}
    assert info["merge"]["trip_updates"] == {
        "total": 91, "matched": 64,
        "rejected": {"unknown_route": 8, "unknown_trip": 18, "unsorted_stop_sequence": 1},
        "implausible": 0}
    # Memorial Day 2019: WKDY service is removed, so its trip updates name no running trip
    may = run(capsys, "rt-info", str(data / "trip-updates-20190528T020258Z.pb"),
              "--feed", str(data / "gtfs.zip"), "--json")
    assert may["merge"]["trip_updates"]["rejected"] == {"no_service_on_date": 26}


def test_auckland_single_snapshot_and_series(shared_data: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(p.name for p in (shared_data / "auckland-2016").glob("*.pb"))
    one = departures(capsys, shared_data, "auckland-2016/gtfs.zip", "8057",
                     "2016-05-19T08:00:20+12:00", f"auckland-2016/{files[0]}")
    live = [d for d in one["departures"] if d["realtime"]]
    assert (live[0]["trip_id"], live[0]["predicted"], live[0]["delay_s"]) == (
        "14007000392-20160512154122_v40.34", "2016-05-19T08:00:25+12:00", 57)
    series = departures(capsys, shared_data, "auckland-2016/gtfs.zip", "8799",
                        "2016-05-19T08:09:29+12:00", *(f"auckland-2016/{f}" for f in files))
    assert series["realtime"] == {"status": "live",
                                  "feed_timestamp": "2016-05-19T08:09:29+12:00"}
    early = [d for d in series["departures"] if d["trip_id"].startswith("14007000355-")]
    assert (early[0]["predicted"], early[0]["delay_s"]) == ("2016-05-19T08:16:22+12:00", -159)


@pytest.mark.parametrize(("name", "rejected"), [
    ("gtfsde-realtime-free-20250624T004345Z.pb", {"unknown_trip": 5000}),
    ("vbn-tripupdates-20200318T064151Z.pb", {"unknown_route": 8, "unknown_trip": 1551}),
])
def test_german_captures_are_unknown_trips_without_error(
        shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
        rejected: dict[str, int]) -> None:
    static = network().write(tmp_path / "mainz.zip")
    info = run(capsys, "rt-info", str(shared_data / "de-rt-samples" / name), "--feed",
               str(static), "--json")
    assert info["merge"]["trip_updates"]["matched"] == 0
    assert info["merge"]["trip_updates"]["rejected"] == rejected


def test_rt_info_text_without_feed(shared_data: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rt-info", str(shared_data / "caltrain-2023/vehicle-positions-"
                                               "20231108T010559Z.pb")]) == 0
    out = capsys.readouterr().out
    assert "timestamp 2023-11-08T01:05:59+00:00" in out and "vehicle 14" in out


@pytest.mark.parametrize(("content", "message"), [
    (b"garbage, not protobuf", "not a GTFS-RT FeedMessage"),
    (feed_bytes(1_700_000_000_000), "milliseconds"),
    (None, "No such file"),
])
def test_bad_realtime_input_is_one_line_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None,
        message: str) -> None:
    static = network().write(tmp_path / "mainz.zip")
    bad = tmp_path / "bad.pb"
    if content is not None:
        bad.write_bytes(content)
    for argv in (["departures", "--feed", str(static), "--stop", "A",
                  "--at", "2026-06-15T10:00+02:00", "--realtime", str(bad), "--json"],
                 ["rt-info", str(bad)]):
        assert main(argv) == 2
        out, err = capsys.readouterr()
        assert out == "" and err.count("\n") == 1 and message in err
        assert err.startswith("abfahrt: error: realtime feed ") and "Traceback" not in err


def test_bart_terminal_board_says_what_the_json_says(shared_data: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """The human output carries the realtime status and every alert; an on-time train shows
    no "+0"; a long destination is cut with an ellipsis, not in the middle of a word."""
    data = shared_data / "bart-2019"
    code = main(["departures", "--feed", str(data / "gtfs.zip"), "--stop", "MONT",
                 "--at", "2019-08-07T10:45:30-07:00", "--lang", "en",
                 "--realtime", str(data / "trip-updates-20190807T174521Z.pb"),
                 "--realtime", str(data / "alerts-20190807T174542Z.pb")])
    out, _ = capsys.readouterr()
    assert code == 0
    lines = out.splitlines()
    assert lines[1] == "Live · as of 10:45", lines[:3]
    assert any(line.startswith("! There is a major delay at Montgomery St.") for line in lines)
    assert "+0" not in out
    assert "San Francisco International Airp " not in out
    cut = [line for line in lines if "San Francisco Internat" in line]
    assert cut and all("…" in line or "Airport" in line for line in cut), cut

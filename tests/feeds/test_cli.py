"""The CLI answers the departures contract (design.md) and fails in one line with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from displays.cli.main import main
from tests.feeds.scenarios import dst_nights
from tests.gtfs_builder import GtfsBuilder

TOP_KEYS = {"stop", "generated_at", "realtime", "departures", "alerts"}
DEPARTURE_KEYS = {
    "trip_id", "service_date", "stop_id", "stop_sequence", "route", "headsign", "scheduled",
    "predicted", "delay_s", "realtime", "status", "platform", "platform_changed", "on_request",
    "approximate", "frequency", "wheelchair_accessible", "occupancy", "alert_ids",
}


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code = main(["departures", *args, "--json"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    document: dict[str, Any] = json.loads(out)
    return document


@pytest.fixture
def dst_zip(tmp_path: Path) -> Path:
    return dst_nights().write(tmp_path / "dst.zip")


def test_fall_back_night_keeps_both_0230_apart_by_offset(
        dst_zip: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = run_json(capsys, "--feed", str(dst_zip), "--stop", "A",
                   "--at", "2026-10-25T01:00:00+02:00", "--window", "180")
    assert doc["generated_at"] == "2026-10-25T01:00:00+02:00"
    assert [(d["trip_id"], d["service_date"], d["scheduled"]) for d in doc["departures"]] == [
        ("sat-2510", "2026-10-24", "2026-10-25T01:10:00+02:00"),
        ("sun-0030", "2026-10-25", "2026-10-25T01:30:00+02:00"),
        ("sat-2630", "2026-10-24", "2026-10-25T02:30:00+02:00"),
        ("sun-0130", "2026-10-25", "2026-10-25T02:30:00+02:00"),
        ("sat-2640", "2026-10-24", "2026-10-25T02:40:00+02:00"),
        ("sat-2730", "2026-10-24", "2026-10-25T02:30:00+01:00"),
    ]


def test_spring_forward_night_jumps_from_cet_to_cest(
        dst_zip: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = run_json(capsys, "--feed", str(dst_zip), "--stop", "A",
                   "--at", "2026-03-29T00:00:00Z", "--window", "120")
    assert doc["generated_at"] == "2026-03-29T01:00:00+01:00"
    assert [(d["trip_id"], d["scheduled"]) for d in doc["departures"]] == [
        ("sat-2510", "2026-03-29T01:10:00+01:00"),
        ("sat-2630", "2026-03-29T03:30:00+02:00"),
        ("sun-0330", "2026-03-29T03:30:00+02:00"),
        ("sat-2640", "2026-03-29T03:40:00+02:00"),
    ]


def test_at_without_offset_is_agency_local_time(
        dst_zip: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = run_json(capsys, "--feed", str(dst_zip), "--stop", "A",
                   "--at", "2026-10-25T06:30:00", "--window", "1")
    assert [(d["trip_id"], d["scheduled"]) for d in doc["departures"]] == [
        ("sun-0630", "2026-10-25T06:30:00+01:00")]


def test_limit_applies_after_sorting(dst_zip: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = run_json(capsys, "--feed", str(dst_zip), "--stop", "A",
                   "--at", "2026-10-25T01:00:00+02:00", "--window", "180", "--limit", "3")
    assert [d["trip_id"] for d in doc["departures"]] == ["sat-2510", "sun-0030", "sat-2630"]


def test_document_shape_and_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    feed = GtfsBuilder()
    feed.add_station("HBF", "Mainz Hbf", platforms={"HBF:3": "3"})
    feed.add_stop("UNI", "Universität")
    feed.add_route("R50", "50", "Hechtsheim – Finthen", route_type=0, color="E30613",
                   text_color="FFFFFF")
    feed.add_date("MON", "20260615", 1)
    feed.add_trip("t", "R50", "MON", [
        ("HBF:3", "06:00:00", "06:00:00", {"pickup_type": 3, "stop_headsign": "Finthen"}),
        ("UNI", "06:10:00")], headsign="Lerchenberg", wheelchair_accessible=1)
    path = feed.write(tmp_path / "f.zip")
    doc = run_json(capsys, "--feed", str(path), "--stop", "HBF",
                   "--at", "2026-06-15T05:30:00+02:00")
    assert set(doc) == TOP_KEYS
    assert doc["stop"] == {"id": "HBF", "name": "Mainz Hbf"}
    assert doc["realtime"] == {"status": "unavailable", "feed_timestamp": None}
    assert doc["alerts"] == []
    [dep] = doc["departures"]
    assert set(dep) == DEPARTURE_KEYS
    assert dep == {
        "trip_id": "t", "service_date": "2026-06-15", "stop_id": "HBF:3", "stop_sequence": 1,
        "route": {"id": "R50", "short_name": "50", "long_name": "Hechtsheim – Finthen",
                  "type": 0, "color": "E30613", "text_color": "FFFFFF"},
        "headsign": "Finthen", "scheduled": "2026-06-15T06:00:00+02:00", "predicted": None,
        "delay_s": None, "realtime": False, "status": "scheduled", "platform": "3",
        "platform_changed": False, "on_request": True, "approximate": False, "frequency": None,
        "wheelchair_accessible": True, "occupancy": None, "alert_ids": [],
    }


def test_frequency_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    feed = GtfsBuilder()
    feed.add_stop("A").add_stop("B").add_route("F")
    feed.add_date("MON", "20260615", 1)
    feed.add_trip("f", "F", "MON", [("A", "00:00:00"), ("B", "00:05:00")])
    feed.add_frequency("f", "06:00:00", "07:00:00", 600, 0)
    doc = run_json(capsys, "--feed", str(feed.write(tmp_path / "f.zip")), "--stop", "A",
                   "--at", "2026-06-15T06:05:00+02:00", "--window", "20")
    assert [(d["scheduled"], d["frequency"], d["approximate"]) for d in doc["departures"]] == [
        ("2026-06-15T06:10:00+02:00", {"headway_s": 600}, True),
        ("2026-06-15T06:20:00+02:00", {"headway_s": 600}, True)]


def _fails(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("abfahrt: error: ")
    assert "Traceback" not in err
    return err


def test_broken_feed_is_one_line_naming_file_row_field(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    feed = dst_nights()
    feed.stop_times[4]["arrival_time"] = "25:1O:00"
    path = feed.write(tmp_path / "bad.zip")
    err = _fails(capsys, "departures", "--feed", str(path), "--stop", "A",
                 "--at", "2026-10-25T01:00:00+02:00", "--json")
    assert "stop_times.txt, row 5 (line 6), field arrival_time" in err


def test_missing_timezone_and_missing_stop_times_fail_in_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    feed = dst_nights()
    feed.agency[0]["agency_timezone"] = None
    err = _fails(capsys, "feed-info", str(feed.write(tmp_path / "tz.zip")))
    assert "agency.txt, row 1 (line 2), field agency_timezone" in err
    err = _fails(capsys, "feed-info", str(dst_nights().write(tmp_path / "st.zip",
                                                              omit=("stop_times",))))
    assert "stop_times.txt" in err


def test_unknown_stop_and_bad_at_fail_in_one_line(
        dst_zip: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "unknown stop 'Z'" in _fails(capsys, "departures", "--feed", str(dst_zip),
                                        "--stop", "Z", "--at", "2026-10-25T01:00:00+02:00")
    assert "--at" in _fails(capsys, "departures", "--feed", str(dst_zip), "--stop", "A",
                            "--at", "tomorrow")
    assert "--window" in _fails(capsys, "departures", "--feed", str(dst_zip), "--stop", "A",
                                "--at", "2026-10-25T01:00:00+02:00", "--window", "0")


def test_subprocess_error_has_exit_code_2_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip")
    proc = subprocess.run(
        [sys.executable, "-m", "displays.cli", "departures", "--feed", str(bad), "--stop", "A",
         "--at", "2026-06-15T06:00:00+02:00", "--json"],
        capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith("abfahrt: error: cannot load feed")
    assert proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr


def test_feed_info_json_counts_and_exclusions(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    feed = dst_nights()
    feed.add_trip("bad", "R6", "SAT", [("A", "10:00:00"), ("B", "09:00:00")])
    assert main(["feed-info", str(feed.write(tmp_path / "f.zip")), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["timezone"] == "Europe/Berlin"
    assert info["counts"]["trips"] == 9 and info["counts"]["stop_times"] == 16
    assert info["counts"]["rows_read"]["stop_times"] == 18
    assert info["calendar"] == {"first": "2026-03-28", "last": "2026-10-25"}
    assert info["excluded"] == {"time_travel": 1}


def test_unreachable_feed_url_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    from displays.cli.main import main
    from tests.redis_server import free_port
    code = main(["departures", "--feed", f"http://127.0.0.1:{free_port()}/gtfs.zip",
                 "--stop", "a"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("abfahrt: error: cannot load feed")
    assert len(err.strip().splitlines()) == 1

"""Trips at 00:00–04:00 on DST change days are flagged (gtfs-semantics A1.1, google/transit#325)."""

from __future__ import annotations

from pathlib import Path

from feeds import load_timetable
from tests.feeds.scenarios import dst_nights
from tests.gtfs_builder import GtfsBuilder


def test_early_trips_on_dst_sundays_are_noted(tmp_path: Path) -> None:
    tt = load_timetable(dst_nights().write(tmp_path / "dst.zip"))
    notes = [n for n in tt.notes if "DST change day" in n]
    # Sunday 01:30, 03:30 and 00:30 trips run on both DST Sundays; the Saturday 25:xx trips
    # have times past 24:00 and are the recommended way, so they are not flagged
    assert notes == [
        "3 trip(s) with times 00:00–04:00 run on 2026-03-29, a DST change day: times count "
        "from noon minus 12 h (GTFS), not midnight",
        "3 trip(s) with times 00:00–04:00 run on 2026-10-25, a DST change day: times count "
        "from noon minus 12 h (GTFS), not midnight",
    ]


def test_no_note_without_early_trips_on_dst_days(tmp_path: Path) -> None:
    feed = GtfsBuilder()
    feed.add_stop("A", "Hauptbahnhof").add_stop("B", "Bismarckplatz")
    feed.add_route("R6", "6")
    feed.add_date("SUN", "20260329", 1)
    feed.add_date("MON", "20260330", 1)
    feed.add_trip("late", "R6", "SUN", [("A", "23:30:00"), ("B", "24:10:00")])
    feed.add_trip("early-monday", "R6", "MON", [("A", "01:30:00"), ("B", "01:40:00")])
    tt = load_timetable(feed.write(tmp_path / "plain.zip"))
    assert not [n for n in tt.notes if "DST" in n]

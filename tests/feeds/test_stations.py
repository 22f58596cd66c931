"""Stations are the union of their platforms (gtfs-semantics A1.5, B #41).

Service date Mon 2026-06-15; 06:00:00 = 1781496000.
"""

from __future__ import annotations

from tests.feeds.boards import board
from tests.feeds.conftest import LoadFeed
from tests.gtfs_builder import GtfsBuilder

MON_0600 = 1781496000
DAY = (1781474400, 1781474400 + 30 * 3600)


def _hbf() -> GtfsBuilder:
    feed = GtfsBuilder()
    feed.add_station("HBF", "Mainz Hauptbahnhof",
                     platforms={"HBF:A": "A", "HBF:B": "B", "HBF:C": "C"})
    feed.add_stop("HBF:E1", "Eingang Bahnhofplatz", parent="HBF", location_type=2)
    feed.add_stop("UNI", "Universität")
    feed.add_route("R50", "50", route_type=0)
    feed.add_date("MON", "20260615", 1)
    feed.add_trip("a", "R50", "MON", [("HBF:A", "06:10:00"), ("UNI", "06:20:00")])
    feed.add_trip("b", "R50", "MON", [("HBF:B", "06:00:00"), ("UNI", "06:15:00")])
    feed.add_trip("b2", "R50", "MON", [("HBF:B", "06:20:00"), ("UNI", "06:35:00")])
    feed.add_trip("in", "R50", "MON", [("UNI", "05:40:00"), ("HBF:C", "05:50:00")])
    return feed


def test_station_lists_all_child_platforms_sorted(load_feed: LoadFeed) -> None:
    tt = load_feed(_hbf())
    deps = board(tt, "HBF", *DAY)
    assert [(d.trip_id, d.stop_id, d.platform, d.scheduled) for d in deps] == [
        ("b", "HBF:B", "B", MON_0600),
        ("a", "HBF:A", "A", MON_0600 + 600),
        ("b2", "HBF:B", "B", MON_0600 + 1200),
    ]


def test_platform_lists_only_itself(load_feed: LoadFeed) -> None:
    tt = load_feed(_hbf())
    assert [d.trip_id for d in board(tt, "HBF:A", *DAY)] == ["a"]
    assert [d.trip_id for d in board(tt, "HBF:B", *DAY)] == ["b", "b2"]
    assert board(tt, "HBF:C", *DAY) == []          # only an arrival there


def test_entrances_and_platform_lists_of_the_station(load_feed: LoadFeed) -> None:
    tt = load_feed(_hbf())
    hbf = tt.find_stop("HBF")
    assert sorted(tt.stop_id(p) for p in tt.platforms_of(hbf)) == ["HBF:A", "HBF:B", "HBF:C"]
    assert tt.platforms_of(tt.find_stop("UNI")) == [tt.find_stop("UNI")]
    assert tt.stop_name[hbf] == "Mainz Hauptbahnhof"


def test_station_window_is_applied_to_every_platform(load_feed: LoadFeed) -> None:
    tt = load_feed(_hbf())
    assert [d.trip_id for d in board(tt, "HBF", MON_0600, MON_0600 + 600)] == ["b"]


def test_station_without_platforms_has_an_empty_board(load_feed: LoadFeed) -> None:
    feed = _hbf()
    feed.add_stop("EMPTY", "Leere Station", location_type=1)
    assert board(load_feed(feed), "EMPTY", *DAY) == []


def test_platform_code_absent_is_none(load_feed: LoadFeed) -> None:
    tt = load_feed(_hbf())
    deps = board(tt, "UNI", *DAY)
    assert [(d.trip_id, d.platform) for d in deps] == [("in", None)]

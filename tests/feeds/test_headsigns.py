"""Headsigns: stop_headsign per row, no carry-down, else trip_headsign (A1.6, B #16)."""

from __future__ import annotations

from tests.feeds.boards import board
from tests.feeds.conftest import LoadFeed
from tests.gtfs_builder import GtfsBuilder

DAY = (1781474400, 1781474400 + 30 * 3600)      # service date Mon 2026-06-15


def _feed() -> GtfsBuilder:
    feed = GtfsBuilder()
    for s, name in (("A", "Hbf"), ("B", "Münsterplatz"), ("C", "Gonsenheim"), ("D", "Finthen"),
                    ("E", "Lerchenberg")):
        feed.add_stop(s, name)
    feed.add_route("R", "51")
    feed.add_date("MON", "20260615", 1)
    return feed


def _headsigns(tt: object, stops: str) -> list[str | None]:
    return [d.headsign for s in stops for d in board(tt, s, *DAY)]  # type: ignore[arg-type]


def test_stop_headsign_applies_to_its_row_only(load_feed: LoadFeed) -> None:
    feed = _feed().add_trip("t", "R", "MON", [
        ("A", "06:00:00", "06:00:00", {"stop_headsign": "Gonsenheim"}),
        ("B", "06:10:00", "06:10:00", {"stop_headsign": ""}),
        ("C", "06:20:00", "06:20:00", {"stop_headsign": "Finthen, Poststraße"}),
        ("D", "06:30:00", "06:30:00", {}),
        ("E", "06:40:00", "06:40:00", {"stop_headsign": "Endstation"})],
        headsign="Lerchenberg")
    tt = load_feed(feed)
    assert _headsigns(tt, "ABCD") == ["Gonsenheim", "Lerchenberg", "Finthen, Poststraße",
                                      "Lerchenberg"]


def test_trip_headsign_when_no_stop_headsign_column(load_feed: LoadFeed) -> None:
    feed = _feed().add_trip("t", "R", "MON", [("A", "06:00:00"), ("B", "06:10:00")],
                            headsign="Lerchenberg")
    assert _headsigns(load_feed(feed), "A") == ["Lerchenberg"]


def test_two_trips_keep_their_own_trip_headsign(load_feed: LoadFeed) -> None:
    feed = _feed()
    feed.add_trip("t1", "R", "MON", [("A", "06:00:00"), ("E", "06:10:00")], headsign="Lerchenberg")
    feed.add_trip("t2", "R", "MON", [("A", "06:05:00"), ("D", "06:15:00")], headsign="Finthen")
    feed.add_trip("t3", "R", "MON", [
        ("A", "06:07:00", "06:07:00", {"stop_headsign": "Via Uni"}), ("D", "06:15:00")],
        headsign="Finthen")
    assert _headsigns(load_feed(feed), "A") == ["Lerchenberg", "Finthen", "Via Uni"]


def test_no_headsign_at_all_falls_back_to_the_last_stop_name(load_feed: LoadFeed) -> None:
    # documented choice of feeds.timetable.headsign_of for feeds with neither headsign
    feed = _feed().add_trip("t", "R", "MON", [("A", "06:00:00"), ("B", "06:10:00"),
                                              ("D", "06:20:00")])
    assert _headsigns(load_feed(feed), "AB") == ["Finthen", "Finthen"]


def test_loop_headsign_describes_the_direction_departing(load_feed: LoadFeed) -> None:
    feed = _feed().add_trip("loop", "R", "MON", [
        ("A", "06:00:00", "06:00:00", {"stop_headsign": "Ring über Gonsenheim"}),
        ("C", "06:10:00", "06:10:00", {"stop_headsign": "Hbf"}),
        ("A", "06:20:00", "06:20:00", {"stop_headsign": ""})], headsign="Ring")
    tt = load_feed(feed)
    assert _headsigns(tt, "AC") == ["Ring über Gonsenheim", "Hbf"]

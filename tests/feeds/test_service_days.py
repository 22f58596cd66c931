"""Service days that reach past midnight (gtfs-semantics A1.1/A1.2, B #3, #30, #42, #44, #45).

June 2026 is CEST (+02:00): Mon 2026-06-15 base = 2026-06-14T22:00Z = 1781474400,
Tue 2026-06-16 base = 1781560800. A Monday trip at 27:35 and a Tuesday trip at 02:35 are
different instants and both belong on the Tuesday-night board.
"""

from __future__ import annotations

from tests.feeds.boards import board, summary
from tests.feeds.conftest import LoadFeed
from tests.gtfs_builder import GtfsBuilder

TUE_0100 = 1781564400     # Tue 2026-06-16 01:00 CEST
WED_0100 = 1781650800     # Wed 2026-06-17 01:00 CEST


def _night_feed(mon_end: str = "20260629", tue_end: str = "20260630") -> GtfsBuilder:
    feed = GtfsBuilder()
    feed.add_stop("A", "Hauptbahnhof").add_stop("B", "Lerchenberg")
    feed.add_route("N1", "N1")
    feed.add_calendar("MON", "1000000", "20260601", mon_end)
    feed.add_calendar("TUE", "0100000", "20260601", tue_end)
    feed.add_trip("mon-2350", "N1", "MON", [("A", "23:50:00"), ("B", "24:10:00")])
    feed.add_trip("mon-2510", "N1", "MON", [("A", "25:10:00"), ("B", "25:30:00")])
    feed.add_trip("mon-2735", "N1", "MON", [("A", "27:35:00"), ("B", "27:55:00")])
    feed.add_trip("tue-0030", "N1", "TUE", [("A", "00:30:00"), ("B", "00:50:00")])
    feed.add_trip("tue-0235", "N1", "TUE", [("A", "02:35:00"), ("B", "02:55:00")])
    return feed


def test_after_midnight_board_lists_yesterdays_trips_with_yesterdays_service_date(
        load_feed: LoadFeed) -> None:
    tt = load_feed(_night_feed())
    deps = board(tt, "A", TUE_0100, TUE_0100 + 3 * 3600)
    assert summary(deps) == [
        ("mon-2510", "2026-06-15", 1781565000),   # Tue 01:10 CEST, Monday's service
        ("tue-0235", "2026-06-16", 1781570100),   # Tue 02:35 CEST
        ("mon-2735", "2026-06-15", 1781573700),   # Tue 03:35 CEST, Monday's service
    ]


def test_monday_2735_and_tuesday_0235_are_both_listed_in_absolute_order(
        load_feed: LoadFeed) -> None:
    tt = load_feed(_night_feed())
    deps = board(tt, "A", 1781570100, 1781573701)
    assert [(d.trip_id, d.service_date.isoformat()) for d in deps] == [
        ("tue-0235", "2026-06-16"), ("mon-2735", "2026-06-15")]


def test_a_day_whose_previous_service_day_does_not_run_has_no_carry_over(
        load_feed: LoadFeed) -> None:
    tt = load_feed(_night_feed())
    # Tuesday's service has no time past 24:00; Monday's trips do not run on a Tuesday
    assert board(tt, "A", WED_0100, WED_0100 + 3 * 3600) == []


def test_removed_monday_takes_its_after_midnight_trips_off_tuesday_night(
        load_feed: LoadFeed) -> None:
    feed = _night_feed()
    feed.add_date("MON", "20260622", 2)
    tt = load_feed(feed)
    tue_23 = TUE_0100 + 7 * 86_400           # Tue 2026-06-23 01:00 CEST
    deps = board(tt, "A", tue_23, tue_23 + 3 * 3600)
    assert summary(deps) == [("tue-0235", "2026-06-23", 1781570100 + 7 * 86_400)]


def test_last_calendar_day_still_reaches_into_the_next_morning(load_feed: LoadFeed) -> None:
    # every service ends on Mon 2026-06-29: the timetable has no Tuesday 06-30 at all
    tt = load_feed(_night_feed(mon_end="20260629", tue_end="20260623"))
    tue_30 = TUE_0100 + 14 * 86_400          # Tue 2026-06-30 01:00 CEST
    deps = board(tt, "A", tue_30, tue_30 + 3 * 3600)
    assert summary(deps) == [("mon-2510", "2026-06-29", 1781565000 + 14 * 86_400),
                             ("mon-2735", "2026-06-29", 1781573700 + 14 * 86_400)]


def test_window_across_midnight_merges_both_service_days(load_feed: LoadFeed) -> None:
    tt = load_feed(_night_feed())
    start = 1781559000                       # Mon 2026-06-15 23:30 CEST
    deps = board(tt, "A", start, start + 2 * 3600)
    assert summary(deps) == [
        ("mon-2350", "2026-06-15", 1781560200),   # Mon 23:50
        ("tue-0030", "2026-06-16", 1781562600),   # Tue 00:30
        ("mon-2510", "2026-06-15", 1781565000),   # Tue 01:10
    ]


def test_trip_longer_than_two_days_is_found_on_the_third_morning(load_feed: LoadFeed) -> None:
    feed = GtfsBuilder()
    feed.add_stop("A").add_stop("B").add_stop("C")
    feed.add_route("X")
    feed.add_date("MON", "20260615", 1)
    feed.add_trip("long", "X", "MON", [("A", "22:00:00"), ("B", "49:00:00"), ("C", "50:00:00")])
    tt = load_feed(feed)
    # Mon base 1781474400 + 49 h = Wed 2026-06-17 01:00 CEST
    deps = board(tt, "B", WED_0100 - 60, WED_0100 + 60)
    assert summary(deps) == [("long", "2026-06-15", 1781650800)]

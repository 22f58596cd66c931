"""calendar.txt + calendar_dates.txt (gtfs-semantics A1.2): end_date inclusive, exceptions,
calendar_dates-only services (B #45). June 2026 is CEST, so local wall-clock instants are exact.
"""

from __future__ import annotations

import datetime as dt

from tests.feeds.boards import board, local
from tests.feeds.conftest import LoadFeed
from tests.gtfs_builder import GtfsBuilder


def _feed(*services: tuple[str, str, str, str] | None) -> GtfsBuilder:
    """A and B; one trip per service id 'S…' at 08:00 from A, arriving B 08:10."""
    feed = GtfsBuilder()
    feed.add_stop("A").add_stop("B")
    feed.add_route("R")
    for spec in services:
        if spec is not None:
            feed.add_calendar(*spec)
    return feed


def _trip(feed: GtfsBuilder, service_id: str) -> GtfsBuilder:
    return feed.add_trip(f"t-{service_id}", "R", service_id, [("A", "08:00:00"), ("B", "08:10:00")])


def _dates_with_departure(tt: object, first: dt.date, last: dt.date) -> list[str]:
    """Return the service dates (ISO) on which A has its 08:00 departure, by a day-by-day board."""
    days = []
    day = first
    while day <= last:
        deps = board(tt, "A", local(day.year, day.month, day.day, 7), local(day.year, day.month,
                                                                            day.day, 9))
        days += [d.service_date.isoformat() for d in deps]
        day += dt.timedelta(days=1)
    return days


def test_start_and_end_date_are_both_included(load_feed: LoadFeed) -> None:
    feed = _trip(_feed(("S", "1111111", "20260601", "20260607")), "S")
    tt = load_feed(feed)
    assert _dates_with_departure(tt, dt.date(2026, 5, 30), dt.date(2026, 6, 9)) == [
        "2026-06-01", "2026-06-02", "2026-06-03", "2026-06-04", "2026-06-05", "2026-06-06",
        "2026-06-07"]


def test_end_date_departure_has_the_exact_epoch(load_feed: LoadFeed) -> None:
    tt = load_feed(_trip(_feed(("S", "1111111", "20260601", "20260607")), "S"))
    deps = board(tt, "A", 1780812000, 1780812001)      # Sun 2026-06-07 08:00 CEST = 06:00Z
    assert [(d.trip_id, d.service_date, d.scheduled) for d in deps] == [
        ("t-S", dt.date(2026, 6, 7), 1780812000)]


def test_weekday_flags_select_the_days(load_feed: LoadFeed) -> None:
    tt = load_feed(_trip(_feed(("WE", "0000011", "20260601", "20260614")), "WE"))
    # 2026-06-06/07 and 13/14 are Saturdays and Sundays
    assert _dates_with_departure(tt, dt.date(2026, 6, 1), dt.date(2026, 6, 14)) == [
        "2026-06-06", "2026-06-07", "2026-06-13", "2026-06-14"]


def test_exception_type_2_removes_and_1_adds_a_date(load_feed: LoadFeed) -> None:
    feed = _trip(_feed(("WE", "0000011", "20260601", "20260614")), "WE")
    feed.add_date("WE", "20260607", 2)          # a Sunday removed
    feed.add_date("WE", "20260610", 1)          # a Wednesday added
    feed.add_date("WE", "20260620", 1)          # a Saturday after end_date added
    tt = load_feed(feed)
    assert _dates_with_departure(tt, dt.date(2026, 6, 1), dt.date(2026, 6, 21)) == [
        "2026-06-06", "2026-06-10", "2026-06-13", "2026-06-14", "2026-06-20"]


def test_calendar_dates_only_service_runs_exactly_on_added_dates(load_feed: LoadFeed) -> None:
    feed = _trip(_feed(), "CD")
    feed.add_date("CD", "20260610", 1).add_date("CD", "20260612", 1)
    feed.add_date("CD", "20260611", 2)          # a removal of a date it never had: no effect
    tt = load_feed(feed)
    assert tt.source_counts.get("calendar") is None
    assert _dates_with_departure(tt, dt.date(2026, 6, 8), dt.date(2026, 6, 14)) == [
        "2026-06-10", "2026-06-12"]


def test_mixed_feed_calendar_and_dates_only_services(load_feed: LoadFeed) -> None:
    feed = _trip(_feed(("WK", "1111100", "20260601", "20260605")), "WK")
    _trip(feed, "EXTRA")
    feed.add_date("EXTRA", "20260606", 1)
    tt = load_feed(feed)
    days = _dates_with_departure(tt, dt.date(2026, 5, 31), dt.date(2026, 6, 7))
    assert days == ["2026-06-01", "2026-06-02", "2026-06-03", "2026-06-04", "2026-06-05",
                    "2026-06-06"]


def test_service_only_removed_never_runs(load_feed: LoadFeed) -> None:
    feed = _trip(_feed(("S", "1111111", "20260601", "20260603")), "S")
    _trip(feed, "GONE")
    feed.add_date("GONE", "20260602", 2)
    tt = load_feed(feed)
    assert _dates_with_departure(tt, dt.date(2026, 6, 1), dt.date(2026, 6, 3)) == [
        "2026-06-01", "2026-06-02", "2026-06-03"]


def test_calendar_range_spans_first_to_last_active_day(load_feed: LoadFeed) -> None:
    feed = _trip(_feed(("WE", "0000011", "20260601", "20260614")), "WE")
    feed.add_date("WE", "20260614", 2)
    tt = load_feed(feed)
    assert tt.calendar_range() == (dt.date(2026, 6, 6), dt.date(2026, 6, 13))

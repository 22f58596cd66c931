"""frequencies.txt (gtfs-semantics A1.3, B #15): exact_times 0 is headway-based (approximate,
headway_s set), exact_times 1 is plain scheduled departures; end_time is exclusive; the trip's own
stop_times only give the intervals between stops.

Service date Mon 2026-06-15, base 1781474400 (2026-06-14T22:00Z); 06:00:00 = 1781496000.
"""

from __future__ import annotations

from feeds import Timetable
from tests.feeds.boards import board
from tests.feeds.conftest import LoadFeed
from tests.gtfs_builder import GtfsBuilder

MON_0600 = 1781496000
DAY = (1781474400, 1781474400 + 30 * 3600)


def _feed(exact: int | None, start: str = "06:00:00", end: str = "07:00:00",
          headway: int = 600, first_time: str = "00:00:00") -> GtfsBuilder:
    feed = GtfsBuilder()
    feed.add_stop("A").add_stop("B").add_stop("C")
    feed.add_route("F", "F")
    feed.add_date("MON", "20260615", 1)
    h, m, s = (int(x) for x in first_time.split(":"))
    t0 = h * 3600 + m * 60 + s

    def at(offset: int) -> str:
        t = t0 + offset
        return f"{t // 3600:02d}:{t % 3600 // 60:02d}:{t % 60:02d}"

    feed.add_trip("freq", "F", "MON", [("A", at(0)), ("B", at(300)), ("C", at(600))],
                  headsign="Zentrum")
    feed.add_frequency("freq", start, end, headway, exact)
    return feed


def _times(tt: Timetable, stop: str) -> list[int]:
    return [d.scheduled for d in board(tt, stop, *DAY)]


def test_exact_times_0_generates_approximate_departures_with_headway(load_feed: LoadFeed) -> None:
    tt = load_feed(_feed(exact=0))
    deps = board(tt, "A", *DAY)
    assert [d.scheduled for d in deps] == [MON_0600 + k * 600 for k in range(6)]
    assert all(d.headway_s == 600 and d.approximate for d in deps)
    assert {d.trip_id for d in deps} == {"freq"}
    assert {d.service_date.isoformat() for d in deps} == {"2026-06-15"}


def test_empty_exact_times_is_frequency_based(load_feed: LoadFeed) -> None:
    deps = board(load_feed(_feed(exact=None)), "A", *DAY)
    assert len(deps) == 6
    assert all(d.headway_s == 600 and d.approximate for d in deps)


def test_exact_times_1_is_plain_schedule_with_end_time_exclusive(load_feed: LoadFeed) -> None:
    tt = load_feed(_feed(exact=1, end="06:30:00"))
    deps = board(tt, "A", *DAY)
    # 06:00, 06:10, 06:20 — a start at end_time 06:30 is not generated
    assert [d.scheduled for d in deps] == [MON_0600, MON_0600 + 600, MON_0600 + 1200]
    assert all(d.headway_s is None and not d.approximate for d in deps)


def test_exact_times_1_end_time_one_second_after_a_start_includes_it(load_feed: LoadFeed) -> None:
    tt = load_feed(_feed(exact=1, end="06:30:01"))
    assert _times(tt, "A") == [MON_0600 + k * 600 for k in range(4)]


def test_intermediate_stop_keeps_the_template_interval(load_feed: LoadFeed) -> None:
    tt = load_feed(_feed(exact=1, end="06:30:00"))
    assert _times(tt, "B") == [MON_0600 + 300, MON_0600 + 900, MON_0600 + 1500]


def test_last_stop_of_a_frequency_trip_is_not_a_departure(load_feed: LoadFeed) -> None:
    assert _times(load_feed(_feed(exact=0)), "C") == []


def test_template_times_are_ignored_only_intervals_matter(load_feed: LoadFeed) -> None:
    tt = load_feed(_feed(exact=1, end="06:30:00", first_time="13:17:00"))
    assert _times(tt, "A") == [MON_0600, MON_0600 + 600, MON_0600 + 1200]
    assert _times(tt, "B") == [MON_0600 + 300, MON_0600 + 900, MON_0600 + 1500]


def test_two_headway_windows_for_one_trip(load_feed: LoadFeed) -> None:
    feed = _feed(exact=0, end="06:20:00")
    feed.add_frequency("freq", "17:00:00", "17:30:00", 900, 0)
    tt = load_feed(feed)
    mon_1700 = MON_0600 + 11 * 3600
    assert _times(tt, "A") == [MON_0600, MON_0600 + 600, mon_1700, mon_1700 + 900]


def test_frequency_after_midnight_belongs_to_the_previous_service_day(load_feed: LoadFeed) -> None:
    tt = load_feed(_feed(exact=0, start="24:30:00", end="25:00:00", headway=900))
    tue_0030 = 1781474400 + 88_200          # Tue 2026-06-16 00:30 CEST
    deps = board(tt, "A", tue_0030, tue_0030 + 3600)
    assert [(d.scheduled, d.service_date.isoformat()) for d in deps] == [
        (tue_0030, "2026-06-15"), (tue_0030 + 900, "2026-06-15")]


def test_invalid_frequency_rows_are_counted_and_skipped(load_feed: LoadFeed) -> None:
    feed = _feed(exact=0)
    feed.add_frequency("freq", "08:00:00", "07:00:00", 600, 0)    # end before start
    feed.add_frequency("freq", "09:00:00", "10:00:00", 0, 0)      # no headway
    feed.add_frequency("nope", "09:00:00", "10:00:00", 600, 0)    # unknown trip
    tt = load_feed(feed)
    assert tt.excluded == {"bad_frequency": 3}
    assert len(_times(tt, "A")) == 6

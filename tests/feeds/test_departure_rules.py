"""Which stop_times are departures and what a departure carries (A1.4, A1.7, design.md).

Service date Mon 2026-06-15; base 1781474400; 06:00:00 = 1781496000.
"""

from __future__ import annotations

from feeds import Route, Timetable
from tests.feeds.boards import board
from tests.feeds.conftest import LoadFeed
from tests.gtfs_builder import GtfsBuilder

MON_0600 = 1781496000
DAY = (1781474400, 1781474400 + 30 * 3600)


def _feed() -> GtfsBuilder:
    feed = GtfsBuilder()
    for s in "ABCDE":
        feed.add_stop(s, f"Halt {s}")
    feed.add_route("R", "64")
    feed.add_date("MON", "20260615", 1)
    return feed


def _seqs(tt: Timetable, stop: str) -> list[tuple[str, int, int]]:
    return [(d.trip_id, d.stop_sequence, d.scheduled) for d in board(tt, stop, *DAY)]


def test_last_stop_is_not_a_departure(load_feed: LoadFeed) -> None:
    feed = _feed().add_trip("t", "R", "MON", [("A", "06:00:00"), ("B", "06:10:00"),
                                              ("C", "06:20:00")])
    tt = load_feed(feed)
    assert _seqs(tt, "A") == [("t", 1, MON_0600)]
    assert _seqs(tt, "B") == [("t", 2, MON_0600 + 600)]
    assert _seqs(tt, "C") == []


def test_last_stop_is_not_a_departure_even_with_pickup_allowed_and_sparse_sequences(
        load_feed: LoadFeed) -> None:
    feed = _feed().add_trip("t", "R", "MON", [
        ("A", "06:00:00", "06:00:00", {"pickup_type": 0}),
        ("B", "06:10:00", "06:10:00", {"pickup_type": 0})], first_sequence=10, sequence_step=7)
    tt = load_feed(feed)
    assert _seqs(tt, "A") == [("t", 10, MON_0600)]
    assert _seqs(tt, "B") == []


def test_stop_times_out_of_file_order_are_ordered_by_stop_sequence(load_feed: LoadFeed) -> None:
    feed = _feed()
    feed.trips.append({"route_id": "R", "service_id": "MON", "trip_id": "t"})
    feed.add_stop_time("t", "C", "06:20:00", "06:20:00", 30)
    feed.add_stop_time("t", "A", "06:00:00", "06:00:00", 10)
    feed.add_stop_time("t", "B", "06:10:00", "06:10:00", 20)
    tt = load_feed(feed)
    assert _seqs(tt, "A") == [("t", 10, MON_0600)]
    assert _seqs(tt, "C") == []


def test_pickup_type_1_is_excluded_2_and_3_are_on_request(load_feed: LoadFeed) -> None:
    feed = _feed().add_trip("t", "R", "MON", [
        ("A", "06:00:00", "06:00:00", {"pickup_type": 0}),
        ("B", "06:10:00", "06:10:00", {"pickup_type": 1}),
        ("C", "06:20:00", "06:20:00", {"pickup_type": 2}),
        ("D", "06:30:00", "06:30:00", {"pickup_type": 3}),
        ("E", "06:40:00", "06:40:00", {"pickup_type": 1})])
    tt = load_feed(feed)
    assert [(d.stop_id, d.on_request) for d in board(tt, "A", *DAY)] == [("A", False)]
    assert board(tt, "B", *DAY) == []
    assert [(d.stop_id, d.on_request) for d in board(tt, "C", *DAY)] == [("C", True)]
    assert [(d.stop_id, d.on_request) for d in board(tt, "D", *DAY)] == [("D", True)]
    assert board(tt, "E", *DAY) == []


def test_drop_off_type_1_does_not_stop_a_departure(load_feed: LoadFeed) -> None:
    feed = _feed().add_trip("t", "R", "MON", [
        ("A", "06:00:00", "06:00:00", {"drop_off_type": 1}),
        ("B", "06:10:00", "06:10:00", {"drop_off_type": 1}),
        ("C", "06:20:00")])
    assert _seqs(load_feed(feed), "B") == [("t", 2, MON_0600 + 600)]


def test_loop_first_occurrence_departs_last_is_arrival_middle_repeat_departs(
        load_feed: LoadFeed) -> None:
    feed = _feed().add_trip("loop", "R", "MON", [
        ("A", "06:00:00"), ("B", "06:10:00"), ("C", "06:20:00"), ("B", "06:30:00"),
        ("A", "06:40:00")])
    tt = load_feed(feed)
    assert _seqs(tt, "A") == [("loop", 1, MON_0600)]
    assert _seqs(tt, "B") == [("loop", 2, MON_0600 + 600), ("loop", 4, MON_0600 + 1800)]


def test_departure_time_not_arrival_time_is_scheduled(load_feed: LoadFeed) -> None:
    feed = _feed().add_trip("t", "R", "MON", [
        ("A", "06:00:00"), ("B", "06:08:00", "06:10:00"), ("C", "06:20:00")])
    assert _seqs(load_feed(feed), "B") == [("t", 2, MON_0600 + 600)]


def test_timepoint_0_is_approximate_and_1_or_empty_exact(load_feed: LoadFeed) -> None:
    feed = _feed().add_trip("t", "R", "MON", [
        ("A", "06:00:00", "06:00:00", {"timepoint": 1}),
        ("B", "06:10:00", "06:10:00", {"timepoint": 0}),
        ("C", "06:20:00", "06:20:00", {"timepoint": ""}),
        ("D", "06:30:00", "06:30:00", {"timepoint": 1})])
    tt = load_feed(feed)
    assert [d.approximate for s in "ABC" for d in board(tt, s, *DAY)] == [False, True, False]


def test_untimed_intermediate_stop_is_interpolated_and_approximate(load_feed: LoadFeed) -> None:
    feed = _feed().add_trip("t", "R", "MON", [
        ("A", "06:00:00"), ("B", None, None, {"timepoint": 0}), ("C", "06:20:00")])
    deps = board(load_feed(feed), "B", *DAY)
    assert [(d.scheduled, d.approximate) for d in deps] == [(MON_0600 + 600, True)]


def test_wheelchair_accessible_true_false_unknown(load_feed: LoadFeed) -> None:
    feed = _feed()
    for trip, flag in (("w1", 1), ("w2", 2), ("w0", 0), ("wn", None)):
        feed.add_trip(trip, "R", "MON", [("A", "06:00:00"), ("B", "06:10:00")],
                      wheelchair_accessible=flag)
    deps = board(load_feed(feed), "A", *DAY)
    assert {d.trip_id: d.wheelchair_accessible for d in deps} == {
        "w1": True, "w2": False, "w0": None, "wn": None}


def test_route_colour_type_and_names_are_carried(load_feed: LoadFeed) -> None:
    feed = GtfsBuilder()
    feed.add_stop("A").add_stop("B")
    feed.add_route("TRAM", "50", "Hechtsheim – Finthen", route_type=0, color="E30613",
                   text_color="FFFFFF")
    feed.add_route("BUS", "9", route_type=3, color="red", text_color="")
    feed.add_date("MON", "20260615", 1)
    feed.add_trip("tram", "TRAM", "MON", [("A", "06:00:00"), ("B", "06:10:00")])
    feed.add_trip("bus", "BUS", "MON", [("A", "06:05:00"), ("B", "06:15:00")])
    deps = board(load_feed(feed), "A", *DAY)
    assert [d.route for d in deps] == [
        Route(id="TRAM", short_name="50", long_name="Hechtsheim – Finthen", type=0,
              color="E30613", text_color="FFFFFF", agency_id="MVG"),
        Route(id="BUS", short_name="9", long_name=None, type=3, color=None, text_color=None,
              agency_id="MVG"),
    ]


def test_direction_and_platform_code_are_carried(load_feed: LoadFeed) -> None:
    feed = _feed()
    feed.stops[0]["platform_code"] = "C"
    feed.add_trip("t", "R", "MON", [("A", "06:00:00"), ("B", "06:10:00")], direction_id=1)
    feed.add_trip("u", "R", "MON", [("B", "06:00:00"), ("A", "06:10:00")])
    tt = load_feed(feed)
    assert [(d.platform, d.direction_id) for d in board(tt, "A", *DAY)] == [("C", 1)]
    assert [(d.platform, d.direction_id) for d in board(tt, "B", *DAY)] == [(None, None)]


def _many(feed: GtfsBuilder) -> GtfsBuilder:
    for trip, time in (("b2", "06:00:00"), ("a1", "06:00:00"), ("c3", "05:59:59"),
                       ("d4", "06:10:00")):
        feed.add_trip(trip, "R", "MON", [("A", time), ("B", "06:30:00")])
    return feed


def test_window_start_inclusive_end_exclusive(load_feed: LoadFeed) -> None:
    tt = load_feed(_many(_feed()))
    assert [d.trip_id for d in board(tt, "A", MON_0600, MON_0600 + 600)] == ["a1", "b2"]
    assert [d.trip_id for d in board(tt, "A", MON_0600 - 1, MON_0600)] == ["c3"]
    assert [d.trip_id for d in board(tt, "A", MON_0600 + 1, MON_0600 + 601)] == ["d4"]
    assert board(tt, "A", MON_0600, MON_0600) == []


def test_sorted_by_time_then_trip_id(load_feed: LoadFeed) -> None:
    tt = load_feed(_many(_feed()))
    deps = board(tt, "A", *DAY)
    assert [(d.trip_id, d.scheduled) for d in deps] == [
        ("c3", MON_0600 - 1), ("a1", MON_0600), ("b2", MON_0600), ("d4", MON_0600 + 600)]
    assert [d.sort_key() for d in deps] == sorted(d.sort_key() for d in deps)


def test_effective_is_predicted_else_scheduled(load_feed: LoadFeed) -> None:
    import dataclasses

    tt = load_feed(_many(_feed()))
    dep = board(tt, "A", *DAY)[0]
    assert dep.effective == dep.scheduled
    late = dataclasses.replace(dep, predicted=dep.scheduled + 120)
    assert late.effective == dep.scheduled + 120
    assert late.sort_key() == (dep.scheduled + 120, dep.scheduled, dep.trip_id,
                               dep.stop_sequence, dep.stop_id)


def test_unknown_stop_index_raises_nothing_and_stop_without_trips_is_empty(
        load_feed: LoadFeed) -> None:
    tt = load_feed(_many(_feed()))
    assert tt.find_stop("nope") == -1
    assert board(tt, "E", *DAY) == []

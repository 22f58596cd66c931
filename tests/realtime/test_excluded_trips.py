"""Realtime naming a trip the static loader excluded: unknown to realtime, never an error.

The loader keeps an excluded trip's id in `tt.trip_ids` but gives it no stop_times. "ZZ" (an
unknown stop) sorts last, so reading its first row ran past the end of the stop_times; "T15"
(one stop_time) sorts between T1 and T2, so its empty range starts at T2's rows and realtime
for T15 silently became realtime for T2.
"""

from __future__ import annotations

from typing import Any

import pytest

from feeds import Timetable, load_timetable
from tests.realtime.conftest import apply, board, hm, network, only, trip_ids
from tests.realtime.rt_builder import TD, stu, trip_update, vehicle


@pytest.fixture(scope="module")
def ett(tmp_path_factory: pytest.TempPathFactory) -> Timetable:
    feed = network()
    feed.add_trip("ZZ", "R53", "DAILY", [("A", "07:00:00"), ("NOWHERE", "07:10:00")],
                  direction_id=1)
    feed.add_trip("T15", "R50", "DAILY", [("A", "10:30:00")], direction_id=0)
    tt = load_timetable(feed.write(tmp_path_factory.mktemp("excl") / "n.zip"))
    assert tt.excluded == {"unknown_stop": 1, "too_few_stop_times": 1}
    for trip_id in ("ZZ", "T15"):
        trip = tt.find_trip(trip_id)
        assert trip >= 0 and tt.trip_st_start[trip] == tt.trip_st_end[trip]
    return tt


def rejected(state: Any) -> dict[str, int]:
    return {str(k): v for k, v in state.feed("tu").stats.rejected.items()}


@pytest.mark.parametrize("trip_id", ["ZZ", "T15"])
def test_trip_update_for_an_excluded_trip_is_an_unknown_trip(ett: Timetable,
                                                             trip_id: str) -> None:
    state = apply(ett, trip_update("e", trip_id, stu(1, dep_delay=60), stu(10, dep_delay=60)),
                  trip_update("f", trip_id, relationship=TD.CANCELED, start_date="20260615"))
    stats = state.feed("tu").stats
    assert rejected(state) == {"unknown_trip": 2}
    assert stats.trip_updates_matched == 0
    b = board(ett, "A", hm("10:00"), state, 7200)
    assert not any(d.realtime or d.status != "scheduled" for d in b.departures)
    assert only(b, "T2").predicted is None


@pytest.mark.parametrize("trip_id", ["ZZ", "T15"])
def test_vehicle_for_an_excluded_trip_is_an_unknown_trip(ett: Timetable, trip_id: str) -> None:
    state = apply(ett, vehicle("v", trip_id, occupancy=5, wheelchair=2))
    stats = state.feed("tu").stats
    assert (stats.vehicles_matched, {str(k): v for k, v in stats.vehicles_rejected.items()}) == (
        0, {"unknown_trip": 1})
    assert only(board(ett, "A", hm("10:00"), state, 7200), "T2").occupancy is None


@pytest.mark.parametrize("trip_id", ["ZZ", "T15"])
def test_duplicated_excluded_trip_is_an_unknown_trip(ett: Timetable, trip_id: str) -> None:
    state = apply(ett, trip_update(
        "e", trip_id, stu(1, dep_delay=60), relationship=TD.DUPLICATED,
        properties={"trip_id": "copy", "start_date": "20260615", "start_time": "10:45:00"}))
    assert rejected(state) == {"unknown_trip": 1}
    assert "copy" not in trip_ids(board(ett, "A", hm("10:00"), state, 7200))


def test_alternative_match_never_names_an_excluded_trip(ett: Timetable) -> None:
    state = apply(ett,
                  trip_update("e", None, stu(1, dep_delay=60), route_id="R53", direction_id=1,
                              start_time="07:00:00", start_date="20260615"),
                  trip_update("f", None, stu(20, dep_delay=60), route_id="R50", direction_id=0,
                              start_time="10:00:00", start_date="20260615"))
    assert rejected(state) == {"unknown_trip": 1}
    assert only(board(ett, "A", hm("10:00"), state), "T1").delay_s == 60


def test_new_trip_reusing_an_excluded_trip_id_is_a_new_trip(ett: Timetable) -> None:
    state = apply(ett, trip_update(
        "e", "ZZ", stu(1, "A", dep_time=hm("10:05")), stu(2, "B", arr_time=hm("10:15")),
        route_id="R53", relationship=TD.NEW))
    assert rejected(state) == {}
    dep = only(board(ett, "A", hm("10:00"), state), "ZZ")
    assert (dep.status, dep.predicted) == ("added", hm("10:05"))

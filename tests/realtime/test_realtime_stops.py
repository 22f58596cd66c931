"""Stop ids in realtime must be boardable stops (location_type 0; GTFS-RT validator E010/E015).

A NEW trip calling at a station id was counted as matched and shown on no board; an
assigned_stop_id naming a station, or a stop outside the scheduled stop's station, took the
departure off every board and counted nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from feeds import Timetable
from tests.realtime.conftest import apply, board, hm, only, trip_ids
from tests.realtime.rt_builder import STU, TD, stu, trip_update

ND = STU.NO_DATA


def counts(state: Any) -> tuple[int, dict[str, int], dict[str, int]]:
    stats = state.feed("tu").stats
    return (stats.trip_updates_matched, {str(k): v for k, v in stats.rejected.items()},
            {str(k): v for k, v in stats.stop_time_updates_dropped.items()})


@pytest.mark.parametrize("position", [0, 1])
def test_new_trip_calling_at_a_station_id_is_rejected_as_unknown_stop(
        tt: Timetable, position: int) -> None:
    calls = ["A", "B", "C"]
    calls[position] = "HBF"
    state = apply(tt, trip_update(
        "e", "X1", *(stu(i + 1, s, dep_time=hm(f"10:{5 + 10 * i:02d}"))
                     for i, s in enumerate(calls)),
        route_id="R50", start_date="20260615", relationship=TD.NEW))
    assert counts(state) == (0, {"unknown_stop": 1}, {})
    for stop in ("HBF", "HBF:1", "HBF:2", "A", "B"):
        assert "X1" not in trip_ids(board(tt, stop, hm("10:00"), state))


def test_new_trip_at_a_platform_of_a_station_is_on_the_station_board(tt: Timetable) -> None:
    state = apply(tt, trip_update(
        "e", "X1", stu(1, "HBF:2", dep_time=hm("10:05")), stu(2, "A", arr_time=hm("10:15")),
        route_id="R50", start_date="20260615", relationship=TD.NEW))
    assert counts(state) == (1, {}, {})
    assert only(board(tt, "HBF", hm("10:00"), state), "X1").stop_id == "HBF:2"


@pytest.mark.parametrize("assigned", ["HBF", "E", "NOWHERE"])
def test_invalid_assigned_stop_keeps_the_departure_on_its_platform(
        tt: Timetable, assigned: str) -> None:
    state = apply(tt, trip_update("e", "T1", stu(10, dep_delay=60, assigned_stop_id=assigned),
                                  start_date="20260615"))
    reason = "unknown_stop" if assigned == "NOWHERE" else "invalid_assigned_stop"
    assert counts(state) == (1, {}, {reason: 1})
    for stop in ("HBF", "HBF:1"):
        dep = only(board(tt, stop, hm("09:58"), state), "T1")
        assert (dep.stop_id, dep.platform, dep.platform_changed, dep.predicted, dep.realtime) == (
            "HBF:1", "1", False, hm("10:01"), True)
    assert "T1" not in trip_ids(board(tt, "E", hm("09:58"), state))
    assert "T1" not in trip_ids(board(tt, "HBF:2", hm("09:58"), state))


def test_invalid_assigned_stop_without_prediction_keeps_the_schedule(tt: Timetable) -> None:
    state = apply(tt, trip_update("e", "T1", stu(10, assigned_stop_id="HBF", relationship=ND),
                                  start_date="20260615"))
    assert counts(state) == (1, {}, {"invalid_assigned_stop": 1})
    dep = only(board(tt, "HBF", hm("09:58"), state), "T1")
    assert (dep.stop_id, dep.platform_changed, dep.predicted, dep.realtime) == (
        "HBF:1", False, None, False)


def test_a_stand_alone_stop_is_not_reassigned_into_a_station(tt: Timetable) -> None:
    state = apply(tt, trip_update("e", "T1", stu(20, dep_delay=60, assigned_stop_id="HBF:2")))
    assert counts(state) == (1, {}, {"invalid_assigned_stop": 1})
    assert only(board(tt, "A", hm("10:00"), state), "T1").predicted == hm("10:11")
    assert "T1" not in trip_ids(board(tt, "HBF:2", hm("10:00"), state))


def test_duplicated_trip_with_invalid_assigned_stop_stays_on_the_scheduled_platform(
        tt: Timetable) -> None:
    state = apply(tt, trip_update(
        "e", "T1", stu(10, assigned_stop_id="E", relationship=ND), relationship=TD.DUPLICATED,
        properties={"trip_id": "T1-extra", "start_date": "20260615", "start_time": "10:30:00"}))
    assert counts(state) == (1, {}, {"invalid_assigned_stop": 1})
    assert only(board(tt, "HBF:1", hm("10:00"), state), "T1-extra").stop_id == "HBF:1"
    assert "T1-extra" not in trip_ids(board(tt, "E", hm("10:00"), state))

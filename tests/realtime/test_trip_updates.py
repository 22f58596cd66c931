"""Trip updates on boards: one scenario per rule of gtfs-semantics A2 (literal epochs)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import realtime.merge
from feeds import Departure, Timetable
from tests.realtime.conftest import BASE, apply, board, contract, hm, only, trip_ids
from tests.realtime.rt_builder import STU, TD, stu, trip_update

Collect = Callable[..., dict[int, Departure]]
T1_STOPS = ["HBF:1", "A", "B", "C", "D"]
SCHEDULED = TD.SCHEDULED


def rejected(state: Any, source: str = "tu") -> dict[str, int]:
    return {str(k): v for k, v in state.feed(source).stats.rejected.items()}


def dropped(state: Any, source: str = "tu") -> dict[str, int]:
    return {str(k): v for k, v in state.feed(source).stats.stop_time_updates_dropped.items()}


def test_time_wins_over_delay(tt: Timetable) -> None:
    state = apply(tt, trip_update("e", "T1", stu(20, dep_delay=60, dep_time=hm("10:13"))))
    dep = only(board(tt, "A", hm("10:00"), state), "T1")
    assert (dep.predicted, dep.delay_s, dep.realtime) == (1781511180, 180, True)
    doc = contract(tt, "A", hm("10:00"), state)
    [t1] = [d for d in doc["departures"] if d["trip_id"] == "T1"]
    assert (t1["scheduled"], t1["predicted"], t1["delay_s"], t1["realtime"]) == (
        "2026-06-15T10:10:00+02:00", "2026-06-15T10:13:00+02:00", 180, True)


def test_explicit_zero_delay_is_on_time_and_realtime(tt: Timetable) -> None:
    state = apply(tt, trip_update("e", "T1", stu(20, dep_delay=0)))
    dep = only(board(tt, "A", hm("10:00"), state), "T1")
    assert (dep.predicted, dep.delay_s, dep.realtime) == (1781511000, 0, True)


def test_event_without_delay_or_time_is_no_data(tt: Timetable, predictions: Collect) -> None:
    # gtfs-realtime-bindings#16: an empty StopTimeEvent must not read as "on time"
    empty = STU(stop_sequence=20)
    empty.departure.uncertainty = 30
    state = apply(tt, trip_update("e", "T1", empty))
    deps = predictions(state, "T1", T1_STOPS, hm("09:55"))
    assert all(d.predicted is None and not d.realtime for d in deps.values())


def test_rt_tu_example_2_delay_300_at_3_then_60_at_8_no_data_at_10(
        tt: Timetable, predictions: Collect) -> None:
    state = apply(tt, trip_update(
        "e", "T20", stu(3, dep_delay=300), stu(8, dep_delay=60),
        stu(10, relationship=STU.NO_DATA)), ts=hm("11:50"))
    deps = predictions(state, "T20", [f"S{i}" for i in range(1, 21)], hm("11:50"))
    assert sorted(deps) == list(range(1, 20))          # seq 20 is the last stop: no departure
    for seq in (1, 2, *range(10, 20)):
        assert (deps[seq].predicted, deps[seq].delay_s, deps[seq].realtime) == (None, None, False)
    for seq in range(3, 8):
        assert deps[seq].delay_s == 300 and deps[seq].realtime
    assert deps[3].predicted == 1781518500             # 12:10 + 5 min = 12:15
    assert deps[7].predicted == 1781519700             # 12:30 + 5 min = 12:35
    assert [deps[8].delay_s, deps[9].delay_s] == [60, 60]
    assert deps[8].predicted == 1781519760             # 12:35 + 1 min = 12:36


def test_skipped_passes_the_delay_on_and_neighbours_are_unaffected(
        tt: Timetable, predictions: Collect) -> None:
    state = apply(tt, trip_update("e", "T1", stu(20, dep_delay=120),
                                  stu(30, relationship=STU.SKIPPED)))
    deps = predictions(state, "T1", T1_STOPS, hm("09:55"))
    assert (deps[10].predicted, deps[10].realtime, deps[10].status) == (None, False, "scheduled")
    assert (deps[20].predicted, deps[20].status) == (1781511120, "scheduled")   # 10:12
    assert (deps[30].predicted, deps[30].delay_s, deps[30].status) == (None, None, "skipped")
    assert (deps[40].predicted, deps[40].delay_s, deps[40].status) == (1781512320, 120,
                                                                        "scheduled")  # 10:32


def test_stops_before_first_update_keep_schedule_and_are_clamped_only_when_early(
        tt: Timetable, predictions: Collect) -> None:
    state = apply(tt, trip_update("e", "T1", stu(30, dep_time=hm("10:08"))))
    deps = predictions(state, "T1", T1_STOPS, hm("09:55"))
    assert (deps[10].predicted, deps[10].realtime) == (None, False)       # 10:00 < 10:08
    assert (deps[20].predicted, deps[20].realtime) == (hm("10:08"), False)  # clamped, not RT
    assert (deps[30].predicted, deps[30].delay_s, deps[30].realtime) == (1781510880, -720, True)
    assert deps[40].predicted == 1781511480                                # 10:30 − 12 min


def test_schedule_only_gap_after_no_data_is_clamped_before_an_early_stop(
        tt: Timetable, predictions: Collect) -> None:
    """NO_DATA ends propagation; a later early prediction must not leave the gap behind it."""
    state = apply(tt, trip_update("e", "T1", stu(10, dep_delay=60),
                                  stu(20, relationship=STU.NO_DATA),
                                  stu(40, dep_time=hm("10:12"))))
    deps = predictions(state, "T1", T1_STOPS, hm("09:55"))
    assert (deps[10].predicted, deps[10].realtime) == (hm("10:01"), True)
    assert (deps[20].predicted, deps[20].realtime) == (None, False)        # 10:10 <= 10:12
    assert (deps[30].predicted, deps[30].realtime) == (hm("10:12"), False)  # 10:20 > 10:12
    assert (deps[40].predicted, deps[40].realtime) == (hm("10:12"), True)


def test_trip_level_delay_applies_until_first_update_with_data(
        tt: Timetable, predictions: Collect) -> None:
    state = apply(tt, trip_update("e", "T1", stu(40, dep_delay=0), delay=120))
    deps = predictions(state, "T1", T1_STOPS, hm("09:55"))
    assert [deps[s].delay_s for s in (10, 20, 30, 40)] == [120, 120, 120, 0]
    assert all(deps[s].realtime for s in (10, 20, 30, 40))
    only_trip_delay = apply(tt, trip_update("e", "T1", delay=-60))
    deps = predictions(only_trip_delay, "T1", T1_STOPS, hm("09:55"))
    assert [deps[s].predicted for s in (10, 40)] == [1781510340, 1781512140]   # 09:59, 10:29


def test_stop_id_only_update_applies_when_unambiguous(tt: Timetable) -> None:
    state = apply(tt, trip_update("e", "T1", stu(None, "B", dep_delay=60)))
    assert only(board(tt, "B", hm("10:00"), state), "T1").predicted == hm("10:21")


def test_loop_stop_id_without_sequence_is_dropped_never_applied_to_first(
        tt: Timetable, predictions: Collect) -> None:
    state = apply(tt, trip_update("e", "TL", stu(None, "HBF:2", dep_delay=60)), ts=hm("08:55"))
    assert dropped(state) == {"ambiguous_stop": 1}
    deps = predictions(state, "TL", ["HBF:2", "A", "B"], hm("08:55"))
    assert all(d.predicted is None for d in deps.values())


def test_loop_stop_id_is_placed_by_its_neighbours(tt: Timetable, predictions: Collect) -> None:
    state = apply(tt, trip_update("e", "TL", stu(None, "B", dep_delay=60),
                                  stu(None, "HBF:2", dep_delay=120)), ts=hm("08:55"))
    assert dropped(state) == {}
    deps = predictions(state, "TL", ["HBF:2"], hm("08:55"))
    assert (deps[10].predicted, deps[40].predicted) == (None, hm("09:32"))


def test_stop_sequence_not_in_trip_drops_that_update_only(tt: Timetable) -> None:
    state = apply(tt, trip_update("e", "T1", stu(25, dep_delay=60), stu(30, dep_delay=120)))
    assert dropped(state) == {"stop_sequence_not_in_trip": 1}
    assert state.feed("tu").stats.trip_updates_matched == 1
    assert only(board(tt, "B", hm("10:00"), state), "T1").predicted == hm("10:22")


def test_unsorted_or_repeated_stop_sequence_rejects_the_trip_update(tt: Timetable) -> None:
    unsorted = apply(tt, trip_update("e", "T1", stu(30, dep_delay=60), stu(20, dep_delay=60)))
    repeated = apply(tt, trip_update("e", "T1", stu(20, dep_delay=60), stu(20, dep_delay=90)))
    assert rejected(unsorted) == {"unsorted_stop_sequence": 1}
    assert rejected(repeated) == {"repeated_stop_sequence": 1}
    for state in (unsorted, repeated):
        dep = only(board(tt, "A", hm("10:00"), state), "T1")
        assert (dep.predicted, dep.realtime) == (None, False)


def test_predictions_running_backwards_reject_the_trip_update(tt: Timetable) -> None:
    state = apply(tt, trip_update("e", "T1", stu(20, dep_time=hm("10:15")),
                                  stu(30, arr_time=hm("10:12"), dep_time=hm("10:13"))))
    assert rejected(state) == {"predictions_backwards": 1}
    assert only(board(tt, "A", hm("10:00"), state), "T1").realtime is False


def test_implausibly_early_prediction_rejects_the_trip_update(tt: Timetable) -> None:
    # mfdz/GTFS-Issues#269: DELFI matched the wrong trip, every stop about −3600 s
    state = apply(tt, trip_update("e", "T2", stu(20, dep_delay=-3600), stu(30, dep_delay=-3600)))
    assert rejected(state) == {"implausibly_early": 1}
    assert only(board(tt, "A", hm("10:00"), state, 7200), "T2").predicted is None


def test_unknown_trip_and_no_service_on_date_are_counted(tt: Timetable) -> None:
    state = apply(tt, trip_update("a", "NOPE", stu(1, dep_delay=60)),
                  trip_update("b", "TW", stu(1, dep_delay=60), start_date="20260614"),
                  trip_update("c", "T1", stu(20, dep_delay=60)))
    stats = state.feed("tu").stats
    assert rejected(state) == {"unknown_trip": 1, "no_service_on_date": 1}
    assert (stats.trip_updates, stats.trip_updates_matched) == (3, 1)


def test_without_start_date_the_instance_nearest_the_header_time_is_used(tt: Timetable) -> None:
    next_day = BASE + 86_400
    state = apply(tt, trip_update("e", "T1", stu(10, dep_delay=300)), ts=next_day + 35_700)
    today = only(board(tt, "HBF:1", hm("09:55"), state), "T1")
    tomorrow = only(board(tt, "HBF:1", next_day + 35_700, state), "T1")
    assert (today.predicted, today.service_date.isoformat()) == (None, "2026-06-15")
    assert (tomorrow.predicted, tomorrow.service_date.isoformat()) == (1781597100, "2026-06-16")


def test_frequency_trip_is_matched_by_start_time(tt: Timetable) -> None:
    state = apply(tt, trip_update("e", "TF", stu(2, dep_delay=120), start_time="08:10:00",
                                  start_date="20260615"), ts=hm("08:00"))
    deps = [d for d in board(tt, "B", hm("08:00"), state, 1800).departures if d.trip_id == "TF"]
    assert [(d.scheduled, d.predicted) for d in deps] == [
        (hm("08:05"), None), (hm("08:15"), hm("08:17")), (hm("08:25"), None)]
    missing = apply(tt, trip_update("e", "TF", stu(2, dep_delay=120)), ts=hm("08:00"))
    assert rejected(missing) == {"unknown_instance": 1}


def test_start_time_past_24h_names_the_previous_service_date(tt: Timetable) -> None:
    at = BASE + 86_400                               # 2026-06-16T00:00:00+02:00
    for date, start in (("20260615", "24:15:00"), ("20260616", "00:15:00")):
        state = apply(tt, trip_update("e", "TN", stu(1, dep_delay=60), start_date=date,
                                      start_time=start), ts=at)
        dep = only(board(tt, "A", at, state), "TN")
        doc = contract(tt, "A", at, state)["departures"][0]
        assert (dep.predicted, dep.service_date.isoformat()) == (1781561760, "2026-06-15")
        assert doc["predicted"] == "2026-06-16T00:16:00+02:00"


def test_alternative_match_by_route_direction_start_time_and_date(tt: Timetable) -> None:
    state = apply(tt, trip_update("e", None, stu(10, dep_delay=60), route_id="R50",
                                  direction_id=0, start_time="11:00:00", start_date="20260615"),
                  trip_update("f", None, stu(10, dep_delay=120), route_id="R50",
                              direction_id=1, start_time="11:00:00", start_date="20260615"),
                  ts=hm("10:30"))
    assert only(board(tt, "HBF:1", hm("10:30"), state), "T2").predicted == hm("11:01")
    assert only(board(tt, "D", hm("10:30"), state), "T3").predicted == hm("11:02")


def test_canceled_trip_is_listed_as_cancelled_without_prediction(tt: Timetable) -> None:
    state = apply(tt, trip_update("e", "T1", stu(20, dep_delay=300), relationship=TD.CANCELED))
    dep = only(board(tt, "A", hm("10:00"), state), "T1")
    assert (dep.status, dep.predicted, dep.delay_s, dep.scheduled) == (
        "cancelled", None, None, hm("10:10"))
    # the last stop stays off the board even when cancelled (OTP#5000)
    assert "T1" not in trip_ids(board(tt, "D", hm("10:00"), state))


def test_deleted_trip_is_not_listed(tt: Timetable) -> None:
    state = apply(tt, trip_update("e", "T1", relationship=TD.DELETED))
    assert "T1" not in trip_ids(board(tt, "A", hm("10:00"), state))
    assert "T2" not in trip_ids(board(tt, "A", hm("10:00"), state))   # outside the window


def test_cancelled_then_absent_from_the_next_full_dataset_is_scheduled_again(
        tt: Timetable) -> None:
    state = apply(tt, trip_update("e", "T1", relationship=TD.CANCELED))
    state = apply(tt, ts=TS_NEXT, state=state)
    dep = only(board(tt, "A", hm("10:00"), state), "T1")
    assert (dep.status, dep.realtime) == ("scheduled", False)


TS_NEXT = hm("09:56")


def test_new_trip_is_listed_as_added_at_its_stops_except_the_last(tt: Timetable) -> None:
    state = apply(tt, trip_update(
        "e", "X1", stu(1, "A", dep_time=hm("10:05")), stu(2, "B", dep_time=hm("10:15")),
        stu(3, "C", arr_time=hm("10:25")), route_id="R50", relationship=TD.NEW,
        properties={"trip_headsign": "Sonderfahrt"}))
    dep = only(board(tt, "A", hm("10:00"), state), "X1")
    assert (dep.status, dep.predicted, dep.scheduled, dep.headsign, dep.route.id) == (
        "added", hm("10:05"), hm("10:05"), "Sonderfahrt", "R50")
    assert only(board(tt, "B", hm("10:00"), state), "X1").stop_sequence == 2
    assert "X1" not in trip_ids(board(tt, "C", hm("10:00"), state))


def test_new_trip_with_unknown_stop_or_route_is_rejected(tt: Timetable) -> None:
    stops = (stu(1, "A", dep_time=hm("10:05")), stu(2, "MOON", dep_time=hm("10:15")))
    bad_stop = apply(tt, trip_update("e", "X1", *stops, route_id="R50", relationship=TD.NEW))
    good = (stu(1, "A", dep_time=hm("10:05")), stu(2, "B", dep_time=hm("10:15")))
    bad_route = apply(tt, trip_update("e", "X2", *good, route_id="R99", relationship=TD.NEW),
                      trip_update("f", "X3", *good, relationship=TD.ADDED))
    assert rejected(bad_stop) == {"unknown_stop": 1}
    assert rejected(bad_route) == {"unknown_route": 2}
    assert "X1" not in trip_ids(board(tt, "A", hm("10:00"), bad_stop))


def test_duplicated_trip_is_a_shifted_copy_and_the_original_is_unchanged(
        tt: Timetable) -> None:
    state = apply(tt, trip_update(
        "e", "T1", stu(30, dep_delay=60), relationship=TD.DUPLICATED,
        properties={"trip_id": "T1-extra", "start_date": "20260615", "start_time": "10:30:00"}))
    b = board(tt, "B", hm("10:00"), state)
    original, copy = only(b, "T1"), only(b, "T1-extra")
    assert (original.scheduled, original.predicted, original.status) == (
        hm("10:20"), None, "scheduled")
    assert (copy.scheduled, copy.predicted, copy.delay_s, copy.status) == (
        hm("10:50"), hm("10:51"), 60, "added")


def test_assigned_stop_id_moves_the_departure_to_the_new_platform(tt: Timetable) -> None:
    state = apply(tt, trip_update("e", "T1", stu(10, dep_delay=60, assigned_stop_id="HBF:2")))
    assert "T1" not in trip_ids(board(tt, "HBF:1", hm("09:55"), state))
    moved = only(board(tt, "HBF:2", hm("09:55"), state), "T1")
    assert (moved.stop_id, moved.platform, moved.platform_changed, moved.predicted) == (
        "HBF:2", "2", True, hm("10:01"))
    assert (moved.planned_stop_id, moved.planned_platform) == ("HBF:1", "1")
    station = only(board(tt, "HBF", hm("09:55"), state), "T1")
    assert (station.stop_id, station.platform, station.platform_changed) == ("HBF:2", "2", True)
    doc = contract(tt, "HBF", hm("09:55"), state)
    assert [(d["trip_id"], d["platform"], d["platform_changed"]) for d in doc["departures"]
            if d["trip_id"] == "T1"] == [("T1", "2", True)]


def test_realtime_headsigns_override_the_schedule(tt: Timetable, predictions: Collect) -> None:
    state = apply(tt, trip_update("e", "T1", stu(20, dep_delay=0, stop_headsign="Hechtsheim"),
                                  properties={"trip_headsign": "Dom (Umleitung)"}))
    deps = predictions(state, "T1", T1_STOPS, hm("09:55"))
    assert [deps[s].headsign for s in (10, 20, 30)] == [
        "Dom (Umleitung)", "Hechtsheim", "Dom (Umleitung)"]


def test_realtime_pickup_none_makes_the_row_non_boardable(tt: Timetable) -> None:
    state = apply(tt, trip_update("e", "T1", stu(20, dep_delay=60, pickup_type=1)))
    assert "T1" not in trip_ids(board(tt, "A", hm("10:00"), state))
    assert only(board(tt, "B", hm("10:00"), state), "T1").predicted == hm("10:21")


def test_departure_occupancy_status_reaches_the_departure(tt: Timetable) -> None:
    state = apply(tt, trip_update("e", "T1", stu(20, dep_delay=0, occupancy=2)))
    assert only(board(tt, "A", hm("10:00"), state), "T1").occupancy == "FEW_SEATS_AVAILABLE"


def test_a_late_departure_stays_until_its_predicted_time_passes(tt: Timetable) -> None:
    state = apply(tt, trip_update("e", "T1", stu(20, dep_delay=600)), ts=hm("10:20"))
    assert only(board(tt, "A", hm("10:15"), state), "T1").predicted == hm("10:20")
    assert "T1" in trip_ids(board(tt, "A", hm("10:20"), state))
    assert "T1" not in trip_ids(board(tt, "A", hm("10:20") + 1, state))
    # without realtime it left at its scheduled time
    assert "T1" not in trip_ids(board(tt, "A", hm("10:15"), None))


def test_an_early_departure_enters_the_window_by_its_predicted_time(tt: Timetable) -> None:
    state = apply(tt, trip_update("e", "T2", stu(20, dep_delay=-300)), ts=hm("10:05"))
    b = board(tt, "A", hm("10:06"), state)             # window [10:06, 11:06)
    assert only(b, "T2").predicted == hm("11:05")
    assert "T2" not in trip_ids(board(tt, "A", hm("10:06"), None))


def test_sorting_by_effective_then_scheduled_then_trip_id(tt: Timetable) -> None:
    # TF leaves A at 10:10, 10:20, 10:30; T1 (10:10 + 10 min) ties with TF 10:20 on the
    # effective time and goes first by its earlier scheduled time.
    state = apply(tt, trip_update("e", "T1", stu(20, dep_delay=600)), ts=hm("10:05"))
    b = board(tt, "A", hm("10:05"), state, 1800)
    assert [(d.trip_id, d.effective) for d in b.departures] == [
        ("TF", hm("10:10")), ("T1", hm("10:20")), ("TF", hm("10:20")), ("TF", hm("10:30"))]


def test_one_sort_key_contract_order_then_stop_sequence_and_stop_id(tt: Timetable) -> None:
    # Departure.sort_key is the only definition (the merge and multi-stop boards use it):
    # the contract's (effective, scheduled, trip_id), then stop_sequence and stop_id so that
    # ties (a loop, a copy at two platforms) have one order.
    dep = only(board(tt, "HBF:1", hm("09:55"), None), "T1")
    assert Departure.sort_key(dep) == (hm("10:00"), hm("10:00"), "T1", 10, "HBF:1")
    ties = [replace(dep, stop_sequence=20, stop_id="HBF:2"),
            replace(dep, stop_sequence=20, stop_id="HBF:1"), dep]
    assert sorted(ties, key=Departure.sort_key) == [ties[2], ties[1], ties[0]]
    assert not hasattr(realtime.merge, "_sort_key")

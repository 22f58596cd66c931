"""The realtime state: header order, FULL_DATASET replacement, freshness, vehicles."""

from __future__ import annotations

from feeds import Timetable
from realtime.parse import parse_feed
from realtime.state import RealtimeState
from tests.realtime.conftest import TS, apply, board, contract, hm, only, trip_ids
from tests.realtime.rt_builder import TD, feed_bytes, stu, trip_update, vehicle


def test_an_older_header_timestamp_keeps_the_applied_feed(tt: Timetable) -> None:
    state = apply(tt, trip_update("e", "T1", stu(20, dep_delay=120)), ts=TS)
    older = apply(tt, trip_update("e", "T1", stu(20, dep_delay=900)), ts=TS - 30, state=state)
    stats = older.feed("tu").stats
    assert stats.applied is False and stats.note is not None and "older" in stats.note
    assert older.feed("tu").snapshot is state.feed("tu").snapshot
    assert only(board(tt, "A", hm("10:00"), older), "T1").delay_s == 120
    newer = apply(tt, trip_update("e", "T1", stu(20, dep_delay=900)), ts=TS + 30, state=state)
    assert only(board(tt, "A", hm("10:00"), newer), "T1").delay_s == 900


def test_an_empty_full_dataset_clears_all_realtime(tt: Timetable) -> None:
    state = apply(tt, trip_update("e", "T1", stu(20, dep_delay=120)),
                  trip_update("f", "T2", relationship=TD.CANCELED),
                  trip_update("g", "X1", stu(1, "A", dep_time=hm("10:05")),
                              stu(2, "B", dep_time=hm("10:15")), route_id="R50",
                              relationship=TD.NEW))
    before = board(tt, "A", hm("10:00"), state, 4800)
    assert {d.trip_id: d.status for d in before.departures if d.trip_id != "TF"} == {
        "T1": "scheduled", "X1": "added", "T2": "cancelled"}
    cleared = apply(tt, ts=TS + 60, state=state)
    after = board(tt, "A", hm("10:00"), cleared, 4800)
    assert after.status == "live"
    assert [d.trip_id for d in after.departures if d.trip_id != "TF"] == ["T1", "T2"]
    assert not any(d.realtime or d.predicted is not None or d.status != "scheduled"
                   for d in after.departures)


def test_sources_are_independent_and_a_failure_keeps_the_snapshot(tt: Timetable) -> None:
    state = apply(tt, trip_update("e", "T1", stu(20, dep_delay=120)), source="a")
    state = apply(tt, ts=TS, source="b", state=state)
    failed = state.with_failure("a", "HTTP 503")
    assert failed.feed("a").error == "HTTP 503"
    assert failed.feed("a").snapshot is state.feed("a").snapshot
    assert only(board(tt, "A", hm("10:00"), failed), "T1").delay_s == 120
    assert [f.source for f in failed.feeds] == ["a", "b"]


def test_freshness_boundary_at_max_age(tt: Timetable) -> None:
    state = apply(tt, trip_update("e", "T1", stu(20, dep_delay=60)), ts=hm("09:55"))
    live = board(tt, "A", hm("10:00"), state, max_age_s=300)          # age exactly 300 s
    stale = board(tt, "A", hm("10:00") + 1, state, max_age_s=300)     # 301 s
    assert (live.status, only(live, "T1").predicted) == ("live", hm("10:11"))
    assert stale.status == "stale"
    dep = only(stale, "T1")
    assert (dep.predicted, dep.delay_s, dep.realtime) == (None, None, False)
    assert board(tt, "A", hm("10:00") + 1, state, max_age_s=600).status == "live"


def test_stale_feed_contributes_no_cancellation_either(tt: Timetable) -> None:
    state = apply(tt, trip_update("e", "T1", relationship=TD.CANCELED), ts=hm("09:00"))
    assert only(board(tt, "A", hm("10:00"), state), "T1").status == "scheduled"


def test_board_status_is_the_worst_feed_and_timestamp_the_oldest(tt: Timetable) -> None:
    state = apply(tt, ts=hm("09:55"), source="trip-updates")
    state = apply(tt, ts=hm("09:50"), source="alerts", state=state)
    doc = contract(tt, "A", hm("09:57"), state, max_age_s=300)
    assert doc["realtime"] == {"status": "stale", "feed_timestamp": "2026-06-15T09:50:00+02:00"}
    doc = contract(tt, "A", hm("09:54"), state, max_age_s=300)
    assert doc["realtime"] == {"status": "live", "feed_timestamp": "2026-06-15T09:50:00+02:00"}


def test_without_realtime_the_status_is_unavailable(tt: Timetable) -> None:
    doc = contract(tt, "A", hm("09:57"), None)
    assert doc["realtime"] == {"status": "unavailable", "feed_timestamp": None}
    never = RealtimeState().with_failure("tu", "connection refused")
    assert board(tt, "A", hm("09:57"), never).status == "unavailable"


def test_a_snapshot_of_another_timetable_is_not_used(tt: Timetable) -> None:
    state = apply(tt, trip_update("e", "T1", stu(20, dep_delay=120)))
    other = type(tt)(**{**{f: getattr(tt, f) for f in tt.__dataclass_fields__},
                        "feed_hash": "another"})
    b = board(other, "A", hm("10:00"), state)
    assert b.status == "unavailable"
    assert only(b, "T1").predicted is None


def test_vehicle_occupancy_and_wheelchair_attach_to_their_trip_instance(tt: Timetable) -> None:
    state = apply(tt, vehicle("v1", "T1", occupancy=1, wheelchair=2),
                  vehicle("v2", "T2", occupancy=7),
                  vehicle("v3", None, route_id="R50"), source="vp")
    b = board(tt, "A", hm("10:00"), state, 7200)
    t1, t2 = only(b, "T1"), only(b, "T2")
    assert (t1.occupancy, t1.wheelchair_accessible) == ("MANY_SEATS_AVAILABLE", True)
    assert (t2.occupancy, t2.wheelchair_accessible) == (None, None)   # NO_DATA_AVAILABLE
    assert all(d.occupancy is None for d in b.departures if d.trip_id == "TF")
    stats = state.feed("vp").stats
    assert (stats.vehicles, stats.vehicles_matched) == (3, 2)
    assert {str(k): v for k, v in stats.vehicles_rejected.items()} == {"no_trip_descriptor": 1}


def test_vehicle_on_another_day_instance_does_not_attach(tt: Timetable) -> None:
    state = apply(tt, vehicle("v1", "T1", start_date="20260616", occupancy=1), source="vp")
    assert only(board(tt, "A", hm("10:00"), state), "T1").occupancy is None


def test_state_survives_reapplying_the_same_bytes(tt: Timetable) -> None:
    data = feed_bytes(TS, trip_update("e", "T1", stu(20, dep_delay=60)))
    state = RealtimeState().apply("tu", parse_feed(data), tt)
    again = state.apply("tu", parse_feed(data), tt)
    assert again.feed("tu").stats.applied is True
    assert trip_ids(board(tt, "A", hm("10:00"), again)) == trip_ids(
        board(tt, "A", hm("10:00"), state))


# ---- header timestamps in the future (issue 15.6) -----------------------------------------

def _apply_at(tt: Timetable, ts: int, received_at: int, state: RealtimeState | None = None,
              delay: int = 120) -> RealtimeState:
    feed = parse_feed(feed_bytes(ts, trip_update("e", "T1", stu(20, dep_delay=delay))))
    return (state or RealtimeState()).apply("tu", feed, tt, received_at=received_at)


def test_a_header_far_in_the_future_is_refused_with_its_own_reason(tt: Timetable) -> None:
    good = _apply_at(tt, TS, received_at=TS + 5)
    ahead = _apply_at(tt, TS + 3600, received_at=TS + 10, state=good, delay=900)
    fs = ahead.feed("tu")
    assert fs.snapshot is good.feed("tu").snapshot
    assert fs.stats.applied is False and fs.stats.refusal == "future_header"
    assert fs.error == fs.stats.note
    assert fs.stats.note is not None and "3590 s in the future" in fs.stats.note
    assert fs.stats.as_dict()["refusal"] == "future_header"
    # the next correct feed is applied: the refused one never became the reference
    later = _apply_at(tt, TS + 30, received_at=TS + 31, state=ahead, delay=300)
    assert later.feed("tu").stats.applied is True and later.feed("tu").error is None
    assert only(board(tt, "A", hm("10:00"), later), "T1").delay_s == 300


def test_a_small_clock_skew_is_tolerated_and_the_limit_is_a_parameter(tt: Timetable) -> None:
    assert _apply_at(tt, TS + 300, received_at=TS).feed("tu").stats.applied is True
    assert _apply_at(tt, TS + 301, received_at=TS).feed("tu").stats.applied is False
    feed = parse_feed(feed_bytes(TS + 301, trip_update("e", "T1", stu(20, dep_delay=1))))
    state = RealtimeState().apply("tu", feed, tt, received_at=TS, max_future_s=600)
    assert state.feed("tu").stats.applied is True


def test_a_year_2999_header_is_refused(tt: Timetable) -> None:
    state = _apply_at(tt, 32_503_680_000, received_at=1_781_510_000)
    assert state.feed("tu").snapshot is None
    assert state.feed("tu").stats.refusal == "future_header"


def test_a_held_snapshot_from_the_future_does_not_block_newer_feeds(tt: Timetable) -> None:
    """Applied before the check existed (no receiving instant known), a 2999 snapshot must not
    make every later correct feed 'older'."""
    stuck = RealtimeState().apply(
        "tu", parse_feed(feed_bytes(32_503_680_000, trip_update("e", "T1", stu(20, dep_delay=9)))),
        tt)
    assert stuck.feed("tu").snapshot is not None
    fixed = _apply_at(tt, TS, received_at=TS + 2, state=stuck, delay=240)
    assert fixed.feed("tu").stats.applied is True
    assert fixed.feed("tu").snapshot is not None
    assert fixed.feed("tu").snapshot.header.timestamp == TS

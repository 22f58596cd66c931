"""The board's realtime status comes from the sources that can carry predictions.

design.md: a stale board means every departure realtime = false. A stale *alerts-only* source
used to make a board "stale" while live trip updates still gave realtime departures. Such a
source counts only when every source is alert-only; it still contributes no alerts when stale.
"""

from __future__ import annotations

import pytest

from feeds import Timetable
from realtime.state import RealtimeState
from tests.realtime.conftest import apply, board, contract, hm, only
from tests.realtime.rt_builder import alert, stu, trip_update, vehicle

AT = hm("09:57")                  # max_age 300 s: headers from 09:52 on are live


def _state(tt: Timetable, *feeds: tuple[str, int, tuple[object, ...]]) -> RealtimeState:
    state = RealtimeState()
    for source, ts, entities in feeds:
        state = apply(tt, *entities, ts=ts, source=source, state=state)
    return state


TU_LIVE = ("tu", hm("09:55"), (trip_update("e", "T1", stu(20, dep_delay=120)),))
ALERTS_STALE = ("alerts", hm("09:40"), (alert("x", [{"stop_id": "A"}]),))


@pytest.mark.parametrize("order", [(TU_LIVE, ALERTS_STALE), (ALERTS_STALE, TU_LIVE)],
                         ids=["tu-first", "alerts-first"])
def test_a_stale_alerts_only_source_does_not_make_a_live_board_stale(
        tt: Timetable, order: tuple[tuple[str, int, tuple[object, ...]], ...]) -> None:
    b = board(tt, "A", AT, _state(tt, *order), max_age_s=300)
    doc = contract(tt, "A", AT, _state(tt, *order), max_age_s=300)
    assert doc["realtime"] == {"status": "live", "feed_timestamp": "2026-06-15T09:55:00+02:00"}
    t1 = only(b, "T1")
    assert (t1.realtime, t1.delay_s) == (True, 120)
    assert b.alerts == () and all(d.alert_ids == () for d in b.departures)
    assert dict(b.sources) == {"tu": "live", "alerts": "stale"}
    assert [s for s, _ in b.sources] == [f[0] for f in order]


@pytest.mark.parametrize("first_alerts", [True, False])
def test_a_stale_empty_trip_update_feed_still_decides_the_status(
        tt: Timetable, first_alerts: bool) -> None:
    # An empty FULL_DATASET of a trip-update feed says "no predictions now": it counts.
    empty_tu = ("tu", hm("09:45"), ())
    live_alerts = ("alerts", hm("09:56"), (alert("x", [{"stop_id": "A"}]),))
    order = (live_alerts, empty_tu) if first_alerts else (empty_tu, live_alerts)
    b = board(tt, "A", AT, _state(tt, *order), max_age_s=300)
    assert (b.status, b.feed_timestamp) == ("stale", hm("09:45"))
    assert [a.entity_id for a in b.alerts] == ["x"]          # the live alerts are still shown
    assert not any(d.realtime for d in b.departures)


def test_a_stale_trip_update_source_makes_the_board_stale_beside_live_alerts(
        tt: Timetable) -> None:
    stale_tu = ("tu", hm("09:45"), (trip_update("e", "T1", stu(20, dep_delay=120)),))
    live_alerts = ("alerts", hm("09:56"), (alert("x", [{"stop_id": "A"}]),))
    b = board(tt, "A", AT, _state(tt, live_alerts, stale_tu), max_age_s=300)
    assert (b.status, b.feed_timestamp) == ("stale", hm("09:45"))
    assert only(b, "T1").realtime is False


def test_a_vehicle_positions_source_carries_predictions(tt: Timetable) -> None:
    stale_vp = ("vp", hm("09:45"), (vehicle("v", "T1", occupancy=1),))
    b = board(tt, "A", AT, _state(tt, TU_LIVE, stale_vp, ALERTS_STALE), max_age_s=300)
    assert (b.status, b.feed_timestamp) == ("stale", hm("09:45"))


def test_when_every_source_is_alert_only_all_of_them_count(tt: Timetable) -> None:
    live = ("alerts-a", hm("09:56"), (alert("x", [{"stop_id": "A"}]),))
    stale = ("alerts-b", hm("09:40"), (alert("y", [{"stop_id": "A"}]),))
    for order in ((live, stale), (stale, live)):
        b = board(tt, "A", AT, _state(tt, *order), max_age_s=300)
        assert (b.status, b.feed_timestamp) == ("stale", hm("09:40"))
        assert [a.entity_id for a in b.alerts] == ["x"]            # a stale source shows no alerts
    b = board(tt, "A", AT, _state(tt, live), max_age_s=300)
    assert (b.status, b.feed_timestamp) == ("live", hm("09:56"))


def test_a_source_that_switches_to_trip_updates_counts_again(tt: Timetable) -> None:
    # The kind is decided by the last *applied* feed of the source.
    state = _state(tt, TU_LIVE, ("mixed", hm("09:40"), (alert("x", [{"stop_id": "A"}]),)))
    assert board(tt, "A", AT, state, max_age_s=300).status == "live"
    state = apply(tt, trip_update("f", "T2", stu(20, dep_delay=60)), ts=hm("09:41"),
                  source="mixed", state=state)
    b = board(tt, "A", AT, state, max_age_s=300)
    assert (b.status, b.feed_timestamp) == ("stale", hm("09:41"))

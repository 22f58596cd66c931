"""Hypothesis properties of the merge: monotone predictions, empty feed = schedule."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from feeds import Departure, Timetable, find_departures
from realtime.propagation import RowUpdates, TripSchedule, match_updates, predict_rows
from realtime.reasons import Reason
from realtime.records import StopRelationship, StopTimeEvent, StopTimeUpdate
from realtime.state import RealtimeState
from tests.realtime.conftest import BASE, apply, board
from tests.realtime.rt_builder import stu, trip_update

N = 20
SCHED = TripSchedule(
    seqs=[10 * (i + 1) for i in range(N)], stops=list(range(N)),
    arrivals=[BASE + 43_200 + 300 * i - 30 * (i > 0) for i in range(N)],
    departures=[BASE + 43_200 + 300 * i for i in range(N)])

RELATIONSHIPS = st.sampled_from([StopRelationship.SCHEDULED] * 4
                                + [StopRelationship.SKIPPED, StopRelationship.NO_DATA])


@st.composite
def updates(draw: st.DrawFn, ascending: bool = False) -> list[StopTimeUpdate]:
    rows = sorted(draw(st.sets(st.integers(0, N - 1), max_size=8)))
    delays = draw(st.lists(st.integers(-900, 1800), min_size=len(rows), max_size=len(rows)))
    if ascending:
        delays.sort()
    out = []
    for row, delay in zip(rows, delays, strict=True):
        rel = draw(RELATIONSHIPS) if not ascending else StopRelationship.SCHEDULED
        as_time = draw(st.booleans())
        event = (StopTimeEvent(time=SCHED.departures[row] + delay) if as_time
                 else StopTimeEvent(delay=delay))
        arrival = draw(st.sampled_from([None, event]))
        out.append(StopTimeUpdate(stop_sequence=SCHED.seqs[row], departure=event,
                                  arrival=arrival, relationship=rel))
    return out


def predict(stus: list[StopTimeUpdate], trip_delay: int | None) -> object:
    dropped: list[Reason] = []
    pairs = match_updates(stus, SCHED, lambda s: -1, dropped)
    assert not isinstance(pairs, Reason) and dropped == []
    return predict_rows(SCHED, pairs, trip_delay, lambda s, _: Reason.UNKNOWN_STOP, dropped)


@settings(max_examples=300, deadline=None)
@given(updates(), st.one_of(st.none(), st.integers(-600, 1200)))
def test_predicted_times_never_decrease_along_a_trip(stus: list[StopTimeUpdate],
                                                     trip_delay: int | None) -> None:
    rows = predict(stus, trip_delay)
    if isinstance(rows, Reason):
        assert rows in (Reason.PREDICTIONS_BACKWARDS, Reason.IMPLAUSIBLY_EARLY)
        return
    assert isinstance(rows, RowUpdates) and len(rows) == N
    times = [r.predicted for r in rows if r.predicted is not None]
    assert times == sorted(times)
    for r in rows:
        if r.predicted is not None and r.arrival is not None:
            assert r.arrival <= r.predicted
        if r.skipped:
            assert r.predicted is None and r.delay is None


@settings(max_examples=200, deadline=None)
@given(updates(ascending=True))
def test_delays_that_never_shrink_are_never_rejected(stus: list[StopTimeUpdate]) -> None:
    rows = predict(stus, None)
    assert isinstance(rows, RowUpdates)
    assert sum(r.realtime for r in rows) >= len(stus)


STOPS = ["HBF", "HBF:1", "HBF:2", "A", "B", "C", "D", "E", "S1", "S10", "S19", "S20"]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(STOPS), st.integers(BASE - 3600, BASE + 30 * 3600),
       st.integers(60, 4 * 3600), st.one_of(st.none(), st.integers(1, 30)))
def test_an_empty_realtime_feed_leaves_the_schedule_board_unchanged(
        tt: Timetable, stop_id: str, at: int, window_s: int, limit: int | None) -> None:
    empty = apply(tt, ts=at)
    plain = board(tt, stop_id, at, None, window_s, limit=limit)
    merged = board(tt, stop_id, at, empty, window_s, limit=limit)
    assert (plain.status, merged.status) == ("unavailable", "live")
    assert merged.departures == plain.departures
    schedule = find_departures(tt, tt.find_stop(stop_id), at, at + window_s)
    if limit is None:
        def key(d: Departure) -> tuple[int, str, str, int]:
            return (d.scheduled, d.trip_id, d.stop_id, d.stop_sequence)
        assert sorted(plain.departures, key=key) == sorted(schedule, key=key)
    else:
        assert len(plain.departures) == min(limit, len(schedule))


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(STOPS), st.integers(BASE + 9 * 3600, BASE + 13 * 3600),
       st.integers(-1200, 2400))
def test_board_is_windowed_and_sorted_by_effective_time(tt: Timetable, stop_id: str, at: int,
                                                        delay: int) -> None:
    state: RealtimeState = apply(tt, trip_update("a", "T1", stu(20, dep_delay=delay)),
                                 trip_update("b", "T20", stu(5, dep_delay=delay)), ts=at)
    deps = board(tt, stop_id, at, state, 3600).departures
    keys = [(d.effective, d.scheduled, d.trip_id) for d in deps]
    assert keys == sorted(keys)
    assert all(at <= d.effective < at + 3600 for d in deps)

"""Sequences of hostile realtime feeds against a small static feed (hypothesis state machine).

Random valid-ish TripUpdates and Alerts — delays and absolute times, cancellations, deletions,
skipped stops, unknown trips and stops, wrong start dates, older header timestamps, empty
FULL_DATASETs — go through `encode_feed_dict` → `parse_feed` → `RealtimeState.apply`, and the
boards built after every step keep the contract's invariants. The clock moves too, so feeds go
stale.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from feeds import Departure, Timetable, load_timetable
from realtime.alerts import pick_text
from realtime.encode import encode_feed_dict
from realtime.merge import MergedBoard, merge_board
from realtime.parse import parse_feed
from realtime.state import RealtimeState
from tests.gtfs_builder import GtfsBuilder

BASE = 1781474400                  # 2026-06-15T00:00:00+02:00, the service day
START = BASE + 10 * 3600           # the clock starts at 10:00
WINDOW_S = 3600
MAX_AGE_S = 300
SOURCE = "tu"
BOARD_STOPS = ("HBF", "HBF:1", "HBF:2", "A", "B", "C", "D")
OUT_TRIPS = [f"O{i}" for i in range(1, 9)]
BACK_TRIPS = [f"B{i}" for i in range(1, 5)]
TRIPS = [*OUT_TRIPS, *BACK_TRIPS, "TF", "UNKNOWN-1", "UNKNOWN-2"]


def network() -> GtfsBuilder:
    """HBF (platforms 1, 2) A B C D; R1 out every 15 min from 10:00, back every 20 min from
    10:05; R2 A-B-C every 10 min by frequencies (exact_times=1). stop_sequence 10, 20, …"""
    feed = GtfsBuilder()
    feed.add_station("HBF", "Hauptbahnhof", platforms={"HBF:1": "1", "HBF:2": "2"})
    for sid in "ABCD":
        feed.add_stop(sid, f"Halt {sid}")
    feed.add_route("R1", "50", route_type=0)
    feed.add_route("R2", "51", route_type=3)
    feed.add_calendar("DAILY", "1111111", "20260601", "20260630")
    out = ["HBF:1", "A", "B", "C", "D"]
    for i, trip in enumerate(OUT_TRIPS):
        start = 10 * 60 + 15 * i
        feed.add_trip(trip, "R1", "DAILY",
                      [(s, f"{(start + 5 * k) // 60:02d}:{(start + 5 * k) % 60:02d}:00")
                       for k, s in enumerate(out)],
                      headsign="D", direction_id=0, first_sequence=10, sequence_step=10)
    for i, trip in enumerate(BACK_TRIPS):
        start = 10 * 60 + 5 + 20 * i
        feed.add_trip(trip, "R1", "DAILY",
                      [(s, f"{(start + 5 * k) // 60:02d}:{(start + 5 * k) % 60:02d}:00")
                       for k, s in enumerate(reversed(["HBF:2", "A", "B", "C", "D"]))],
                      headsign="Hauptbahnhof", direction_id=1, first_sequence=10,
                      sequence_step=10)
    feed.add_trip("TF", "R2", "DAILY", [("A", "00:00:00"), ("B", "00:05:00"), ("C", "00:10:00")],
                  headsign="C", first_sequence=10, sequence_step=10)
    feed.add_frequency("TF", "06:00:00", "22:00:00", 600, exact_times=1)
    return feed


@functools.cache
def timetable() -> Timetable:
    folder = Path(tempfile.mkdtemp(prefix="abfahrt-hostile-"))
    return load_timetable(network().write(folder / "network.zip"))


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def _without_none(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


event = st.one_of(
    st.builds(lambda d: {"delay": d}, st.integers(-1800, 7200)),
    st.builds(lambda t: {"time": str(t)}, st.integers(START - 3600, START + 3 * 3600)),
    st.just({}),
)
stop_time_update = st.builds(
    _without_none,
    stopSequence=_maybe(st.sampled_from([10, 20, 30, 40, 50, 1, 60, 0])),
    stopId=_maybe(st.sampled_from(["HBF:1", "HBF:2", "A", "B", "C", "D", "HBF", "nowhere"])),
    departure=_maybe(event), arrival=_maybe(event),
    scheduleRelationship=_maybe(st.sampled_from(["SCHEDULED", "SKIPPED", "NO_DATA"])),
)
trip_descriptor = st.builds(
    _without_none,
    tripId=_maybe(st.sampled_from(TRIPS)),
    startDate=_maybe(st.sampled_from(["20260615", "20260614", "20260616", "2026-06-15"])),
    startTime=_maybe(st.sampled_from(["10:00:00", "10:20:00", "25:00:00"])),
    routeId=_maybe(st.sampled_from(["R1", "R2", "R9"])),
    scheduleRelationship=_maybe(st.sampled_from(
        ["SCHEDULED", "CANCELED", "ADDED", "DELETED", "DUPLICATED", "UNSCHEDULED"])),
)
trip_update = st.builds(
    lambda trip, updates, delay: {"tripUpdate": _without_none(
        trip=trip, stopTimeUpdate=updates or None, delay=delay)},
    trip_descriptor, st.lists(stop_time_update, max_size=6), _maybe(st.integers(-600, 3600)))
informed = st.one_of(st.builds(lambda s: {"stopId": s}, st.sampled_from(BOARD_STOPS)),
                     st.builds(lambda r: {"routeId": r}, st.sampled_from(["R1", "R2", "R9"])),
                     st.builds(lambda t: {"trip": {"tripId": t}}, st.sampled_from(TRIPS)))
alert = st.builds(
    lambda entities, header, start, length: {"alert": _without_none(
        informedEntity=entities,
        headerText={"translation": [{"text": header, "language": "de"}]},
        activePeriod=[_without_none(start=str(start) if start else None,
                                    end=str(start + length) if start and length else None)])},
    st.lists(informed, min_size=1, max_size=3), st.text(max_size=40),
    _maybe(st.integers(START - 7200, START + 7200)), _maybe(st.integers(1, 7200)))
entities = st.lists(st.one_of(trip_update, alert), max_size=12)


def feed_dict(ts: int, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"header": {"gtfsRealtimeVersion": "2.0", "incrementality": "FULL_DATASET",
                       "timestamp": str(ts)},
            "entity": [{"id": f"e{i}", **item} for i, item in enumerate(items)]}


def effective(d: Departure) -> int:
    return d.predicted if d.predicted is not None else d.scheduled


class FeedSequence(RuleBasedStateMachine):
    """The model: the header timestamp the state must hold, and whether that feed was empty."""

    @initialize()
    def start(self) -> None:
        self.tt = timetable()
        self.state = RealtimeState()
        self.now = START
        self.applied_ts: int | None = None
        self.applied_empty = False

    def _apply(self, ts: int, items: list[dict[str, Any]]) -> None:
        before = self.state.feed(SOURCE).snapshot
        self.state = self.state.apply(SOURCE, parse_feed(encode_feed_dict(feed_dict(ts, items))),
                                      self.tt)
        after = self.state.feed(SOURCE).snapshot
        assert after is not None
        if self.applied_ts is not None and ts < self.applied_ts:
            assert after is before, "an older header timestamp replaced the applied feed"
            assert self.state.feed(SOURCE).stats.applied is False
        else:
            assert after.header.timestamp == ts
            self.applied_ts, self.applied_empty = ts, not items

    @rule(items=entities, age=st.integers(-30, 900))
    def apply_feed(self, items: list[dict[str, Any]], age: int) -> None:
        self._apply(self.now - age, items)

    @rule(age=st.integers(0, 60))
    def apply_empty_full_dataset(self, age: int) -> None:
        self._apply(self.now - age, [])

    @rule(seconds=st.integers(1, 400))
    def advance_clock(self, seconds: int) -> None:
        self.now += seconds

    def boards(self) -> list[tuple[int, MergedBoard, MergedBoard]]:
        """(stop, board with the realtime state, schedule-only board) for every watched stop."""
        out = []
        for stop_id in BOARD_STOPS:
            stop = self.tt.find_stop(stop_id)
            out.append((stop, merge_board(self.tt, stop, self.now, WINDOW_S, self.state,
                                          MAX_AGE_S),
                        merge_board(self.tt, stop, self.now, WINDOW_S, None)))
        return out

    @invariant()
    def boards_keep_the_contract(self) -> None:
        if not hasattr(self, "tt"):
            return
        fresh = self.applied_ts is not None and self.now - self.applied_ts <= MAX_AGE_S
        for stop, board, schedule in self.boards():
            deps = board.departures
            keys = [(effective(d), d.scheduled, d.trip_id) for d in deps]
            assert keys == sorted(keys), "not sorted by effective time, scheduled, trip_id"
            assert all(self.now <= effective(d) < self.now + WINDOW_S for d in deps)
            for d in deps:
                if d.status in ("cancelled", "skipped"):
                    assert d.predicted is None and d.delay_s is None, d
                if d.realtime:
                    assert board.status == "live", d
            instances = [(d.trip_id, d.service_date, d.stop_sequence, d.scheduled) for d in deps]
            assert len(instances) == len(set(instances)), "a departure listed twice"
            expected = "unavailable" if self.applied_ts is None else (
                "live" if fresh else "stale")
            assert board.status == expected, (board.status, expected)
            if not fresh or self.applied_empty:
                # stale realtime contributes nothing; an empty FULL_DATASET clears everything
                assert deps == schedule.departures
            if board.status == "stale":
                assert not any(d.realtime for d in deps)
            limited = merge_board(self.tt, stop, self.now, WINDOW_S, self.state, MAX_AGE_S,
                                  limit=3)
            assert limited.departures == deps[:3]


FeedSequence.TestCase.settings = settings(
    max_examples=60, stateful_step_count=12, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
TestFeedSequence = FeedSequence.TestCase


def test_feeds_shaped_like_the_strategies_do_reach_the_boards() -> None:
    """Guard against a machine that only ever exercises rejected entities."""
    tt = timetable()
    items = [
        {"tripUpdate": {"trip": {"tripId": "O2", "startDate": "20260615"},
                        "stopTimeUpdate": [{"stopSequence": 10, "departure": {"delay": 120}}]}},
        {"tripUpdate": {"trip": {"tripId": "O3", "scheduleRelationship": "CANCELED"}}},
        {"tripUpdate": {"trip": {"tripId": "O4"},
                        "stopTimeUpdate": [{"stopId": "HBF:1",
                                            "scheduleRelationship": "SKIPPED"}]}},
        {"alert": {"informedEntity": [{"stopId": "HBF"}],
                   "headerText": {"translation": [{"text": "Umleitung", "language": "de"}]}}},
    ]
    state = RealtimeState().apply(SOURCE, parse_feed(encode_feed_dict(feed_dict(START, items))),
                                  tt)
    board = merge_board(tt, tt.find_stop("HBF"), START, WINDOW_S, state)
    by_trip = {d.trip_id: d for d in board.departures}
    assert by_trip["O2"].predicted == by_trip["O2"].scheduled + 120 and by_trip["O2"].realtime
    assert by_trip["O3"].status == "cancelled" and by_trip["O4"].status == "skipped"
    assert [pick_text(a.header, "de") for a in board.alerts] == ["Umleitung"]

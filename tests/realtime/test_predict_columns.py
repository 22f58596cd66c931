"""The column path (realtime.stop_times + realtime.predict_columns) against the per-trip path
(records + realtime.propagation), on random feeds: the same snapshot, row by row, and the same
statistics. A feed of many trip updates is read as columns; the same bytes with the columns
switched off go record by record."""

from __future__ import annotations

import random

import pytest
from google.transit import gtfs_realtime_pb2 as pb

from feeds import Timetable
from realtime import parse
from realtime.parse import parse_feed
from realtime.row_columns import RowSpan
from realtime.state import RealtimeState, Snapshot, resolve_bytes
from realtime.stop_times import StopTimeUpdates
from tests.realtime.conftest import TS
from tests.realtime.rt_builder import feed_bytes, stu, trip_update

TD = pb.TripDescriptor
SU = pb.TripUpdate.StopTimeUpdate
TRIPS = {"T1": [10, 20, 30, 40, 50], "T2": [10, 20, 30, 40, 50], "T3": [10, 20, 30, 40, 50],
         "TL": [10, 20, 30, 40, 50], "T20": list(range(1, 21)), "TW": [1, 2]}


def _random_update(rng: random.Random, k: int) -> pb.FeedEntity:
    trip = rng.choice([*TRIPS, "T1", "T20"])
    seqs = sorted(rng.sample(TRIPS[trip], rng.randint(0, len(TRIPS[trip]))))
    if rng.random() < 0.08 and len(seqs) > 1:
        seqs.reverse()                                  # unsorted
    if rng.random() < 0.05 and seqs:
        seqs.append(seqs[-1])                           # repeated
    if rng.random() < 0.08:
        seqs.insert(rng.randint(0, len(seqs)), 999)     # not in the trip
    updates = []
    drift = rng.randint(-300, 900)
    for seq in seqs:
        drift += rng.randint(-60, 240)
        kind = rng.random()
        rel = (SU.SKIPPED if kind < 0.1 else SU.NO_DATA if kind < 0.17 else None)
        fields: dict[str, int] = {}
        for side in ("dep", "arr"):
            pick = rng.random()
            if pick < 0.45:
                fields[f"{side}_delay"] = drift + (rng.randint(-400, 0) if side == "arr" else 0)
            elif pick < 0.8:
                fields[f"{side}_time"] = TS + 300 + drift * 7 + rng.choice([0, 0, -2000, 5000])
        if rng.random() < 0.02:
            fields["dep_delay"] = 6 * 3600                # beyond the plausibility bound
        if rng.random() < 0.02:
            fields["dep_time"] = 0                        # 0: not given
        updates.append(stu(seq, relationship=rel, **fields))
    return trip_update(
        f"e{k}", trip, *updates,
        start_date=rng.choice(["20260615", "20260615", "20260614", "20260616", None, "2026xx"]),
        start_time=rng.choice([None, None, "10:00:00", "34:00:00"]),
        delay=rng.choice([None, None, None, 120, -60]),
        relationship=rng.choice([None] * 12 + [TD.CANCELED, TD.DELETED]))


def _rows(snapshot: Snapshot) -> dict[tuple[int, int, int], tuple[object, ...]]:
    return {key: (o.status, o.headsign, tuple(o.rows))
            for key, o in snapshot.trips.overlays.items()}


@pytest.mark.parametrize("seed", range(40))
def test_columns_predict_what_records_predict(tt: Timetable, seed: int,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(seed)
    data = feed_bytes(TS, *(_random_update(rng, k) for k in range(60)))
    fast = parse_feed(data, timetable=tt)
    assert any(isinstance(t.stop_time_updates, StopTimeUpdates) for t in fast.trip_updates)
    monkeypatch.setattr(parse, "COLUMNS_FROM", 10**9)
    slow = parse_feed(data, timetable=tt)
    assert not any(isinstance(t.stop_time_updates, StopTimeUpdates) for t in slow.trip_updates)
    assert [tuple(t.stop_time_updates) for t in fast.trip_updates] == [
        t.stop_time_updates for t in slow.trip_updates]
    a = RealtimeState().apply("tu", fast, tt).feed("tu")
    b = RealtimeState().apply("tu", slow, tt).feed("tu")
    assert a.stats == b.stats
    assert a.snapshot is not None and b.snapshot is not None
    assert _rows(a.snapshot) == _rows(b.snapshot)
    assert any(isinstance(o.rows, RowSpan) for o in a.snapshot.trips.overlays.values())
    assert (a.snapshot.trips.max_late_s, a.snapshot.trips.max_early_s) == (
        b.snapshot.trips.max_late_s, b.snapshot.trips.max_early_s)


def test_the_columns_reach_the_followers(tt: Timetable) -> None:
    from realtime.snapshot_codec import dump_snapshot, load_snapshot

    rng = random.Random(7)
    data = feed_bytes(TS, *(_random_update(rng, k) for k in range(60)))
    snapshot, stats = resolve_bytes(data, tt)
    loaded, loaded_stats = load_snapshot(dump_snapshot(snapshot, stats), tt)
    assert loaded_stats == stats and _rows(loaded) == _rows(snapshot)

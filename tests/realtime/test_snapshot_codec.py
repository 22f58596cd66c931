"""Resolve once, share as bytes: a follower loads the leader's snapshot and shows the same
boards; foreign, damaged or another timetable's bytes are refused (issue 15.4)."""

from __future__ import annotations

import pickle
import zlib

import pytest

from feeds import Timetable
from realtime.snapshot_codec import MAGIC, SnapshotError, dump_snapshot, load_snapshot
from realtime.state import RealtimeState, resolve_bytes
from tests.realtime.conftest import TS, board, hm
from tests.realtime.rt_builder import TD, alert, feed_bytes, stu, trip_update, vehicle


def _data() -> bytes:
    return feed_bytes(
        TS,
        trip_update("e", "T1", stu(20, dep_delay=120), stu(40, "C", assigned_stop_id="C",
                                                           stop_headsign="Dom")),
        trip_update("f", "T2", relationship=TD.CANCELED),
        trip_update("g", "X1", stu(1, "A", dep_time=hm("10:05")),
                    stu(2, "B", dep_time=hm("10:15")), route_id="R50", relationship=TD.NEW),
        vehicle("v1", "T1", occupancy=1),
        alert("a1", [{"stop_id": "A"}], header=[("Umleitung", "de")]))


def _doc(tt: Timetable, state: RealtimeState) -> list[tuple[object, ...]]:
    return [(d.trip_id, d.stop_id, d.predicted, d.delay_s, d.status, d.realtime, d.headsign,
             d.occupancy, d.alert_ids)
            for stop in ("A", "B", "C") for d in board(tt, stop, hm("10:00"), state,
                                                         7200).departures]


def test_a_follower_shows_the_leaders_boards(tt: Timetable) -> None:
    snapshot, stats = resolve_bytes(_data(), tt)
    leader = RealtimeState().apply_resolved("tu", snapshot, stats, tt, received_at=TS)
    follower = RealtimeState().apply_resolved("tu", *load_snapshot(
        dump_snapshot(snapshot, stats), tt), tt, received_at=TS + 1)
    assert _doc(tt, follower) == _doc(tt, leader)
    assert follower.feed("tu").stats == leader.feed("tu").stats
    assert stats.trip_updates_matched == 3 and stats.vehicles_matched == 1
    assert any(d[5] for d in _doc(tt, follower))        # live predictions, not only schedule


def test_resolve_bytes_equals_parse_then_apply(tt: Timetable) -> None:
    from realtime.parse import parse_feed
    applied = RealtimeState().apply("tu", parse_feed(_data()), tt)
    snapshot, stats = resolve_bytes(_data(), tt)
    resolved = RealtimeState().apply_resolved("tu", snapshot, stats, tt)
    assert _doc(tt, resolved) == _doc(tt, applied)
    assert stats == applied.feed("tu").stats


def test_refusals_apply_to_loaded_snapshots_too(tt: Timetable) -> None:
    snapshot, stats = resolve_bytes(_data(), tt)
    state = RealtimeState().apply_resolved("tu", snapshot, stats, tt, received_at=TS - 3600)
    assert state.feed("tu").stats.refusal == "future_header"


@pytest.mark.parametrize("damage", ["truncate", "flip", "magic", "other-timetable"])
def test_damaged_or_foreign_bytes_are_refused(tt: Timetable, damage: str) -> None:
    data = bytearray(dump_snapshot(*resolve_bytes(_data(), tt)))
    target = tt
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":
        data[-10] ^= 0xFF
    elif damage == "magic":
        data[0] ^= 0xFF
    else:
        target = type(tt)(**{**{f: getattr(tt, f) for f in tt.__dataclass_fields__},
                             "feed_hash": "another"})
    with pytest.raises(SnapshotError):
        load_snapshot(bytes(data), target)


def test_bytes_naming_another_class_are_refused(tt: Timetable) -> None:
    """A shared store must not be a way to run code: only realtime records are loaded."""
    evil = pickle.dumps(print)       # any global outside the realtime records
    key = tt.feed_hash.encode()
    data = MAGIC + bytes([1, len(key)]) + key + zlib.compress(evil)
    with pytest.raises(SnapshotError, match=r"builtins\.print"):
        load_snapshot(data, tt)

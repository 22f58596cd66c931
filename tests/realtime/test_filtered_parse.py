"""Parsing against a timetable: entities that cannot match are counted, not decoded, and the
statistics are exactly those of a full parse (issue 16.4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from feeds import Timetable, load_timetable
from realtime.parse import parse_feed
from realtime.state import RealtimeState
from tests.realtime.conftest import TS
from tests.realtime.rt_builder import TD, alert, feed_bytes, stu, trip_update, vehicle


def _stats(tt: Timetable, data: bytes, **kwargs: object) -> dict[str, object]:
    feed = parse_feed(data, **kwargs)  # type: ignore[arg-type]
    return RealtimeState().apply("s", feed, tt).feed("s").stats.as_dict()


def test_every_reason_matches_a_full_parse(tt: Timetable) -> None:
    data = feed_bytes(
        TS,
        trip_update("known", "T1", stu(20, dep_delay=60)),
        trip_update("unknown", "NOPE", stu(1, dep_delay=60)),
        trip_update("no-descriptor", None, stu(1, dep_delay=60)),
        trip_update("new-known-route", "X1", stu(1, "A", dep_time=TS + 600),
                    stu(2, "B", dep_time=TS + 900), route_id="R50", relationship=TD.NEW),
        trip_update("new-unknown-route", "X2", stu(1, "A", dep_time=TS + 600),
                    stu(2, "B", dep_time=TS + 900), route_id="R99", relationship=TD.NEW),
        trip_update("duplicated-unknown", "NOPE2", relationship=TD.DUPLICATED,
                    properties={"trip_id": "D1", "start_date": "20260615",
                                "start_time": "12:00:00"}),
        trip_update("replacement", "NOPE3", relationship=TD.REPLACEMENT),
        trip_update("by-route", None, route_id="R50", direction_id=0, start_time="10:00:00",
                    start_date="20260615"),
        trip_update("by-unknown-route", None, route_id="R99", direction_id=0,
                    start_time="10:00:00", start_date="20260615"),
        vehicle("v-known", "T2", occupancy=1),
        vehicle("v-unknown", "NOPE", occupancy=1),
        vehicle("v-none", None, route_id="R50"),
        alert("a1", [{"trip": {"trip_id": "NOPE"}}], header=[("Umleitung", "de")]),
    )
    full = _stats(tt, data)
    filtered_feed = parse_feed(data, timetable=tt)
    assert _stats(tt, data, timetable=tt) == full
    assert {tu.entity_id for tu in filtered_feed.trip_updates} == {
        "known", "new-known-route", "by-route"}
    assert [v.entity_id for v in filtered_feed.vehicles] == ["v-known"]
    assert [a.entity_id for a in filtered_feed.alerts] == ["a1"]          # alerts: all
    assert dict(filtered_feed.skipped_trip_updates) == {
        "unknown_trip": 3, "no_trip_descriptor": 1, "unknown_route": 1,
        "unsupported_relationship": 1}
    rejected = full["trip_updates"]["rejected"]  # type: ignore[index]
    assert rejected["unknown_trip"] == 3 and rejected["unknown_route"] == 1


def test_a_filtered_feed_is_not_applied_to_another_timetable(tt: Timetable) -> None:
    feed = parse_feed(feed_bytes(TS, trip_update("e", "T1", stu(20, dep_delay=60))),
                      timetable=tt)
    other = type(tt)(**{**{f: getattr(tt, f) for f in tt.__dataclass_fields__},
                        "feed_hash": "another"})
    with pytest.raises(ValueError, match="another timetable"):
        RealtimeState().apply("s", feed, other)


def test_germany_capture_against_de_fv_is_skipped_with_honest_stats(shared_data: Path,
                                                                    tmp_path: Path) -> None:
    tt = load_timetable(shared_data / "de-fv-2025" / "gtfs.zip", tmp_path / "cache")
    data = (shared_data / "de-rt-samples" / "gtfsde-realtime-free-20250624T004345Z.pb"
            ).read_bytes()
    feed = parse_feed(data, timetable=tt)
    assert len(feed.alerts) == 5180 and len(feed.trip_updates) == 13
    stats = _stats(tt, data, timetable=tt)
    assert stats == _stats(tt, data)
    assert stats["trip_updates"] == {"total": 5000, "matched": 0, "rejected": {
        "no_service_on_date": 13, "unknown_trip": 4987}}

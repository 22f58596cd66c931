"""Parsing against a timetable: entities that cannot match are counted, not decoded, and the
statistics and boards are exactly those of a full parse (issue 16.4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from feeds import Timetable, load_timetable
from realtime.parse import parse_feed
from realtime.state import RealtimeState
from tests.realtime.conftest import TS, board
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
    assert filtered_feed.alerts == () and filtered_feed.skipped_alerts == 1
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
    assert len(feed.trip_updates) == 13
    # 5,033 alerts name one trip each and 147 one stop; 18 of them name a de-fv-2025 trip or stop
    assert (len(feed.alerts), feed.skipped_alerts) == (18, 5162)
    stats = _stats(tt, data, timetable=tt)
    assert stats == _stats(tt, data)
    assert stats["trip_updates"] == {"total": 5000, "matched": 0, "rejected": {
        "no_service_on_date": 13, "unknown_trip": 4987}, "implausible": 0}


ALERTS = (
    alert("trip-known", [{"trip": {"trip_id": "T1"}}], header=[("T1 fällt aus", "de")]),
    alert("trip-unknown", [{"trip": {"trip_id": "NOPE"}}], header=[("fremd", "de")]),
    alert("trip-new-of-known-route", [{"trip": {"trip_id": "X9", "route_id": "R50"}}],
          header=[("Zusatzfahrt", "de")]),
    alert("stop-known", [{"stop_id": "A"}], header=[("Haltestelle A verlegt", "de")]),
    alert("station-known", [{"stop_id": "HBF"}], header=[("Aufzug Hbf", "de")]),
    alert("stop-unknown", [{"stop_id": "de:09162:1"}], header=[("München", "de")]),
    alert("route-known", [{"route_id": "R52"}], header=[("52 Umleitung", "de")]),
    alert("route-unknown-with-known-stop", [{"route_id": "R99", "stop_id": "A"}],
          header=[("fremde Linie", "de")]),
    alert("mixed", [{"trip": {"trip_id": "NOPE"}}, {"stop_id": "B"}],
          header=[("teils fremd", "de")]),
    alert("route-type", [{"route_type": 3}], header=[("Alle Busse", "de")]),
    alert("agency", [{"agency_id": "anything"}], header=[("Betreiber", "de")]),
    alert("no-selector", [], header=[("ohne Bezug", "de")]),
)


def test_alerts_about_nothing_of_the_timetable_are_skipped(tt: Timetable) -> None:
    data = feed_bytes(TS, *ALERTS)
    feed = parse_feed(data, timetable=tt)
    skipped = {"trip-unknown", "stop-unknown", "route-unknown-with-known-stop"}
    assert {a.entity_id for a in feed.alerts} == {a.id for a in ALERTS} - skipped
    assert feed.skipped_alerts == len(skipped)
    assert _stats(tt, data, timetable=tt) == _stats(tt, data)
    full = RealtimeState().apply("s", parse_feed(data), tt)
    filtered = RealtimeState().apply("s", feed, tt)
    for stop in ("HBF", "HBF:1", "HBF:2", "A", "B", "C", "D", "E", "S1"):
        for at in (TS, TS + 3600):
            shown = board(tt, stop, at, filtered)
            assert shown == board(tt, stop, at, full), (stop, at)
    shown = {a.entity_id for a in board(tt, "A", TS, filtered).alerts}
    assert shown >= {"stop-known", "route-type"}
    t1 = [d for d in board(tt, "HBF:1", TS, filtered).departures if d.trip_id == "T1"]
    assert "trip-known" in t1[0].alert_ids

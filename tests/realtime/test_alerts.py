"""Service alerts: selectors (AND within, OR across), stop hierarchy, periods, languages."""

from __future__ import annotations

import pytest
from google.transit import gtfs_realtime_pb2 as pb

from feeds import Timetable
from realtime.alerts import pick_text
from realtime.parse import parse_feed
from realtime.records import Translation
from realtime.state import RealtimeState
from tests.realtime.conftest import TS, apply, board, contract, hm
from tests.realtime.rt_builder import alert, feed_bytes

A = pb.Alert


@pytest.fixture(scope="module")
def alerts_state(tt: Timetable) -> RealtimeState:
    return apply(tt, *[
        alert("agency", [{"agency_id": "MVG"}]),
        alert("route50", [{"route_id": "R50"}]),
        alert("route50-dir1", [{"route_id": "R50", "direction_id": 1}]),
        alert("dir-only", [{"direction_id": 1}]),
        alert("tram", [{"route_type": 0}]),
        alert("trip-T1", [{"trip": {"trip_id": "T1"}}]),
        alert("trip-T1-tomorrow", [{"trip": {"trip_id": "T1", "start_date": "20260616"}}]),
        alert("stop-A", [{"stop_id": "A"}]),
        alert("r50-at-B", [{"route_id": "R50", "stop_id": "B"}]),
        alert("station", [{"stop_id": "HBF"}]),
        alert("platform-2", [{"stop_id": "HBF:2"}]),
        alert("either", [{"stop_id": "E"}, {"route_id": "R52"}]),
        alert("expired", [{"agency_id": "MVG"}], periods=[(hm("08:00"), hm("09:00"))]),
    ], source="alerts")


def ids_of(tt: Timetable, state: RealtimeState, stop_id: str, trip_id: str, at: int
           ) -> list[str]:
    deps = [d for d in board(tt, stop_id, at, state, 7200, max_age_s=86_400).departures
            if d.trip_id == trip_id]
    assert deps, (stop_id, trip_id)
    return list(deps[0].alert_ids)


def board_ids(tt: Timetable, state: RealtimeState, stop_id: str) -> list[str]:
    return [a.entity_id for a in board(tt, stop_id, hm("10:00"), state).alerts]


def test_departure_alert_ids_follow_and_or_semantics(tt: Timetable,
                                                     alerts_state: RealtimeState) -> None:
    s, at = alerts_state, hm("09:58")
    assert ids_of(tt, s, "A", "T1", at) == ["agency", "route50", "trip-T1", "stop-A"]
    assert ids_of(tt, s, "B", "T1", at) == ["agency", "route50", "trip-T1", "r50-at-B"]
    assert ids_of(tt, s, "B", "TF", at) == ["agency"]
    assert ids_of(tt, s, "A", "T3", at) == ["agency", "route50", "route50-dir1", "stop-A"]
    assert ids_of(tt, s, "S1", "T20", hm("11:58")) == ["agency", "tram"]


def test_station_and_platform_selectors_reach_the_departures_below(
        tt: Timetable, alerts_state: RealtimeState) -> None:
    s = alerts_state
    assert ids_of(tt, s, "HBF:1", "T1", hm("09:58")) == ["agency", "route50", "trip-T1",
                                                         "station"]
    # at 08:58 the alert for 08:00–09:00 is active too
    assert ids_of(tt, s, "HBF:2", "TL", hm("08:58")) == ["agency", "station", "platform-2",
                                                         "either", "expired"]


def test_board_alerts_for_stop_station_routes_and_agency(
        tt: Timetable, alerts_state: RealtimeState) -> None:
    s = alerts_state
    # trip selectors stay with their departures; a direction without a route selects nothing
    assert board_ids(tt, s, "A") == ["agency", "route50", "route50-dir1", "stop-A", "either"]
    assert board_ids(tt, s, "B") == ["agency", "route50", "route50-dir1", "r50-at-B", "either"]
    assert board_ids(tt, s, "S5") == ["agency", "tram"]
    assert board_ids(tt, s, "E") == ["agency", "either"]       # TL ends at E: no departures
    assert board_ids(tt, s, "HBF:1") == ["agency", "route50", "station"]
    assert board_ids(tt, s, "HBF") == ["agency", "route50", "station", "platform-2", "either"]


def test_active_periods_start_inclusive_end_exclusive_open_ends_every_range() -> None:
    data = feed_bytes(TS, *[
        alert("closed", [{"agency_id": "MVG"}], periods=[(1000, 2000)]),
        alert("open-start", [{"agency_id": "MVG"}], periods=[(None, 2000)]),
        alert("open-end", [{"agency_id": "MVG"}], periods=[(1000, None)]),
        alert("end-zero", [{"agency_id": "MVG"}], periods=[(1000, 0)]),
        alert("two", [{"agency_id": "MVG"}], periods=[(100, 200), (1000, 2000)]),
        alert("always", [{"agency_id": "MVG"}]),
    ])
    alerts = {a.entity_id: a for a in parse_feed(data).alerts}

    def active(t: int) -> list[str]:
        return [k for k, a in alerts.items() if a.is_active(t)]

    assert active(999) == ["open-start", "always"]
    assert active(1000) == ["closed", "open-start", "open-end", "end-zero", "two", "always"]
    assert active(1999) == ["closed", "open-start", "open-end", "end-zero", "two", "always"]
    assert active(2000) == ["open-end", "end-zero", "always"]
    assert active(150) == ["open-start", "two", "always"]
    assert active(10**10) == ["open-end", "end-zero", "always"]


def test_inactive_alerts_are_left_out(tt: Timetable, alerts_state: RealtimeState) -> None:
    assert "expired" not in board_ids(tt, alerts_state, "A")
    assert "expired" in [a.entity_id for a in board(tt, "A", hm("08:30"), alerts_state,
                                             max_age_s=7200).alerts]


@pytest.mark.parametrize(("lang", "expected"), [
    ("de", "Umleitung"), ("en", "Detour (AU)"), ("en-AU", "Detour (AU)"), ("fr", "untagged"),
])
def test_translation_choice(lang: str, expected: str) -> None:
    texts = (Translation("Umleitung", "de"), Translation("untagged", None),
             Translation("Detour (AU)", "en-AU"))
    assert pick_text(texts, lang) == expected


def test_translation_exact_tag_beats_primary_subtag_and_first_is_the_last_resort() -> None:
    texts = (Translation("Detour (AU)", "en-AU"), Translation("Detour", "EN"))
    assert pick_text(texts, "en") == "Detour"
    assert pick_text((Translation("Umleitung", "de"),), "en") == "Umleitung"
    assert pick_text((), "de") is None


def test_board_document_alert_shape_in_the_requested_language(tt: Timetable) -> None:
    state = apply(tt, alert("works", [{"stop_id": "A"}],
                            header=[("Bauarbeiten", "de"), ("Construction", "en")],
                            description=[("Haltestelle verlegt", "de"), ("Stop moved", "en")],
                            cause=A.CONSTRUCTION, effect=A.STOP_MOVED, severity=A.WARNING),
                  source="alerts")
    en = contract(tt, "A", hm("10:00"), state, lang="en")
    de = contract(tt, "A", hm("10:00"), state, lang="de")
    assert en["alerts"] == [{"id": "works", "header": "Construction",
                             "description": "Stop moved", "effect": "STOP_MOVED",
                             "severity": "WARNING", "source": "gtfs-rt"}]
    assert (de["alerts"][0]["header"], de["alerts"][0]["description"]) == (
        "Bauarbeiten", "Haltestelle verlegt")
    assert all(d["alert_ids"] == ["works"] for d in de["departures"])


def test_unset_cause_effect_severity_are_null_not_defaults() -> None:
    [parsed] = parse_feed(feed_bytes(TS, alert("x", [{"agency_id": "MVG"}]))).alerts
    assert (parsed.cause, parsed.effect, parsed.severity) == (None, None, None)


def test_stale_alerts_feed_shows_no_alerts(tt: Timetable) -> None:
    state = apply(tt, alert("x", [{"stop_id": "A"}]), ts=hm("09:00"), source="alerts")
    b = board(tt, "A", hm("10:00"), state)
    assert (b.status, b.alerts) == ("stale", ())
    assert all(d.alert_ids == () for d in b.departures)

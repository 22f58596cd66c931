"""The standards' writers on boards made by hand: a cancelled trip stays listed as
cancelled, a platform change names the planned and the new platform, an empty board is a
valid empty delivery, notices come in the requested language, rows per line."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from displays.board.model import Board
from displays.standards import ojp, siri_sm, trias
from displays.standards.query import BoardQuery
from displays.standards.request import Problem, RequestError, parse
from displays.standards.siri_lite import as_json
from displays.standards.tree import xml_bytes
from tests.boards import board_of
from tests.standards.conftest import Validate


def dep(trip: str, at: str, route: str = "50", **more: Any) -> dict[str, Any]:
    return {"trip_id": trip, "service_date": "2026-03-04", "stop_id": "s:A", "stop_sequence": 4,
            "route": {"id": route, "short_name": route, "long_name": None, "type": 3,
                      "color": None, "text_color": None}, "headsign": "Hechtsheim",
            "scheduled": at, "predicted": None, "delay_s": None, "realtime": False,
            "status": "scheduled", "platform": "A", "platform_changed": False,
            "on_request": False, "approximate": False, "frequency": None,
            "wheelchair_accessible": None, "occupancy": None, "alert_ids": [], **more}


def board(*departures: dict[str, Any], alerts: tuple[dict[str, Any], ...] = ()) -> Board:
    return board_of({"stop": {"id": "s", "name": "Hauptbahnhof"},
                     "generated_at": "2026-03-04T12:00:00+01:00",
                     "realtime": {"status": "live", "feed_timestamp": None},
                     "departures": list(departures), "alerts": list(alerts)})


CANCELLED = dep("t1", "2026-03-04T12:05:00+01:00", status="cancelled", realtime=True)
MOVED = dep("t2", "2026-03-04T12:10:00+01:00", predicted="2026-03-04T12:12:00+01:00",
            delay_s=120, realtime=True, stop_id="s:B", platform="B", platform_changed=True)
NOTICE = {"id": "n1", "source": "operator", "header": "Aufzug defekt", "lang": "de"}


def moved(b: Board) -> Board:
    """`MOVED` as realtime leaves it: planned at platform A."""
    first = b.departures[1]
    return replace(b, departures=(b.departures[0], replace(first, dep=replace(
        first.dep, planned_stop_id="s:A", planned_platform="A"))))


def test_siri_lists_a_cancelled_trip_and_the_planned_and_new_quay(valid: Validate) -> None:
    b = moved(board(CANCELLED, MOVED))
    body = xml_bytes(siri_sm.stop_monitoring(b, siri_sm.StopMonitoringQuery(BoardQuery("s")),
                                             "abfahrt"))
    valid("siri", body)
    visits = as_json(parse(body))["Siri"]["ServiceDelivery"]["StopMonitoringDelivery"][0][
        "MonitoredStopVisit"]
    calls = [v["MonitoredVehicleJourney"]["MonitoredCall"] for v in visits]
    assert calls[0]["DepartureStatus"] == "cancelled" and "ExpectedDepartureTime" not in calls[0]
    assert calls[1]["DepartureStatus"] == "delayed"
    assert calls[1]["DepartureStopAssignment"] == {"AimedQuayRef": "s:A",
                                                   "ExpectedQuayRef": "s:B"}
    assert [v["MonitoredVehicleJourney"]["Monitored"] for v in visits] == [True, True]


def test_ojp_and_trias_say_cancelled_and_planned_and_estimated_platform(
        valid: Validate) -> None:
    b = moved(board(CANCELLED, MOVED))
    answer = xml_bytes(ojp.stop_events(b, ojp.StopEventQuery(BoardQuery("s")), "abfahrt"))
    valid("ojp", answer)
    assert answer.count(b"<Cancelled>true</Cancelled>") == 1
    assert b"<PlannedQuay><Text xml:lang=\"de\">A</Text></PlannedQuay><EstimatedQuay>" \
           b"<Text xml:lang=\"de\">B</Text></EstimatedQuay>" in answer
    answer = xml_bytes(trias.stop_events(b, trias.StopEventQuery(BoardQuery("s"),
                                                                realtime=True), "abfahrt"))
    valid("trias", answer)
    assert answer.count(b"<Cancelled>true</Cancelled>") == 1
    assert b"<PlannedBay><Text>A</Text><Language>de</Language></PlannedBay><EstimatedBay>" \
           b"<Text>B</Text><Language>de</Language></EstimatedBay>" in answer
    timetable_only = xml_bytes(trias.stop_events(b, trias.StopEventQuery(BoardQuery("s")),
                                                 "abfahrt"))
    assert b"EstimatedTime" not in timetable_only and b"Cancelled" not in timetable_only


def test_an_empty_board_is_a_valid_empty_answer(valid: Validate) -> None:
    empty = board()
    sm = xml_bytes(siri_sm.stop_monitoring(empty, siri_sm.StopMonitoringQuery(
        BoardQuery("s"), include_situations=True), "abfahrt"))
    assert b"MonitoredStopVisit" not in sm and valid("siri", sm) is not None
    events = xml_bytes(ojp.stop_events(empty, ojp.StopEventQuery(BoardQuery("s")), "abfahrt"))
    assert b"STOPEVENT_NOEVENTFOUND" in events and valid("ojp", events) is not None
    events = xml_bytes(trias.stop_events(empty, trias.StopEventQuery(BoardQuery("s")), "x"))
    assert b"STOPEVENT_NOEVENTFOUND" in events and valid("trias", events) is not None


def test_a_notice_in_the_requested_language_with_its_situation(valid: Validate) -> None:
    b = board(dep("t1", "2026-03-04T12:05:00+01:00", alert_ids=["n1"]), alerts=(NOTICE,))
    query = siri_sm.StopMonitoringQuery(BoardQuery("s", lang="en"), include_situations=True,
                                        text_length=8)
    body = xml_bytes(siri_sm.stop_monitoring(b, query, "abfahrt"))
    valid("siri", body)
    delivery = as_json(parse(body))["Siri"]["ServiceDelivery"]
    situation = delivery["IncludedSituationExchangeDelivery"][0]["Situations"][
        "PtSituationElement"][0]
    assert situation["SituationNumber"] == "n1"
    assert situation["Summary"] == [{"value": "Aufzug…", "lang": "de"}]   # German: no English
    notice = delivery["StopMonitoringDelivery"][0]["StopNotice"][0]
    assert notice["SituationRef"][0] == {"SituationSimpleRef": "n1"}
    journey = delivery["StopMonitoringDelivery"][0]["MonitoredStopVisit"][0][
        "MonitoredVehicleJourney"]
    assert journey["SituationRef"] == [{"SituationSimpleRef": "n1"}]
    events = xml_bytes(trias.stop_events(b, trias.StopEventQuery(BoardQuery("s")), "x"))
    assert b'<siri:Summary xml:lang="DE">Aufzug defekt</siri:Summary>' in events
    valid("trias", events)


def test_at_least_the_minimum_per_line_within_the_maximum() -> None:
    b = board(*(dep(f"a{i}", f"2026-03-04T12:0{i}:00+01:00", route="50") for i in range(5)),
              dep("b0", "2026-03-04T12:09:00+01:00", route="6"))
    picked = siri_sm.select_visits(b.departures, 3, 1)
    assert [d.dep.trip_id for d in picked] == ["a0", "a1", "b0"]
    assert [d.dep.trip_id for d in siri_sm.select_visits(b.departures, 3, None)] == [
        "a0", "a1", "a2"]


@pytest.mark.parametrize(("field", "value", "says"), [
    ("PreviewInterval", "P1Y", "PreviewInterval"), ("StartTime", "gestern", "StartTime"),
    ("MaximumStopVisits", "0", "between 1 and 300"), ("DirectionRef", "north", "direction"),
    ("IncludeSituations", "ja", "boolean"), ("StopVisitTypes", "some", "StopVisitTypes")])
def test_a_bad_value_is_named(field: str, value: str, says: str) -> None:
    with pytest.raises(RequestError, match=says):
        siri_sm.query_from_fields({"MonitoringRef": "s", field: value},
                                  ZoneInfo("Europe/Berlin"), 14400, 300)


def test_entities_are_not_expanded() -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b'<a>&e;</a>')
    with pytest.raises(RequestError, match="DTD"):
        parse(bomb)


def test_a_control_character_a_request_brings_is_replaced(valid: Validate) -> None:
    element = siri_sm.stop_monitoring_error(Problem.UNKNOWN_STOP, "unknown stop '\x01'",
                                            0, ZoneInfo("UTC"), "abfahrt", "a\x01b")
    assert "stop '\ufffd'".encode() in xml_bytes(element)
    valid("siri", xml_bytes(element))

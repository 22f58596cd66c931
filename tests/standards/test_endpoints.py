"""The standards' endpoints over the demo network: the official example requests (with our
stop ids) get schema-valid answers whose departures are the JSON API's, field by field, for
the same stop and instant; the cached stop board answers the default request (ETag/304);
every error is the standard's own, schema-valid."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.standards.agreement import contract_rows, ojp_rows, siri_rows, trias_rows
from tests.standards.conftest import Validate, example

HBF = "de:07315:1001"
Client = TestClient[Any, Any]
SM_SIMPLE = "siri-2.1/examples/siri_exm_SM/exs_stopMonitoring_request_simple.xml"
SM_FULL = "siri-2.1/examples/siri_exm_SM/exs_stopMonitoring_request.xml"
SX_SIMPLE = "siri-2.1/examples/siri_exm_SX/exx_situationExchange_request_simple.xml"
SX_FULL = "siri-2.1/examples/siri_exm_SX/exx_situationExchange_request.xml"
STOP_EVENT = "ojp-2.0/examples/functions/stop_event/StopEvent_001_Request_PR_83_96.xml"
LIR_BY_REF = "ojp-2.0/examples/functions/location/LIR_01_request_simple_StopPoint.xml"
LIR_BY_NAME = "ojp-2.0/examples/functions/location/LIR_02_request_search_stops_by_name.xml"
LIR_SYSTEMS = "ojp-2.0/examples/functions/location/LocationInformation_003_Request_PR_63.xml"


def trias_request(payload: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?><Trias version="1.4" '
            'xmlns="http://www.vdv.de/trias" xmlns:siri="http://www.siri.org.uk/siri">'
            '<ServiceRequest><siri:RequestTimestamp>2026-03-04T12:00:00+01:00'
            '</siri:RequestTimestamp><siri:RequestorRef>test</siri:RequestorRef>'
            f'<RequestPayload>{payload}</RequestPayload></ServiceRequest></Trias>').encode()


def trias_stop_events(ref: str, at: str, results: int = 20) -> bytes:
    return trias_request(
        f"<StopEventRequest><Location><LocationRef><StopPointRef>{ref}</StopPointRef>"
        f"</LocationRef><DepArrTime>{at}</DepArrTime></Location><Params><NumberOfResults>"
        f"{results}</NumberOfResults><StopEventType>departure</StopEventType>"
        "<IncludeRealtimeData>true</IncludeRealtimeData></Params></StopEventRequest>")


async def contract(client: Client, at: str, limit: int = 20) -> dict[str, Any]:
    response = await client.get(f"/api/v1/stops/{HBF}/departures",
                                params={"at": at, "limit": str(limit)})
    assert response.status == 200
    document: dict[str, Any] = await response.json()
    return document


AT = "2026-03-04T12:30:00+01:00"    # not the cached boards' instant: each computes its board


@pytest.mark.busy_hour
async def test_stop_monitoring_example_answers_the_json_apis_departures(
        client: Client, valid: Validate) -> None:
    timed = example(SM_SIMPLE, MonitoringRef=HBF).replace(
        b"<MonitoringRef>", f"<StartTime>{AT}</StartTime><MonitoringRef>".encode(), 1).replace(
        b"</MonitoringRef>", b"</MonitoringRef><MaximumStopVisits>20</MaximumStopVisits>", 1)
    answer = await client.post("/siri/2.1/stop-monitoring", data=timed)
    body = await answer.read()
    assert answer.status == 200
    valid("siri", body)
    expected = contract_rows(await contract(client, AT), "siri")
    assert len(expected) >= 10
    assert siri_rows(body) == expected


@pytest.mark.busy_hour
async def test_the_full_example_applies_line_direction_and_rows(client: Client,
                                                                valid: Validate) -> None:
    request = example(SM_FULL, MonitoringRef=HBF, PreviewInterval="PT60M", LineRef="54",
                      DirectionRef="outbound", MaximumStopVisits="3",
                      MinimumStopVisitsPerLine="1", MaximumTextLength="200",
                      StopVisitTypes="all")
    body = await (await client.post("/siri/2.1/stop-monitoring", data=request)).read()
    rows = siri_rows(body)
    valid("siri", body)
    assert rows and all(r["route_id"] == "54" for r in rows)
    assert b"<ParameterName>OperatorRef</ParameterName>" in body     # said, not silently
    assert b"<ParameterName>DestinationRef</ParameterName>" in body


@pytest.mark.busy_hour
async def test_the_default_request_is_the_cached_stop_board_with_etag_and_304(
        client: Client, valid: Validate) -> None:
    board = await (await client.get(f"/api/v1/stops/{HBF}/departures")).json()
    body = example(SM_SIMPLE, MonitoringRef=HBF)
    first = await client.post("/siri/2.1/stop-monitoring", data=body)
    again = await client.post("/siri/2.1/stop-monitoring", data=body)
    body = await first.read()
    assert body == await again.read()          # one rendering per board version
    valid("siri", body)
    assert siri_rows(body) == contract_rows(board, "siri")
    lite = await client.get("/siri/2.1/stop-monitoring.json", params={"MonitoringRef": HBF})
    assert lite.status == 200 and lite.headers["Content-Type"].startswith("application/json")
    etag = lite.headers["ETag"]
    cached = await client.get("/siri/2.1/stop-monitoring.json", params={"MonitoringRef": HBF},
                              headers={"If-None-Match": etag})
    assert cached.status == 304
    document = await lite.json()
    visits = document["Siri"]["ServiceDelivery"]["StopMonitoringDelivery"][0][
        "MonitoredStopVisit"]
    assert [v["MonitoredVehicleJourney"]["FramedVehicleJourneyRef"]["DatedVehicleJourneyRef"]
            for v in visits] == [d["trip_id"] for d in board["departures"]]
    xml = await client.get("/siri/2.1/stop-monitoring.xml", params={"MonitoringRef": HBF},
                           headers={"Accept-Encoding": "gzip"})
    assert xml.status == 200 and xml.headers.get("Content-Encoding") == "gzip"
    body = await xml.read()
    valid("siri", body)
    assert siri_rows(body) == contract_rows(board, "siri")


@pytest.mark.busy_hour
async def test_ojp_and_trias_stop_events_are_the_json_apis_departures(
        client: Client, valid: Validate) -> None:
    at = AT
    expected = await contract(client, at)
    request = example(STOP_EVENT, StopPointRef=HBF).replace(
        b"</PlaceRef>", f"</PlaceRef><DepArrTime>{at}</DepArrTime>".encode(), 1).replace(
        b"<StopEventType>", b"<NumberOfResults>20</NumberOfResults><StopEventType>", 1)
    body = await (await client.post("/ojp/2.0", data=request)).read()
    valid("ojp", body)
    assert ojp_rows(body) == contract_rows(expected, "ojp")
    body = await (await client.post("/trias/1.4", data=trias_stop_events(HBF, at))).read()
    valid("trias", body)
    assert trias_rows(body) == contract_rows(expected, "trias")


async def test_the_examples_of_location_and_situations_get_valid_answers(
        client: Client, valid: Validate) -> None:
    by_name = await (await client.post("/ojp/2.0", data=example(LIR_BY_NAME, Name="hbf"))).read()
    valid("ojp", by_name)
    assert f"<StopPlaceRef>{HBF}</StopPlaceRef>".encode() in by_name
    by_ref = await (await client.post("/ojp/2.0", data=example(LIR_BY_REF, StopPointRef=HBF))
                    ).read()
    valid("ojp", by_ref)
    assert b"Hauptbahnhof" in by_ref
    systems = await (await client.post("/ojp/2.0", data=example(LIR_SYSTEMS, Name="Höfchen"))
                     ).read()
    valid("ojp", systems)
    assert "Höfchen".encode() in systems
    trias = await (await client.post("/trias/1.4", data=trias_request(
        "<LocationInformationRequest><InitialInput><LocationName>hbf</LocationName>"
        "</InitialInput></LocationInformationRequest>"))).read()
    assert f"<StopPointRef>{HBF}</StopPointRef>".encode() in trias
    valid("trias", trias)
    for path in (SX_SIMPLE, SX_FULL):
        answer = await client.post("/siri/2.1/situation-exchange", data=example(path))
        assert answer.status == 200
        valid("siri", await answer.read())
    fetched = await client.get("/siri/2.1/situation-exchange.xml")
    valid("siri", await fetched.read())
    again = await client.get("/siri/2.1/situation-exchange.xml",
                             headers={"If-None-Match": fetched.headers["ETag"]})
    assert again.status == 304


BAD = [
    (b"", 400, "empty"),
    (b"<Siri", 400, "well-formed"),
    (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
     b'<Siri xmlns="http://www.siri.org.uk/siri">&lol2;</Siri>', 400, "DTD"),
    (b'<Siri xmlns="http://www.siri.org.uk/siri"><ServiceRequest/></Siri>', 400,
     "StopMonitoringRequest"),
]


@pytest.mark.parametrize(("body", "status", "says"), BAD)
async def test_a_request_that_is_none_gets_the_standards_error(
        client: Client, valid: Validate, body: bytes, status: int, says: str) -> None:
    for path, schema in (("/siri/2.1/stop-monitoring", "siri"), ("/ojp/2.0", "ojp"),
                         ("/trias/1.4", "trias"), ("/siri/2.1/situation-exchange", "siri")):
        response = await client.post(path, data=body)
        answer = await response.read()
        assert response.status == status, (path, answer)
        assert response.headers["Content-Type"].startswith("application/xml")
        valid(schema, answer)
        if path == "/siri/2.1/stop-monitoring":    # another standard's path: "not OJP", …
            assert says.encode() in answer


async def test_unknown_stops_and_unsupported_requests_say_so_in_the_delivery(
        client: Client, valid: Validate) -> None:
    sm = await client.post("/siri/2.1/stop-monitoring",
                           data=example(SM_SIMPLE, MonitoringRef="nowhere"))
    body = await sm.read()
    valid("siri", body)
    assert sm.status == 200 and b"<InvalidDataReferencesError>" in body
    assert b"unknown stop or station 'nowhere'" in body
    ojp = await (await client.post("/ojp/2.0", data=example(STOP_EVENT, StopPointRef="x"))
                 ).read()
    valid("ojp", ojp)
    assert b"STOPEVENT_LOCATIONUNKNOWN" in ojp
    trias = await (await client.post("/trias/1.4", data=trias_stop_events(
        "x", "2026-03-04T12:00:00+01:00"))).read()
    valid("trias", trias)
    assert b"STOPEVENT_LOCATIONUNKNOWN" in trias
    arrivals = example(SM_FULL, MonitoringRef=HBF, StopVisitTypes="arrivals",
                       PreviewInterval="PT30M")
    body = await (await client.post("/siri/2.1/stop-monitoring", data=arrivals)).read()
    valid("siri", body)
    assert b"<CapabilityNotSupportedError>" in body
    months = example(SM_FULL, MonitoringRef=HBF)           # the example's P10M: ten months
    refused = await client.post("/siri/2.1/stop-monitoring", data=months)
    assert refused.status == 400 and b"PreviewInterval" in await refused.read()
    lite = await client.get("/siri/2.1/stop-monitoring.json", params={"MaximumStopVisits": "x"})
    error = await lite.json()
    assert lite.status == 400
    assert error["Siri"]["ServiceDelivery"]["Status"] is False

"""Field-by-field comparison of the standards' answers with the contract document: each
answer's departures read back into the contract's terms (trip, service day, platform served,
line, destination, times, status, realtime, platforms)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from lxml import etree

SIRI = {"s": "http://www.siri.org.uk/siri"}
OJP = {"o": "http://www.vdv.de/ojp", "s": "http://www.siri.org.uk/siri"}
TRIAS = {"t": "http://www.vdv.de/trias", "s": "http://www.siri.org.uk/siri"}
Row = dict[str, Any]


def epoch(text: str | None) -> int | None:
    return int(dt.datetime.fromisoformat(text).timestamp()) if text else None


def contract_rows(document: dict[str, Any], standard: str) -> list[Row]:
    """What `standard` (siri, ojp, trias) carries of each departure, from the contract
    document: SIRI says cancelled for a skipped stop too (the call is cancelled); TRIAS
    needs a destination, the route's name when the trip has no headsign."""
    out = []
    for d in document["departures"]:
        route = d["route"]
        line = route["short_name"] or route["long_name"] or route["id"]
        cancelled = ("cancelled", "skipped") if standard == "siri" else ("cancelled",)
        headsign = d["headsign"] or (route["long_name"] or line if standard == "trias"
                                     else None)
        out.append({"trip_id": d["trip_id"], "service_date": d["service_date"],
                    "stop_id": d["stop_id"], "line": line, "route_id": route["id"],
                    "headsign": headsign, "scheduled": epoch(d["scheduled"]),
                    "predicted": epoch(d["predicted"]), "cancelled": d["status"] in cancelled,
                    "platform": d["platform"]})
    return out


def _one(element: Any, path: str, ns: dict[str, str]) -> str | None:
    found = element.find(path, ns)
    return found.text if found is not None else None


def siri_rows(body: bytes) -> list[Row]:
    root = etree.fromstring(body)
    out = []
    for journey in root.iterfind(".//s:MonitoredStopVisit/s:MonitoredVehicleJourney", SIRI):
        call = journey.find("s:MonitoredCall", SIRI)
        out.append({
            "trip_id": _one(journey, "s:FramedVehicleJourneyRef/s:DatedVehicleJourneyRef", SIRI),
            "service_date": _one(journey, "s:FramedVehicleJourneyRef/s:DataFrameRef", SIRI),
            "stop_id": _one(call, "s:StopPointRef", SIRI),
            "line": _one(journey, "s:PublishedLineName", SIRI),
            "route_id": _one(journey, "s:LineRef", SIRI),
            "headsign": _one(journey, "s:DestinationName", SIRI),
            "scheduled": epoch(_one(call, "s:AimedDepartureTime", SIRI)),
            "predicted": epoch(_one(call, "s:ExpectedDepartureTime", SIRI)),
            "cancelled": _one(call, "s:DepartureStatus", SIRI) == "cancelled",
            "platform": _one(call, "s:DeparturePlatformName", SIRI)})
    return out


def _event_rows(body: bytes, ns: dict[str, str], p: str) -> list[Row]:
    root = etree.fromstring(body)
    section = f"{p}:Service/{p}:ServiceSection/" if p == "t" else f"{p}:Service/"
    line_ref = f"{section}{p}:LineRef" if p == "t" else f"{p}:Service/s:LineRef"
    line = f"{section}{p}:PublishedLineName/{p}:Text" if p == "t" else \
        f"{p}:Service/{p}:PublishedServiceName/{p}:Text"
    call_ref = f"{p}:StopPointRef" if p == "t" else "s:StopPointRef"
    bay = "Bay" if p == "t" else "Quay"
    out = []
    for event in root.iterfind(f".//{p}:StopEventResult/{p}:StopEvent", ns):
        call = event.find(f"{p}:ThisCall/{p}:CallAtStop", ns)
        estimated = _one(call, f"{p}:Estimated{bay}/{p}:Text", ns)
        out.append({
            "trip_id": _one(event, f"{p}:Service/{p}:JourneyRef", ns),
            "service_date": _one(event, f"{p}:Service/{p}:OperatingDayRef", ns),
            "stop_id": _one(call, call_ref, ns),
            "line": _one(event, line, ns),
            "route_id": _one(event, line_ref, ns),
            "headsign": _one(event, f"{p}:Service/{p}:DestinationText/{p}:Text", ns),
            "scheduled": epoch(_one(call, f"{p}:ServiceDeparture/{p}:TimetabledTime", ns)),
            "predicted": epoch(_one(call, f"{p}:ServiceDeparture/{p}:EstimatedTime", ns)),
            "cancelled": _one(event, f"{p}:Service/{p}:Cancelled", ns) == "true",
            "platform": estimated or _one(call, f"{p}:Planned{bay}/{p}:Text", ns)})
    return out


def ojp_rows(body: bytes) -> list[Row]:
    return _event_rows(body, OJP, "o")


def trias_rows(body: bytes) -> list[Row]:
    return _event_rows(body, TRIAS, "t")

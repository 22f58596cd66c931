"""The standards' part of the OpenAPI document: SIRI StopMonitoring (XML, SIRI Lite JSON) and
SituationExchange, OJP 2.0, TRIAS 1.4 (their handlers are displays/web/standards). The XML
itself is described by the official schemas (CEN, VDV), not here."""

from __future__ import annotations

from typing import Any

from displays.web.openapi_parts import param

_XML = {"application/xml": {"schema": {"type": "string", "description": "XML of the standard "
                                                                         "(official XSD)"}}}
_SIRI_LITE = {"application/json": {"schema": {
    "type": "object", "required": ["Siri"], "description": "SIRI Lite: the SIRI document with "
    "the XML's element names (repeated elements are lists, texts with a language "
    "{value, lang})", "properties": {"Siri": {"type": "object"}}}}}
_NOTE = (" A stop that does not exist or a request not offered is answered in the delivery "
         "(Status false and the standard's error element, HTTP 200); a body that is no such "
         "request gets the error element with HTTP 400. Bodies up to 64 KiB; no DTD.")


def _answers(content: dict[str, Any]) -> dict[str, Any]:
    return {"200": {"description": "the delivery (or its error element)", "content": content},
            "304": {"description": "Not modified (If-None-Match matched the ETag)"},
            "400": {"description": "not a request of this standard: its error element",
                    "content": content},
            "429": {"description": "rate limited (Retry-After)"}}


def _post(summary: str) -> dict[str, Any]:
    return {"post": {"summary": summary + _NOTE,
                     "requestBody": {"required": True, "content": _XML},
                     "responses": _answers(_XML)}}


_SM_PARAMS = [
    param("MonitoringRef", "query", {"type": "string", "minLength": 1, "maxLength": 256},
          "a stop or station id, as in /api/v1/stops", required=True),
    param("PreviewInterval", "query", {"type": "string", "pattern": "^P"},
          "xsd:duration, PT1M to the longest window (default: the board's window)"),
    param("StartTime", "query", {"type": "string", "format": "date-time"},
          "the instant (default now)"),
    param("LineRef", "query", {"type": "string", "maxLength": 256}, "route id or line name"),
    param("DirectionRef", "query", {"type": "string", "enum": ["0", "1", "outbound", "inbound"]},
          "GTFS direction_id (outbound 0, inbound 1)"),
    param("MaximumStopVisits", "query", {"type": "integer", "minimum": 1, "maximum": 300},
          "at most this many visits"),
    param("MinimumStopVisitsPerLine", "query", {"type": "integer", "minimum": 1,
                                                "maximum": 300},
          "at least this many of every line, within MaximumStopVisits"),
    param("MaximumTextLength", "query", {"type": "integer", "minimum": 1, "maximum": 10000},
          "texts cut to this many characters (…)"),
    param("StopVisitTypes", "query", {"type": "string", "enum": ["all", "departures"]},
          "departures only (arrivals: CapabilityNotSupportedError)"),
    param("Language", "query", {"type": "string"}, "de or en (texts of notices and names)"),
    param("IncludeSituations", "query", {"type": "string", "enum": ["true", "false"]},
          "the situations in the same delivery"),
]


def standards_paths() -> dict[str, Any]:
    lite = "SIRI Lite: the StopMonitoringRequest's parameters in the query string; the " \
           "default board of a stop is cached (ETag, 304)."
    return {
        "/siri/2.1/stop-monitoring": _post(
            "SIRI 2.1 StopMonitoringRequest: the stop's departures as MonitoredStopVisits, "
            "its notices as StopNotice/StopLineNotice with SituationRef, IncludeSituations "
            "adds them as situations."),
        "/siri/2.1/stop-monitoring.xml": {"get": {
            "summary": lite, "parameters": _SM_PARAMS, "responses": _answers(_XML)}},
        "/siri/2.1/stop-monitoring.json": {"get": {
            "summary": lite + " JSON with the element names of the XML.",
            "parameters": _SM_PARAMS, "responses": _answers(_SIRI_LITE)}},
        "/siri/2.1/situation-exchange": _post(
            "SIRI 2.1 SituationExchangeRequest: every current operator notice and upstream "
            "alert as a PtSituationElement (filters are named in ParametersIgnoredError)."),
        "/siri/2.1/situation-exchange.xml": {"get": {
            "summary": "SIRI 2.1 SituationExchange delivery to fetch (ETag, 304): every "
                       "current notice and alert, texts in every language",
            "parameters": [param("Language", "query", {"type": "string", "enum": ["de", "en"]},
                                 "only the texts a board in this language shows")],
            "responses": _answers(_XML)}},
        "/ojp/2.0": _post("OJP 2.0: OJPStopEventRequest (departures of a stop: PlaceRef "
                          "StopPlaceRef or siri:StopPointRef, DepArrTime, NumberOfResults, "
                          "TimeWindow, UseRealtimeData) and OJPLocationInformationRequest "
                          "(InitialInput/Name, or PlaceRef)."),
        "/trias/1.4": _post("TRIAS 1.4: StopEventRequest (LocationRef StopPointRef or "
                            "StopPlaceRef, DepArrTime, NumberOfResults, TimeWindow, "
                            "IncludeRealtimeData) and LocationInformationRequest "
                            "(InitialInput/LocationName, or LocationRef)."),
    }

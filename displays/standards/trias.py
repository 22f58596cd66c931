"""TRIAS 1.4 (VDV 431-2): stop events of a stop's board (`StopEventRequest`) and the stop
search (`LocationInformationRequest`), as German EFA-based regional services answer them.

The same content as OJP's stop events in TRIAS names: `ThisCall/CallAtStop` (stop point,
name, `PlannedBay`/`EstimatedBay`, `ServiceDeparture`, sequence number, `NotServicedStop` for
a skipped stop, the situations' `SituationFullRef`) and `Service` (operating day, journey,
line, direction, mode, `PublishedLineName`, operator, `DestinationText`, `Cancelled`); the
situations in the response context. A request that gets no results has an `ErrorMessage`
with a code (STOPEVENT_LOCATIONUNKNOWN, LOCATION_NORESULTS, …) and its text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from displays.board.model import Board
from displays.standards.modes import pt_mode
from displays.standards.query import BoardQuery, FoundStop, LocationQuery, board_language
from displays.standards.request import (
    Problem,
    RequestError,
    children,
    choice,
    duration,
    expect,
    flag,
    instant,
    integer,
    local,
    parse,
    path,
    text,
)
from displays.standards.siri_sm import line_name
from displays.standards.siri_sx import situation
from displays.standards.tree import SIRI_NS, TRIAS_NS, Element, Tree, boolean
from displays.standards.tree import instant as iso
from feeds import Departure

TRIAS = Tree(TRIAS_NS, {None: TRIAS_NS, "siri": SIRI_NS})
VERSION = "1.4"


@dataclass(frozen=True, slots=True)
class StopEventQuery:
    board: BoardQuery
    realtime: bool = False                # IncludeRealtimeData (TRIAS: default false)

    @property
    def variant(self) -> tuple[str, ...]:
        return (str(self.board.limit), boolean(self.realtime))


Query = StopEventQuery | LocationQuery


def read_request(body: bytes, zone: ZoneInfo, max_window_s: int, max_rows: int) -> Query:
    """The query of a TRIAS request: a stop event or a location information request."""
    root = parse(body)
    expect(root, TRIAS_NS, "Trias")
    service = path(root, "ServiceRequest")
    payload = path(service, "RequestPayload")
    if service is None or payload is None:
        raise RequestError("expected Trias/ServiceRequest/RequestPayload")
    lang = board_language([c.text or "" for c in children(service) if local(c) == "Language"])
    for request in children(payload):
        name = local(request)
        if name == "StopEventRequest":
            return stop_event_query(request, lang, zone, max_window_s, max_rows)
        if name == "LocationInformationRequest":
            return location_query(request, max_rows)
        raise RequestError(f"{name} is not offered here: this endpoint answers "
                           f"StopEventRequest and LocationInformationRequest",
                           Problem.UNSUPPORTED)
    raise RequestError("expected StopEventRequest or LocationInformationRequest")


def stop_event_query(request: Element, lang: str | None, zone: ZoneInfo, max_window_s: int,
                     max_rows: int) -> StopEventQuery:
    location = path(request, "Location", "LocationRef")
    ref = text(location, "StopPlaceRef") or text(location, "StopPointRef")
    if not ref:
        raise RequestError("Location/LocationRef: a StopPointRef or StopPlaceRef is "
                           "required (a stop or station id)")
    params = path(request, "Params")
    kind = choice("StopEventType", text(params, "StopEventType"),
                  ("departure", "arrival", "both"), "departure")
    if kind == "arrival":
        raise RequestError("StopEventType: this service gives departures only",
                           Problem.UNSUPPORTED)
    window = duration("TimeWindow", text(params, "TimeWindow"))
    if window is not None and not 60 <= window <= max_window_s:
        raise RequestError(f"TimeWindow: from PT1M to PT{max_window_s // 60}M")
    board = BoardQuery(
        stop_ref=ref, at=instant("DepArrTime", text(request, "Location", "DepArrTime"), zone),
        window_s=window, limit=integer("NumberOfResults", text(params, "NumberOfResults"), 1,
                                       max_rows), lang=lang)
    flag("IncludeOnwardCalls", text(params, "IncludeOnwardCalls"), False)
    flag("IncludePreviousCalls", text(params, "IncludePreviousCalls"), False)
    return StopEventQuery(board=board, realtime=flag(
        "IncludeRealtimeData", text(params, "IncludeRealtimeData"), False))


def location_query(request: Element, max_rows: int) -> LocationQuery:
    name = text(request, "InitialInput", "LocationName")
    ref = text(request, "LocationRef", "StopPointRef") or \
        text(request, "LocationRef", "StopPlaceRef")
    if not name and not ref:
        raise RequestError("InitialInput/LocationName (a search text) or LocationRef (a "
                           "stop id) is required")
    limit = integer("NumberOfResults", text(request, "Restrictions", "NumberOfResults"), 1,
                    min(max_rows, 100))
    return LocationQuery(name=name, ref=ref, limit=limit or 10)


def envelope(at: int, zone: ZoneInfo, producer: str, response: str, lang: str | None = None,
             status: bool = True) -> tuple[Element, Element]:
    """The Trias root and the response element (StopEventResponse, …) of its delivery."""
    root = TRIAS.root("Trias", VERSION)
    delivery = TRIAS.add(root, "ServiceDelivery")
    TRIAS.add(delivery, "siri:ResponseTimestamp", iso(at, zone))
    TRIAS.add(delivery, "siri:ProducerRef", producer)
    TRIAS.add(delivery, "siri:Status", boolean(status))
    TRIAS.add(delivery, "Language", lang or "de")
    return root, TRIAS.add(TRIAS.add(delivery, "DeliveryPayload"), response)


def text_in(parent: Element, name: str, words: str, lang: str | None) -> None:
    """An InternationalText: `name` with its Text and Language."""
    element = TRIAS.add(parent, name)
    TRIAS.add(element, "Text", words)
    TRIAS.maybe(element, "Language", lang)


def stop_events(board: Board, query: StopEventQuery, producer: str) -> Element:
    """The StopEventResponse of `board` (the board the query asks for)."""
    zone = ZoneInfo(board.timezone)
    lang = query.board.lang or board.lang
    root, response = envelope(board.at, zone, producer, "StopEventResponse", lang)
    if not board.departures:
        error_message(response, "STOPEVENT_NOEVENTFOUND",
                      "no departures in this window / keine Abfahrten in diesem Zeitraum")
    if board.alerts:
        situations = TRIAS.add(TRIAS.add(response, "StopEventResponseContext"), "Situations")
        for alert in board.alerts:
            situation(TRIAS.add(situations, "PtSituation"), alert, board.at, zone, producer,
                      lang, siri_1_4=True)
    for n, listed in enumerate(board.departures, 1):
        result = TRIAS.add(response, "StopEventResult")
        TRIAS.add(result, "ResultId", f"ID-{n}")
        event(TRIAS.add(result, "StopEvent"), listed.dep, board.stop_name, lang, query,
              producer, zone)
    return root


def event(element: Element, dep: Departure, stop_name: str, lang: str,
          query: StopEventQuery, producer: str, zone: ZoneInfo) -> None:
    call = TRIAS.add(TRIAS.add(element, "ThisCall"), "CallAtStop")
    TRIAS.add(call, "StopPointRef", dep.stop_id)
    text_in(call, "StopPointName", stop_name, lang)
    changed = dep.platform_changed and query.realtime
    planned = dep.planned_platform if changed else dep.platform
    if planned:
        text_in(call, "PlannedBay", planned, lang)
    if changed and dep.platform:
        text_in(call, "EstimatedBay", dep.platform, lang)
    departure = TRIAS.add(call, "ServiceDeparture")
    TRIAS.add(departure, "TimetabledTime", iso(dep.scheduled, zone))
    if query.realtime and dep.predicted is not None:
        TRIAS.add(departure, "EstimatedTime", iso(dep.predicted, zone))
    TRIAS.add(call, "StopSeqNumber", str(max(dep.stop_sequence, 1)))
    if query.realtime and dep.status == "skipped":
        TRIAS.add(call, "NotServicedStop", "true")
    for alert_id in dep.alert_ids:
        ref = TRIAS.add(call, "SituationFullRef")
        TRIAS.add(ref, "siri:ParticipantRef", producer)
        TRIAS.add(ref, "siri:SituationNumber", alert_id)
    service = TRIAS.add(element, "Service")
    TRIAS.add(service, "OperatingDayRef", dep.service_date.isoformat())
    TRIAS.add(service, "JourneyRef", dep.trip_id)
    section = TRIAS.add(service, "ServiceSection")
    TRIAS.add(section, "LineRef", dep.route.id)
    TRIAS.add(section, "DirectionRef", "" if dep.direction_id is None else str(dep.direction_id))
    TRIAS.add(TRIAS.add(section, "Mode"), "PtMode", pt_mode(dep.route.type))
    text_in(section, "PublishedLineName", line_name(dep), lang)
    TRIAS.maybe(section, "OperatorRef", dep.route.agency_id)
    # required: the headsign, else the route's name
    text_in(service, "DestinationText", dep.headsign or dep.route.long_name or line_name(dep),
            lang)
    if query.realtime and dep.status == "cancelled":
        TRIAS.add(service, "Cancelled", "true")


def error_message(response: Element, code: str, words: str) -> None:
    message = TRIAS.add(response, "ErrorMessage")
    TRIAS.add(message, "Code", code)
    text_in(message, "Text", words, None)


def locations(found: Sequence[FoundStop], at: int, zone: ZoneInfo, producer: str,
              lang: str = "de") -> Element:
    """The LocationInformationResponse of the stops a search found."""
    root, response = envelope(at, zone, producer, "LocationInformationResponse")
    if not found:
        error_message(response, "LOCATION_NORESULTS",
                      "no stop of that name / keine Haltestelle dieses Namens")
    for stop in found:
        result = TRIAS.add(response, "LocationResult")
        location = TRIAS.add(result, "Location")
        # a station too is a StopPoint, as German TRIAS services name stops (DHID)
        kind = TRIAS.add(location, "StopPoint")
        TRIAS.add(kind, "StopPointRef", stop.id)
        text_in(kind, "StopPointName", stop.name, lang)
        text_in(location, "LocationName", stop.name, lang)
        position = TRIAS.add(location, "GeoPosition")
        TRIAS.add(position, "Longitude", f"{stop.lon:.6f}")
        TRIAS.add(position, "Latitude", f"{stop.lat:.6f}")
        TRIAS.add(result, "Complete", "true")
    return root


CODES = {Problem.UNKNOWN_STOP: "STOPEVENT_LOCATIONUNKNOWN",
         Problem.UNSUPPORTED: "TRIAS_REQUESTNOTSUPPORTED", Problem.INVALID: "TRIAS_INVALIDREQUEST",
         Problem.NO_RESULTS: "LOCATION_NORESULTS"}


def trias_error(problem: Problem, message: str, at: int, zone: ZoneInfo, producer: str,
                location: bool = False) -> Element:
    """The answer to a request that gets no results: Status false and an ErrorMessage."""
    response = "LocationInformationResponse" if location else "StopEventResponse"
    root, payload = envelope(at, zone, producer, response, status=False)
    code = CODES[problem]
    if location and problem is Problem.UNKNOWN_STOP:
        code = CODES[Problem.NO_RESULTS]
    error_message(payload, code, message)
    return root

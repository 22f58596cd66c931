"""OJP 2.0 (CEN/TS 17118): stop events of a stop's board (`OJPStopEventRequest`) and the
stop search (`OJPLocationInformationRequest`), as the Swiss national service and its SDK use
them.

A stop event is one departure of the board: `ThisCall/CallAtStop` (the platform served, its
name, planned and estimated quay, `ServiceDeparture` timetabled and estimated time, order)
and its `Service` (operating day, journey, line, direction, mode, published name, operator,
destination, `Cancelled`), with the `SituationFullRefs` of the situations that concern it;
the situations themselves are in the response context. Previous and onward calls are not
given (a board knows the call at this stop only); the request may ask for them.
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
from displays.standards.tree import OJP_NS, SIRI_NS, Element, Tree, boolean
from displays.standards.tree import instant as iso
from feeds import Departure

OJP = Tree(OJP_NS, {None: OJP_NS, "siri": SIRI_NS})
VERSION = "2.0"
REAL_TIME = ("full", "explanatory", "none")


@dataclass(frozen=True, slots=True)
class StopEventQuery:
    board: BoardQuery
    realtime: bool = True                 # UseRealtimeData none: timetabled times only
    situations: bool = True               # IncludeSituationsContext

    @property
    def variant(self) -> tuple[str, ...]:
        return (str(self.board.limit), boolean(self.realtime), boolean(self.situations))


Query = StopEventQuery | LocationQuery


def read_request(body: bytes, zone: ZoneInfo, max_window_s: int, max_rows: int) -> Query:
    """The query of an OJP request: a stop event or a location information request."""
    root = parse(body)
    expect(root, OJP_NS, "OJP")
    service = path(root, "OJPRequest", "ServiceRequest")
    if service is None:
        raise RequestError("expected OJP/OJPRequest/siri:ServiceRequest")
    lang = board_language([text(service, "ServiceRequestContext", "Language") or ""])
    for request in children(service):
        name = local(request)
        if name == "OJPStopEventRequest":
            return stop_event_query(request, lang, zone, max_window_s, max_rows)
        if name == "OJPLocationInformationRequest":
            return location_query(request, max_rows)
        if name.endswith("Request") and name != "ServiceRequest":
            raise RequestError(f"{name} is not offered here: this endpoint answers "
                               f"OJPStopEventRequest and OJPLocationInformationRequest",
                               Problem.UNSUPPORTED)
    raise RequestError("expected OJPStopEventRequest or OJPLocationInformationRequest")


def stop_event_query(request: Element, lang: str | None, zone: ZoneInfo, max_window_s: int,
                     max_rows: int) -> StopEventQuery:
    place = path(request, "Location", "PlaceRef")
    ref = text(place, "StopPlaceRef") or text(place, "StopPointRef")
    if not ref:
        raise RequestError("Location/PlaceRef: a StopPlaceRef or siri:StopPointRef is "
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
    realtime = choice("UseRealtimeData", text(params, "UseRealtimeData"), REAL_TIME, "full")
    flag("IncludeOnwardCalls", text(params, "IncludeOnwardCalls"), False)
    flag("IncludePreviousCalls", text(params, "IncludePreviousCalls"), False)
    return StopEventQuery(board=board, realtime=realtime != "none", situations=flag(
        "IncludeSituationsContext", text(params, "IncludeSituationsContext"), True))


def location_query(request: Element, max_rows: int) -> LocationQuery:
    name = text(request, "InitialInput", "Name")
    place = path(request, "PlaceRef")
    ref = text(place, "StopPlaceRef") or text(place, "StopPointRef")
    if not name and not ref:
        raise RequestError("InitialInput/Name (a search text) or PlaceRef (a stop id) is "
                           "required")
    limit = integer("NumberOfResults", text(request, "Restrictions", "NumberOfResults"), 1,
                    min(max_rows, 100))
    return LocationQuery(name=name, ref=ref, limit=limit or 10)


def envelope(at: int, zone: ZoneInfo, producer: str, status: bool = True
             ) -> tuple[Element, Element]:
    """The OJP root and its siri:ServiceDelivery."""
    root = OJP.root("OJP", VERSION)
    delivery = OJP.add(OJP.add(root, "OJPResponse"), "siri:ServiceDelivery")
    OJP.add(delivery, "siri:ResponseTimestamp", iso(at, zone))
    OJP.add(delivery, "siri:ProducerRef", producer)
    OJP.add(delivery, "siri:Status", boolean(status))
    return root, delivery


def stop_events(board: Board, query: StopEventQuery, producer: str) -> Element:
    """The OJPStopEventDelivery of `board` (the board the query asks for)."""
    zone = ZoneInfo(board.timezone)
    lang = query.board.lang or board.lang
    root, service = envelope(board.at, zone, producer)
    delivery = OJP.add(service, "OJPStopEventDelivery")
    OJP.add(delivery, "siri:ResponseTimestamp", iso(board.at, zone))
    OJP.add(delivery, "siri:Status", "true")
    if not board.departures:
        problem(delivery, "StopEventProblemType", "STOPEVENT_NOEVENTFOUND",
                "no departures in this window / keine Abfahrten in diesem Zeitraum")
    if query.situations and board.alerts:
        situations = OJP.add(OJP.add(delivery, "StopEventResponseContext"), "Situations")
        for alert in board.alerts:
            situation(OJP.add(situations, "PtSituation"), alert, board.at, zone, producer,
                      lang)
    for n, listed in enumerate(board.departures, 1):
        result = OJP.add(delivery, "StopEventResult")
        OJP.add(result, "Id", f"{n}:{listed.dep.trip_id}")
        event(OJP.add(result, "StopEvent"), listed.dep, board.stop_name, lang, query,
              producer, zone)
    return root


def text_in(parent: Element, name: str, words: str, lang: str | None) -> None:
    """An InternationalText: `name` with its Text."""
    OJP.add(OJP.add(parent, name), "Text", words, lang)


def event(element: Element, dep: Departure, stop_name: str, lang: str,
          query: StopEventQuery, producer: str, zone: ZoneInfo) -> None:
    call = OJP.add(OJP.add(element, "ThisCall"), "CallAtStop")
    OJP.add(call, "siri:StopPointRef", dep.stop_id)
    text_in(call, "StopPointName", stop_name, lang)
    changed = dep.platform_changed and query.realtime
    planned = dep.planned_platform if changed else dep.platform
    if planned:
        text_in(call, "PlannedQuay", planned, lang)
    if changed and dep.platform:
        text_in(call, "EstimatedQuay", dep.platform, lang)
    departure = OJP.add(call, "ServiceDeparture")
    OJP.add(departure, "TimetabledTime", iso(dep.scheduled, zone))
    if query.realtime and dep.predicted is not None:
        OJP.add(departure, "EstimatedTime", iso(dep.predicted, zone))
    OJP.add(call, "Order", str(max(dep.stop_sequence, 1)))
    service = OJP.add(element, "Service")
    OJP.add(service, "OperatingDayRef", dep.service_date.isoformat())
    OJP.add(service, "JourneyRef", dep.trip_id)
    OJP.add(service, "siri:LineRef", dep.route.id)
    if dep.direction_id is not None:
        OJP.add(service, "siri:DirectionRef", str(dep.direction_id))
    OJP.add(OJP.add(service, "Mode"), "PtMode", pt_mode(dep.route.type))
    text_in(service, "PublishedServiceName", line_name(dep), lang)
    OJP.maybe(service, "siri:OperatorRef", dep.route.agency_id)
    if dep.headsign:
        text_in(service, "DestinationText", dep.headsign, lang)
    if query.realtime and dep.status == "cancelled":
        OJP.add(service, "Cancelled", "true")
    if dep.alert_ids and query.situations:
        refs = OJP.add(element, "SituationFullRefs")
        for alert_id in dep.alert_ids:
            ref = OJP.add(refs, "SituationFullRef")
            OJP.add(ref, "siri:ParticipantRef", producer)
            OJP.add(ref, "siri:SituationNumber", alert_id)


def problem(delivery: Element, kind: str, code: str, words: str) -> None:
    """An ErrorCondition of `kind` (StopEventProblemType, …) saying `words`."""
    error = OJP.add(delivery, "ErrorCondition")
    OJP.add(error, "siri:ErrorText", words)
    OJP.add(error, kind, code)


def locations(found: Sequence[FoundStop], at: int, zone: ZoneInfo, producer: str,
              lang: str = "de") -> Element:
    """The OJPLocationInformationDelivery of the stops a search found."""
    root, service = envelope(at, zone, producer)
    delivery = OJP.add(service, "OJPLocationInformationDelivery")
    OJP.add(delivery, "siri:ResponseTimestamp", iso(at, zone))
    OJP.add(delivery, "siri:Status", "true")
    if not found:
        problem(delivery, "LocationProblemType", "LOCATION_NORESULTS",
                "no stop of that name / keine Haltestelle dieses Namens")
    for stop in found:
        result = OJP.add(delivery, "PlaceResult")
        place = OJP.add(result, "Place")
        if stop.station:
            kind = OJP.add(place, "StopPlace")
            OJP.add(kind, "StopPlaceRef", stop.id)
            text_in(kind, "StopPlaceName", stop.name, lang)
        else:
            kind = OJP.add(place, "StopPoint")
            OJP.add(kind, "siri:StopPointRef", stop.id)
            text_in(kind, "StopPointName", stop.name, lang)
        text_in(place, "Name", stop.name, lang)
        position = OJP.add(place, "GeoPosition")
        OJP.add(position, "siri:Longitude", f"{stop.lon:.6f}")
        OJP.add(position, "siri:Latitude", f"{stop.lat:.6f}")
        for mode in dict.fromkeys(pt_mode(t) for t in stop.route_types):
            OJP.add(OJP.add(place, "Mode"), "PtMode", mode)
        OJP.add(result, "Complete", "true")
    return root


def ojp_error(problem_: Problem, message: str, at: int, zone: ZoneInfo, producer: str,
              location: bool = False) -> Element:
    """The answer to a request that gets no results: Status false and an OJPError saying
    why (an unknown stop: STOPEVENT_LOCATIONUNKNOWN; a request not offered:
    OJPGENERIC_REQUESTNOTSUPPORTED; else OJPGENERIC_OTHER)."""
    root, service = envelope(at, zone, producer, status=False)
    name = "OJPLocationInformationDelivery" if location else "OJPStopEventDelivery"
    delivery = OJP.add(service, name)
    OJP.add(delivery, "siri:ResponseTimestamp", iso(at, zone))
    OJP.add(delivery, "siri:Status", "false")
    if problem_ is Problem.UNKNOWN_STOP:
        problem(delivery, "StopEventProblemType", "STOPEVENT_LOCATIONUNKNOWN", message)
    elif problem_ is Problem.UNSUPPORTED:
        problem(delivery, "OJPGenericProblemType", "OJPGENERIC_REQUESTNOTSUPPORTED", message)
    else:
        problem(delivery, "OJPGenericProblemType", "OJPGENERIC_OTHER", message)
    return root

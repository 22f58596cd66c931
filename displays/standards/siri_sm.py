"""SIRI 2.1 StopMonitoring: a stop's board as a StopMonitoringDelivery, and its request.

Each listed departure is a `MonitoredStopVisit`: line, direction, the dated journey (service
date + trip id), published line name, operator, destination, `Monitored` (true only with a
live prediction), the situations that concern it, and its `MonitoredCall` (the platform
served, order, aimed and expected departure, `DepartureStatus`, platform name, and the
aimed/expected quay when realtime moved it). The board's alerts and notices are `StopNotice`s
with their `SituationRef` (and a `StopLineNotice` per listed line and direction an alert
names); with IncludeSituations the situations follow in a SituationExchangeDelivery of the
same ServiceDelivery, in the requested language.

The request (`read_request` for XML, `query_from_fields` for SIRI Lite's query string, same
names) becomes a `StopMonitoringQuery`; what it asks of the board is its `BoardQuery`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from displays.board.model import Board, BoardDeparture
from displays.standards.query import BoardQuery, board_language, direction_id
from displays.standards.request import (
    MAX_VALUE_LEN,
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
from displays.standards.siri_sx import SIRI, VERSION, parameters_ignored, situations_delivery
from displays.standards.tree import SIRI_NS, Element, boolean, cut
from displays.standards.tree import instant as iso
from feeds import Departure

NMTOKEN = re.compile(r"[\w.:-]+")
DELAYED_S = 60               # a prediction this much later is "delayed", earlier "early"
# request parameters read; anything else of the topic group is named as ignored
FIELDS = ("MonitoringRef", "PreviewInterval", "StartTime", "LineRef", "DirectionRef",
          "MaximumStopVisits", "MinimumStopVisitsPerLine", "MaximumTextLength",
          "StopVisitTypes", "Language", "IncludeSituations")
NOT_APPLIED = ("OperatorRef", "DestinationRef", "MinimumStopVisitsPerLineVia",
               "StopMonitoringDetailLevel", "MaximumNumberOfCalls")


@dataclass(frozen=True, slots=True)
class StopMonitoringQuery:
    """A StopMonitoringRequest: what it asks of the board, and how the answer is written."""

    board: BoardQuery
    maximum_visits: int | None = None       # MaximumStopVisits
    minimum_per_line: int | None = None     # MinimumStopVisitsPerLine
    text_length: int | None = None          # MaximumTextLength
    include_situations: bool = False
    ignored: tuple[str, ...] = ()           # parameters given but not applied

    @property
    def variant(self) -> tuple[str, ...]:
        """What the written answer depends on besides the board (a cached rendering's key)."""
        return (str(self.maximum_visits), str(self.minimum_per_line), str(self.text_length),
                boolean(self.include_situations), *self.ignored)


def read_request(body: bytes, zone: ZoneInfo, max_window_s: int, max_rows: int
                 ) -> StopMonitoringQuery:
    """The query of a Siri/ServiceRequest/StopMonitoringRequest (RequestError if it is none)."""
    root = parse(body)
    expect(root, SIRI_NS, "Siri")
    service = path(root, "ServiceRequest")
    requests = [c for c in children(service)] if service is not None else []
    asked = [c for c in requests if local(c) == "StopMonitoringRequest"]
    if not asked:
        others = [local(c) for c in requests if local(c).endswith("Request")]
        if others:
            raise RequestError(f"{others[0]} is not offered here: this endpoint answers "
                               f"StopMonitoringRequest", Problem.UNSUPPORTED)
        raise RequestError("expected Siri/ServiceRequest/StopMonitoringRequest")
    if len(asked) > 1:
        raise RequestError("one StopMonitoringRequest per request, please")
    fields: dict[str, str] = {}
    for element in children(asked[0]):
        name = local(element)
        value = text(element)
        if value is not None and name not in fields:
            fields[name] = value
    context_lang = text(path(service, "ServiceRequestContext"), "Language")
    if "Language" not in fields and context_lang:
        fields["Language"] = context_lang
    return query_from_fields(fields, zone, max_window_s, max_rows)


def query_from_fields(fields: Mapping[str, str], zone: ZoneInfo, max_window_s: int,
                      max_rows: int) -> StopMonitoringQuery:
    """The query of the request's parameters by their element names (XML or a query string)."""
    ref = fields.get("MonitoringRef", "").strip()
    if not ref:
        raise RequestError("MonitoringRef: required (a stop or station id)")
    if len(ref) > MAX_VALUE_LEN:
        raise RequestError(f"MonitoringRef: longer than {MAX_VALUE_LEN} characters")
    window = duration("PreviewInterval", fields.get("PreviewInterval"))
    if window is not None and not 60 <= window <= max_window_s:
        raise RequestError(f"PreviewInterval: from PT1M to PT{max_window_s // 60}M, not "
                           f"{fields['PreviewInterval']}")
    types = choice("StopVisitTypes", fields.get("StopVisitTypes"),
                   ("all", "departures", "arrivals"), "all")
    if types == "arrivals":
        raise RequestError("StopVisitTypes: this service lists departures only (all or "
                           "departures)", Problem.UNSUPPORTED)
    maximum = integer("MaximumStopVisits", fields.get("MaximumStopVisits"), 1, max_rows)
    minimum = integer("MinimumStopVisitsPerLine", fields.get("MinimumStopVisitsPerLine"), 1,
                      max_rows)
    line = fields.get("LineRef")
    board = BoardQuery(
        stop_ref=ref, at=instant("StartTime", fields.get("StartTime"), zone), window_s=window,
        limit=None if minimum else maximum,
        routes=frozenset((line,)) if line else frozenset(),
        direction=direction_id("DirectionRef", fields.get("DirectionRef")),
        lang=board_language(fields.get("Language", "").split(",")))
    return StopMonitoringQuery(
        board=board, maximum_visits=maximum, minimum_per_line=minimum,
        text_length=integer("MaximumTextLength", fields.get("MaximumTextLength"), 1, 10_000),
        include_situations=flag("IncludeSituations", fields.get("IncludeSituations"), False),
        ignored=tuple(name for name in NOT_APPLIED if name in fields))


def select_visits(departures: Sequence[BoardDeparture], maximum: int | None,
                  minimum_per_line: int | None) -> Sequence[BoardDeparture]:
    """The first `maximum`; with a per-line minimum, at least that many of every line (later
    ones of a line included as needed), in board order."""
    if not minimum_per_line:
        return departures if maximum is None else departures[:maximum]
    per_line: Counter[str] = Counter()
    chosen: set[int] = set()
    for i, listed in enumerate(departures):
        if per_line[listed.dep.route.id] < minimum_per_line:
            per_line[listed.dep.route.id] += 1
            chosen.add(i)
    rest = (i for i in range(len(departures)) if i not in chosen)
    room = max((maximum or len(departures)) - len(chosen), 0)
    chosen.update(i for _, i in zip(range(room), rest, strict=False))
    return [departures[i] for i in sorted(chosen)]


def departure_status(dep: Departure) -> str:
    if dep.status in ("cancelled", "skipped"):
        return "cancelled"
    if not dep.realtime or dep.delay_s is None:
        return "noReport"
    if dep.delay_s >= DELAYED_S:
        return "delayed"
    return "early" if dep.delay_s <= -DELAYED_S else "onTime"


def line_name(dep: Departure) -> str:
    route = dep.route
    return route.short_name or route.long_name or route.id


def stop_monitoring(board: Board, query: StopMonitoringQuery, producer: str) -> Element:
    """The StopMonitoring answer of `board` (already the board the query asks for)."""
    zone = ZoneInfo(board.timezone)
    lang = query.board.lang or board.lang
    root = SIRI.root("Siri", VERSION)
    service = SIRI.add(root, "ServiceDelivery")
    SIRI.add(service, "ResponseTimestamp", iso(board.at, zone))
    SIRI.add(service, "ProducerRef", producer)
    SIRI.add(service, "Status", "true")
    if query.include_situations:
        situations_delivery(service, board.alerts, board.at, zone, producer, lang,
                            query.text_length, included=True)
    delivery = SIRI.add(service, "StopMonitoringDelivery")
    delivery.set("version", VERSION)
    SIRI.add(delivery, "ResponseTimestamp", iso(board.at, zone))
    SIRI.add(delivery, "Status", "true")
    if query.ignored:
        parameters_ignored(delivery, query.ignored)
    ref = query.board.stop_ref
    SIRI.add(delivery, "MonitoringRef", ref)
    SIRI.add(delivery, "MonitoringName", cut(board.stop_name, query.text_length), lang)
    listed = select_visits(board.departures, query.maximum_visits, query.minimum_per_line)
    for item in listed:
        visit(delivery, item.dep, board, ref, lang, query.text_length, zone)
    notices(delivery, board, listed, ref, lang, query.text_length, zone)
    return root


def visit(parent: Element, dep: Departure, board: Board, ref: str, lang: str,
          length: int | None, zone: ZoneInfo) -> None:
    element = SIRI.add(parent, "MonitoredStopVisit")
    SIRI.add(element, "RecordedAtTime", iso(board.at, zone))
    SIRI.add(element, "ItemIdentifier",
             f"{dep.service_date.isoformat()}:{dep.trip_id}:{dep.stop_sequence}")
    SIRI.add(element, "MonitoringRef", ref)
    journey = SIRI.add(element, "MonitoredVehicleJourney")
    SIRI.add(journey, "LineRef", dep.route.id)
    if dep.direction_id is not None:
        SIRI.add(journey, "DirectionRef", str(dep.direction_id))
    framed = SIRI.add(journey, "FramedVehicleJourneyRef")
    SIRI.add(framed, "DataFrameRef", dep.service_date.isoformat())
    SIRI.add(framed, "DatedVehicleJourneyRef", dep.trip_id)
    SIRI.add(journey, "PublishedLineName", cut(line_name(dep), length), lang)
    SIRI.maybe(journey, "OperatorRef", dep.route.agency_id)
    if dep.headsign:
        SIRI.add(journey, "DestinationName", cut(dep.headsign, length), lang)
    for alert_id in dep.alert_ids:
        situation_ref(journey, alert_id)
    SIRI.add(journey, "Monitored", boolean(dep.realtime))
    call = SIRI.add(journey, "MonitoredCall")
    SIRI.add(call, "StopPointRef", dep.stop_id)
    SIRI.add(call, "Order", str(max(dep.stop_sequence, 1)))
    SIRI.add(call, "AimedDepartureTime", iso(dep.scheduled, zone))
    if dep.predicted is not None:
        SIRI.add(call, "ExpectedDepartureTime", iso(dep.predicted, zone))
    SIRI.add(call, "DepartureStatus", departure_status(dep))
    SIRI.maybe(call, "DeparturePlatformName", dep.platform, lang)
    if dep.platform_changed and dep.planned_stop_id:
        assignment = SIRI.add(call, "DepartureStopAssignment")
        SIRI.add(assignment, "AimedQuayRef", dep.planned_stop_id)
        SIRI.add(assignment, "ExpectedQuayRef", dep.stop_id)


def situation_ref(parent: Element, alert_id: str) -> None:
    SIRI.add(SIRI.add(parent, "SituationRef"), "SituationSimpleRef", alert_id)


def notices(parent: Element, board: Board, listed: Sequence[BoardDeparture], ref: str,
            lang: str, length: int | None, zone: ZoneInfo) -> None:
    """A StopLineNotice per listed line and direction (GTFS direction_id) an alert names,
    then a StopNotice per
    alert of the board (notices first), each with its SituationRef and its words."""
    at = iso(board.at, zone)
    lines = {(d.dep.route.id, d.dep.direction_id): d.dep for d in listed}
    for alert in board.alerts:
        named = {e.selector.route_id for e in alert.entities if e.selector.route_id}
        for (route_id, direction), dep in lines.items():
            if route_id not in named or direction is None:   # a line notice names both
                continue
            notice = SIRI.add(parent, "StopLineNotice")
            SIRI.add(notice, "RecordedAtTime", at)
            SIRI.add(notice, "ItemIdentifier", f"{alert.id}:{route_id}:{direction}")
            SIRI.add(notice, "MonitoringRef", ref)
            SIRI.add(notice, "LineRef", route_id)
            SIRI.add(notice, "DirectionRef", str(direction))
            SIRI.add(notice, "PublishedLineName", cut(line_name(dep), length), lang)
            note(notice, "LineNote", alert.words(lang).header, lang, length)
            situation_ref(notice, alert.id)
    for alert in board.alerts:
        notice = SIRI.add(parent, "StopNotice")
        SIRI.add(notice, "RecordedAtTime", at)
        SIRI.add(notice, "ItemIdentifier", alert.id)
        SIRI.add(notice, "MonitoringRef", ref)
        situation_ref(notice, alert.id)
        words = alert.words(lang)
        note(notice, "StopNote", words.header or words.description, lang, length)


def note(parent: Element, name: str, words: str | None, lang: str, length: int | None
         ) -> None:
    if words:
        SIRI.add(parent, name, cut(words, length), lang)


def stop_monitoring_error(problem: Problem, message: str, at: int, zone: ZoneInfo,
                          producer: str, ref: str | None = None) -> Element:
    """The answer to a request that gets no departures: the delivery's Status false with the
    error condition (an unknown stop: InvalidDataReferencesError; a capability not offered:
    CapabilityNotSupportedError; anything else: OtherError) and the text."""
    root = SIRI.root("Siri", VERSION)
    service = SIRI.add(root, "ServiceDelivery")
    SIRI.add(service, "ResponseTimestamp", iso(at, zone))
    SIRI.add(service, "ProducerRef", producer)
    SIRI.add(service, "Status", "false")
    delivery = SIRI.add(service, "StopMonitoringDelivery")
    delivery.set("version", VERSION)
    SIRI.add(delivery, "ResponseTimestamp", iso(at, zone))
    SIRI.add(delivery, "Status", "false")
    condition = SIRI.add(delivery, "ErrorCondition")
    kind = {Problem.UNKNOWN_STOP: "InvalidDataReferencesError",
            Problem.UNSUPPORTED: "CapabilityNotSupportedError"}.get(problem, "OtherError")
    SIRI.add(SIRI.add(condition, kind), "ErrorText", message)
    SIRI.add(condition, "Description", message)
    if ref and NMTOKEN.fullmatch(ref):          # what MonitoringCode allows
        SIRI.add(delivery, "MonitoringRef", ref)
    return root

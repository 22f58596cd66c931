"""SIRI 2.1 SituationExchange: operator notices and upstream alerts as `PtSituationElement`s,
in their own delivery (`situation_exchange`) or beside a StopMonitoring delivery
(`situations_delivery`, IncludeSituations).

A situation carries its texts in every language it has (with xml:lang), or, for a board in
one language, the texts that board shows (`BoardAlert.words`); its validity periods, the
severity GTFS-RT gives it (INFO slight, WARNING normal, SEVERE severe), and what it affects:
operators (agencies), lines (routes), stop points and vehicle journeys (trips), as the alert
selects them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from displays.board.alert import AlertSource, BoardAlert, NamedEntity
from displays.standards.query import board_language
from displays.standards.request import (
    RequestError,
    children,
    expect,
    local,
    parse,
    path,
    text,
)
from displays.standards.tree import SIRI_NS, Element, Tree, cut, instant
from realtime.records import Translation

SIRI = Tree(SIRI_NS, {None: SIRI_NS})
VERSION = "2.1"
SEVERITY = {"INFO": "slight", "WARNING": "normal", "SEVERE": "severe"}
# SituationExchangeRequest topics this service does not filter by (every current situation
# is delivered; ParametersIgnoredError names them)
FILTERS = ("PreviewInterval", "StartTime", "VehicleMode", "Scope", "LineRef", "StopPointRef",
           "OperatorRef", "NetworkRef", "StopPlaceRef", "Severity", "Keywords", "Planned")


@dataclass(frozen=True, slots=True)
class SituationQuery:
    """A SituationExchangeRequest: the language texts are wanted in (None: every language)."""

    lang: str | None = None
    ignored: tuple[str, ...] = ()


def read_situation_request(body: bytes) -> SituationQuery:
    root = parse(body)
    expect(root, SIRI_NS, "Siri")
    service = path(root, "ServiceRequest")
    request = path(service, "SituationExchangeRequest")
    if service is None or request is None:
        raise RequestError("expected Siri/ServiceRequest/SituationExchangeRequest")
    languages = [v for v in (text(path(service, "ServiceRequestContext"), "Language"),
                             *(c.text or "" for c in children(request)
                               if local(c) == "Language")) if v]
    ignored = tuple(dict.fromkeys(local(c) for c in children(request) if local(c) in FILTERS))
    return SituationQuery(lang=board_language(languages), ignored=ignored)


def situation_exchange(alerts: Iterable[BoardAlert], at: int, zone: ZoneInfo, producer: str,
                       query: SituationQuery = SituationQuery()) -> Element:
    """The SX delivery of every situation in `alerts` (what is published: active now or
    later), texts in `query.lang` or in every language."""
    root = SIRI.root("Siri", VERSION)
    delivery = SIRI.add(root, "ServiceDelivery")
    SIRI.add(delivery, "ResponseTimestamp", instant(at, zone))
    SIRI.add(delivery, "ProducerRef", producer)
    SIRI.add(delivery, "Status", "true")
    situations_delivery(delivery, list(alerts), at, zone, producer, query.lang,
                        ignored=query.ignored)
    return root


def situations_delivery(parent: Element, alerts: Sequence[BoardAlert], at: int, zone: ZoneInfo,
                        producer: str, lang: str | None, text_length: int | None = None,
                        ignored: tuple[str, ...] = (), included: bool = False) -> None:
    """A SituationExchangeDelivery of `alerts` under `parent` (a ServiceDelivery); `included`:
    the one that goes before another delivery (IncludedSituationExchangeDelivery)."""
    delivery = SIRI.add(parent, ("Included" if included else "") + "SituationExchangeDelivery")
    delivery.set("version", VERSION)
    SIRI.add(delivery, "ResponseTimestamp", instant(at, zone))
    SIRI.add(delivery, "Status", "true")
    if ignored:
        parameters_ignored(delivery, ignored)
    if alerts:
        situations = SIRI.add(delivery, "Situations")
        for alert in alerts:
            situation(SIRI.add(situations, "PtSituationElement"), alert, at, zone, producer,
                      lang, text_length)


def parameters_ignored(delivery: Element, names: Sequence[str]) -> None:
    """An ErrorCondition saying which request parameters were not applied."""
    condition = SIRI.add(delivery, "ErrorCondition")
    error = SIRI.add(condition, "ParametersIgnoredError")
    SIRI.add(error, "ErrorText", "not supported, so not applied: " + ", ".join(names))
    for name in names:
        SIRI.add(error, "ParameterName", name)


def situation(element: Element, alert: BoardAlert, at: int, zone: ZoneInfo, producer: str,
              lang: str | None, text_length: int | None = None, siri_1_4: bool = False
              ) -> None:
    """Fill `element` (a PtSituationElement, OJP's and TRIAS's PtSituation) with the
    situation of `alert`: its texts in `lang` (None: every language), cut to `text_length`
    (SIRI 1.4, which TRIAS embeds, names languages in capitals: "DE")."""
    starts = [p.start for p in alert.periods if p.start is not None]
    created = alert.created if alert.created is not None else min(starts, default=at)
    SIRI.add(element, "CreationTime", instant(created, zone))
    SIRI.add(element, "ParticipantRef", producer)
    SIRI.add(element, "SituationNumber", alert.id)
    SIRI.add(element, "Version", str(alert.version))
    source = SIRI.add(element, "Source")
    SIRI.add(source, "SourceType", "directReport" if alert.source is AlertSource.OPERATOR
             else "feed")
    SIRI.add(element, "Progress", "open")
    for period in alert.periods or ():
        validity = SIRI.add(element, "ValidityPeriod")
        SIRI.add(validity, "StartTime", instant(period.start if period.start is not None
                                                else created, zone))
        if period.end is not None:
            SIRI.add(validity, "EndTime", instant(period.end, zone))
    if not alert.periods:
        SIRI.add(SIRI.add(element, "ValidityPeriod"), "StartTime", instant(created, zone))
    SIRI.add(element, "UndefinedReason")
    SIRI.add(element, "Severity", SEVERITY.get(alert.severity or "", "unknown"))
    SIRI.add(element, "Priority", str(alert.priority))
    for name, items in texts(alert, lang):
        for translation in items:
            tag = translation.language
            if siri_1_4 and tag:
                tag = tag.split("-")[0].upper()
            SIRI.add(element, name, cut(translation.text, text_length), tag)
    affects(element, alert.entities)


def texts(alert: BoardAlert, lang: str | None
          ) -> tuple[tuple[str, tuple[Translation, ...]], ...]:
    """Summary and Description: every translation, or those a board in `lang` shows."""
    if lang is None:
        return (("Summary", tuple(t for t in alert.header if t.text) or
                 tuple(t for t in alert.description if t.text)[:1]),
                ("Description", tuple(t for t in alert.description if t.text)))
    words = alert.words(lang)
    summary = words.header or words.description or ""
    description = words.description if words.header else None
    return (("Summary", (Translation(summary, words.shown),)),
            ("Description", (Translation(description, words.shown),) if description else ()))


def affects(element: Element, entities: Sequence[NamedEntity]) -> None:
    operators = sorted({e.selector.agency_id for e in entities if e.selector.agency_id})
    lines = {e.selector.route_id: e.route_short_name for e in entities if e.selector.route_id}
    stops = {e.selector.stop_id: e.stop_name for e in entities if e.selector.stop_id}
    trips = [e.selector.trip for e in entities if e.selector.trip is not None
             and e.selector.trip.trip_id]
    if not (operators or lines or stops or trips):
        return
    affected = SIRI.add(element, "Affects")
    if operators:
        listed = SIRI.add(affected, "Operators")
        for operator in operators:
            SIRI.add(SIRI.add(listed, "AffectedOperator"), "OperatorRef", operator)
    if lines:
        network = SIRI.add(SIRI.add(affected, "Networks"), "AffectedNetwork")
        for route_id, short_name in lines.items():
            line = SIRI.add(network, "AffectedLine")
            SIRI.add(line, "LineRef", route_id)
            SIRI.maybe(line, "PublishedLineName", short_name)
    if stops:
        listed = SIRI.add(affected, "StopPoints")
        for stop_id, name in stops.items():
            point = SIRI.add(listed, "AffectedStopPoint")
            SIRI.add(point, "StopPointRef", stop_id)
            SIRI.maybe(point, "StopPointName", name)
    if trips:
        listed = SIRI.add(affected, "VehicleJourneys")
        for trip in trips:
            journey = SIRI.add(listed, "AffectedVehicleJourney")
            SIRI.add(journey, "DatedVehicleJourneyRef", trip.trip_id)
            SIRI.add(journey, "Route")

"""The departures contract document (design.md): one JSON shape for the CLI and the HTTP API,
serialized from a `Board` at the edge. Its shape is typed here (TypedDicts); the OpenAPI
document describes the same keys."""

from __future__ import annotations

import datetime as dt
from typing import NotRequired, TypedDict, cast
from zoneinfo import ZoneInfo

from displays.board.alert import AlertSource, BoardAlert, NamedEntity
from displays.board.model import Board, BoardDisplay
from feeds import Departure
from feeds.validity import Validity
from realtime.records import TimeRange


class RouteDocument(TypedDict):
    id: str
    short_name: str | None
    long_name: str | None
    type: int
    color: str | None
    text_color: str | None


class FrequencyDocument(TypedDict):
    headway_s: int


class DepartureDocument(TypedDict):
    trip_id: str
    service_date: str
    stop_id: str
    stop_sequence: int
    route: RouteDocument
    headsign: str | None
    scheduled: str
    predicted: str | None
    delay_s: int | None
    realtime: bool
    status: str
    platform: str | None
    platform_changed: bool
    on_request: bool
    approximate: bool
    frequency: FrequencyDocument | None
    wheelchair_accessible: bool | None
    occupancy: str | None
    alert_ids: list[str]


class SourceErrorDocument(TypedDict):
    source: str
    error: str


class RealtimeDocument(TypedDict):
    status: str
    feed_timestamp: str | None
    errors: NotRequired[list[SourceErrorDocument]]


class AlertDocument(TypedDict):
    id: str
    header: str | None
    description: str | None
    effect: str | None
    severity: str | None
    source: str
    # operator notices: how pillars show and say them
    display: NotRequired[str]
    priority: NotRequired[int]
    audio: NotRequired[str]
    lang: NotRequired[str | None]
    audio_lang: NotRequired[str | None]


class PeriodDocument(TypedDict):
    start: str | None
    end: str | None


class TripDocument(TypedDict, total=False):
    trip_id: str
    route_id: str
    direction_id: int
    start_time: str
    start_date: str


class EntityDocument(TypedDict, total=False):
    agency_id: str
    route_id: str
    route_type: int
    stop_id: str
    direction_id: int
    route_short_name: str
    stop_name: str
    trip: TripDocument


class CoveredAlertDocument(AlertDocument):
    active_periods: list[PeriodDocument]
    informed_entities: list[EntityDocument]


class StopDocument(TypedDict):
    id: str
    name: str


class DisplayDocument(TypedDict):
    id: str
    name: str
    title: str
    lang: str
    theme: str
    refresh_s: int
    platforms: list[str]
    audio: bool
    readout_rows: int


class StaticDocument(TypedDict):
    version: str | None
    feed_hash: str


class BoardDocument(TypedDict):
    stop: StopDocument
    generated_at: str
    realtime: RealtimeDocument
    departures: list[DepartureDocument]
    alerts: list[AlertDocument]
    display: NotRequired[DisplayDocument]       # a configured display's board
    static: NotRequired[StaticDocument]


class ValidityDocument(TypedDict):
    status: str
    valid_from: str | None
    valid_until: str | None


def iso(epoch: int, zone: ZoneInfo) -> str:
    """Return an epoch as ISO 8601 with the UTC offset of that instant in `zone`."""
    return dt.datetime.fromtimestamp(epoch, zone).isoformat()


def departure_document(dep: Departure, zone: ZoneInfo) -> DepartureDocument:
    route = dep.route
    return {
        "trip_id": dep.trip_id,
        "service_date": dep.service_date.isoformat(),
        "stop_id": dep.stop_id,
        "stop_sequence": dep.stop_sequence,
        "route": {
            "id": route.id, "short_name": route.short_name, "long_name": route.long_name,
            "type": route.type, "color": route.color, "text_color": route.text_color,
        },
        "headsign": dep.headsign,
        "scheduled": iso(dep.scheduled, zone),
        "predicted": iso(dep.predicted, zone) if dep.predicted is not None else None,
        "delay_s": dep.delay_s,
        "realtime": dep.realtime,
        "status": dep.status,
        "platform": dep.platform,
        "platform_changed": dep.platform_changed,
        "on_request": dep.on_request,
        "approximate": dep.approximate,
        "frequency": {"headway_s": dep.headway_s} if dep.headway_s is not None else None,
        "wheelchair_accessible": dep.wheelchair_accessible,
        "occupancy": dep.occupancy,
        "alert_ids": list(dep.alert_ids),
    }


def alert_document(alert: BoardAlert, lang: str) -> AlertDocument:
    """The contract's alert object in `lang`; an operator notice adds how pillars show it."""
    words = alert.words(lang)
    out: AlertDocument = {"id": alert.id, "header": words.header,
                          "description": words.description, "effect": alert.effect,
                          "severity": alert.severity, "source": str(alert.source)}
    if alert.source is AlertSource.OPERATOR:
        out["display"] = str(alert.placement)
        out["priority"] = alert.priority
        out["audio"] = words.audio
        out["lang"] = words.shown
        out["audio_lang"] = words.audio_lang
    return out


def covered_alert_document(alert: BoardAlert, lang: str, zone: ZoneInfo
                           ) -> CoveredAlertDocument:
    """The alert with its active periods (ISO 8601; null = open) and informed entities (the
    GTFS-RT selectors in snake_case, with the route's short name and the stop's name)."""
    return cast(CoveredAlertDocument, {
        **alert_document(alert, lang),
        "active_periods": [period_document(p, zone) for p in alert.periods],
        "informed_entities": [entity_document(e) for e in alert.entities]})


def period_document(period: TimeRange, zone: ZoneInfo) -> PeriodDocument:
    return {"start": iso(period.start, zone) if period.start is not None else None,
            "end": iso(period.end, zone) if period.end is not None else None}


def entity_document(entity: NamedEntity) -> EntityDocument:
    sel = entity.selector
    out = cast(EntityDocument, _present(
        ("agency_id", sel.agency_id), ("route_id", sel.route_id),
        ("route_type", sel.route_type), ("stop_id", sel.stop_id),
        ("direction_id", sel.direction_id), ("route_short_name", entity.route_short_name),
        ("stop_name", entity.stop_name)))
    if (trip := sel.trip) is not None:
        out["trip"] = cast(TripDocument, _present(
            ("trip_id", trip.trip_id), ("route_id", trip.route_id),
            ("direction_id", trip.direction_id), ("start_time", trip.start_time),
            ("start_date", trip.start_date)))
    return out


def _present(*pairs: tuple[str, object]) -> dict[str, object]:
    """The pairs whose value is given, in their order."""
    return {key: value for key, value in pairs if value is not None}


def display_document(display: BoardDisplay) -> DisplayDocument:
    return {"id": display.id, "name": display.name, "title": display.title,
            "lang": display.lang, "theme": display.theme, "refresh_s": display.refresh_s,
            "platforms": list(display.platforms), "audio": display.audio,
            "readout_rows": display.readout_rows}


def board_document(board: Board) -> BoardDocument:
    """Return the contract document of a board (a display's board adds `display` and `static`;
    a CLI board with sources it could not read adds `realtime.errors`)."""
    zone = ZoneInfo(board.timezone)
    realtime: RealtimeDocument = {
        "status": str(board.freshness),
        "feed_timestamp": (iso(board.feed_timestamp, zone)
                           if board.feed_timestamp is not None else None)}
    if board.realtime_errors:
        realtime["errors"] = [{"source": s, "error": e} for s, e in board.realtime_errors]
    document: BoardDocument = {
        "stop": {"id": board.stop_id, "name": board.stop_name},
        "generated_at": iso(board.at, zone),
        "realtime": realtime,
        "departures": [departure_document(d.dep, zone) for d in board.departures],
        "alerts": [alert_document(a, board.lang) for a in board.alerts],
    }
    if board.display is not None:
        document["display"] = display_document(board.display)
        document["static"] = {"version": board.feed_version, "feed_hash": board.feed_hash}
    return document


def validity_document(validity: Validity | None) -> ValidityDocument | None:
    """The feed's validity as a board reports it: status and the calendar's first/last day
    (not part of the contract document, whose keys are fixed: /api/v1/status reports it)."""
    if validity is None:
        return None
    return {"status": str(validity.status),
            "valid_from": validity.first.isoformat() if validity.first else None,
            "valid_until": validity.last.isoformat() if validity.last else None}

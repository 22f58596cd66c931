"""The departures contract document (design.md): one JSON shape for the CLI and the HTTP API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from displays.board.model import Board, BoardAlert
from feeds import Departure, Timetable
from feeds.validity import Validity
from realtime.records import EntitySelector, TimeRange


def iso(epoch: int, zone: ZoneInfo) -> str:
    """Return an epoch as ISO 8601 with the UTC offset of that instant in `zone`."""
    return dt.datetime.fromtimestamp(epoch, zone).isoformat()


def departure_document(dep: Departure, zone: ZoneInfo) -> dict[str, Any]:
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


def alert_document(alert: BoardAlert) -> dict[str, Any]:
    """The contract's alert object."""
    return {"id": alert.id, "header": alert.header, "description": alert.description,
            "effect": alert.effect, "severity": alert.severity, "source": alert.source}


def coverage_document(periods: Iterable[TimeRange], entities: Iterable[EntitySelector],
                      tt: Timetable) -> dict[str, Any]:
    """An alert's active periods (ISO 8601; null = open) and informed entities (the GTFS-RT
    selectors in snake_case, with the route's short name and the stop's name when known)."""
    zone = tt.zone

    def when(epoch: int | None) -> str | None:
        return iso(epoch, zone) if epoch is not None else None

    def entity(sel: EntitySelector) -> dict[str, Any]:
        out: dict[str, Any] = {k: v for k, v in (
            ("agency_id", sel.agency_id), ("route_id", sel.route_id),
            ("route_type", sel.route_type), ("stop_id", sel.stop_id),
            ("direction_id", sel.direction_id)) if v is not None}
        route = tt.find_route(sel.route_id) if sel.route_id is not None else -1
        if route >= 0:
            out["route_short_name"] = tt.routes[route].short_name
        stop = tt.find_stop(sel.stop_id) if sel.stop_id is not None else -1
        if stop >= 0:
            out["stop_name"] = tt.stop_name[stop]
        if sel.trip is not None:
            out["trip"] = {k: v for k, v in (
                ("trip_id", sel.trip.trip_id), ("route_id", sel.trip.route_id),
                ("direction_id", sel.trip.direction_id), ("start_time", sel.trip.start_time),
                ("start_date", sel.trip.start_date)) if v is not None}
        return out

    return {"active_periods": [{"start": when(p.start), "end": when(p.end)} for p in periods],
            "informed_entities": [entity(e) for e in entities]}


def board_document(board: Board) -> dict[str, Any]:
    """Return the contract document of a board."""
    zone = ZoneInfo(board.timezone)
    return {
        "stop": {"id": board.stop_id, "name": board.stop_name},
        "generated_at": iso(board.at, zone),
        "realtime": {
            "status": board.realtime_status,
            "feed_timestamp": (iso(board.feed_timestamp, zone)
                               if board.feed_timestamp is not None else None),
        },
        "departures": [departure_document(d, zone) for d in board.departures],
        "alerts": [alert_document(a) for a in board.alerts],
    }


def validity_document(validity: Validity | None) -> dict[str, Any] | None:
    """The feed's validity as a board reports it: status and the calendar's first/last day.

    Not part of the contract document (its keys are fixed): the service keeps it beside each
    cached board for the pillar's status line, and /api/v1/status reports it.
    """
    if validity is None:
        return None
    return {"status": str(validity.status),
            "valid_from": validity.first.isoformat() if validity.first else None,
            "valid_until": validity.last.isoformat() if validity.last else None}

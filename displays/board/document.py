"""The departures contract document (design.md): one JSON shape for the CLI and the HTTP API."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from displays.board.model import Board, BoardAlert
from feeds import Departure


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

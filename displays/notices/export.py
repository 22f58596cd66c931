"""Board alerts (operator notices and upstream alerts) as a GTFS-RT ServiceAlerts FeedMessage,
in the protobuf JSON mapping.

Pure: builds the dict (camelCase names as `google.protobuf.json_format` uses them, uint64 as
strings); `encode_feed_dict` of `realtime` turns it into bytes. The same `BoardAlert` values
the boards show are published: a notice's periods and informed entities as it was posted
(`displays.notices.alerts`), an upstream alert as it was decoded. A notice with nothing to
publish (no period inside the horizon, no entity) is left out rather than published without
periods (which would mean "always").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from displays.board.alert import AlertSource, BoardAlert
from realtime.records import EntitySelector, TimeRange, Translation


def _translations(items: tuple[Translation, ...]) -> dict[str, Any] | None:
    shown = [{"text": t.text, **({"language": t.language} if t.language else {})}
             for t in items if t.text]
    return {"translation": shown} if shown else None


def _period(period: TimeRange) -> dict[str, str]:
    out = {}
    if period.start is not None:
        out["start"] = str(period.start)
    if period.end is not None:
        out["end"] = str(period.end)
    return out


def _selector(sel: EntitySelector) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in (("agencyId", sel.agency_id), ("routeId", sel.route_id),
                       ("routeType", sel.route_type), ("stopId", sel.stop_id),
                       ("directionId", sel.direction_id)):
        if value is not None:
            out[key] = value
    if sel.trip is not None:
        trip = {k: v for k, v in (("tripId", sel.trip.trip_id), ("routeId", sel.trip.route_id),
                                  ("directionId", sel.trip.direction_id),
                                  ("startTime", sel.trip.start_time),
                                  ("startDate", sel.trip.start_date)) if v is not None}
        out["trip"] = trip
    return out


def alert_entity(alert: BoardAlert) -> dict[str, Any] | None:
    """The FeedEntity of an alert, or None for a notice with nothing to publish."""
    if alert.source is AlertSource.OPERATOR and not (alert.periods and alert.entities):
        return None
    body: dict[str, Any] = {
        "activePeriod": [_period(p) for p in alert.periods],
        "informedEntity": [_selector(e.selector) for e in alert.entities],
    }
    for key, value in (("cause", alert.cause), ("effect", alert.effect),
                       ("severityLevel", alert.severity)):
        if value is not None:
            body[key] = value
    for key, items in (("headerText", alert.header), ("descriptionText", alert.description),
                       ("ttsDescriptionText", alert.audio), ("url", alert.url)):
        if (translated := _translations(items)) is not None:
            body[key] = translated
    return {"id": alert.id, "alert": body}


def build_alerts_feed(notices: Iterable[BoardAlert], at: int,
                      upstream: Iterable[BoardAlert] = ()) -> dict[str, Any]:
    """Return the FeedMessage (JSON mapping): the notices (published and not over, by id), then
    the upstream alerts (an id already published is not repeated)."""
    entities = []
    seen: set[str] = set()
    for alert in (*notices, *upstream):
        if alert.id in seen:
            continue
        entity = alert_entity(alert)
        if entity is not None:
            seen.add(alert.id)
            entities.append(entity)
    return {"header": {"gtfsRealtimeVersion": "2.0", "incrementality": "FULL_DATASET",
                       "timestamp": str(at)},
            "entity": entities}

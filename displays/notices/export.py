"""Operator notices as a GTFS-RT ServiceAlerts FeedMessage, in the protobuf JSON mapping.

Pure: builds the dict (camelCase names as `google.protobuf.json_format` uses them, uint64 as
strings); `realtime.parse.encode_feed_dict` turns it into bytes. Targets become informed
entities (all → every agency; a display → its stops, with its routes when it filters by route);
validity becomes active periods. A weekday or daily pattern is expanded into one period per
shown stretch over the next `PATTERN_DAYS` days (the feed is rebuilt on every request, so the
horizon rolls forward); a pattern with no stretch inside that horizon is left out rather than
published without periods (which would mean "always").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from displays.board.display import Display
from displays.notices.alerts import audio_text, header_and_description
from displays.notices.model import LANGUAGES, Notice, Status
from feeds import Timetable
from realtime.records import Alert, EntitySelector, TimeRange, Translation

PATTERN_DAYS = 14
DAY = 86_400


def _translated(texts: Mapping[str, str | None]) -> dict[str, Any] | None:
    items = [{"text": text, "language": lang} for lang, text in texts.items() if text]
    return {"translation": items} if items else None


def _local(day: dt.date, minutes: int, zone: ZoneInfo) -> int:
    day = day + dt.timedelta(days=minutes // 1440)
    minutes %= 1440
    return int(dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), zone).timestamp())


def active_periods(notice: Notice, at: int, zone: ZoneInfo) -> list[tuple[int, int | None]]:
    """Return (start, end) ranges (end exclusive, None = open) when the notice is shown."""
    if not notice.weekdays and notice.daily is None:
        return [(notice.valid_from, notice.valid_until)]
    begin = max(at, notice.valid_from) - DAY
    first = dt.datetime.fromtimestamp(begin, zone).date()
    horizon = max(at, notice.valid_from) + PATTERN_DAYS * DAY
    until = horizon if notice.valid_until is None else min(horizon, notice.valid_until)
    window = notice.daily
    ranges: list[tuple[int, int | None]] = []
    for offset in range(PATTERN_DAYS + 2):
        day = first + dt.timedelta(days=offset)
        if notice.weekdays and day.isoweekday() not in notice.weekdays:
            continue
        if window is None:
            start, end = _local(day, 0, zone), _local(day, 1440, zone)
        else:
            start = _local(day, window.start, zone)
            end = _local(day, window.end + (1440 if window.wraps else 0), zone)
        start, end = max(start, notice.valid_from), min(end, until)
        if start >= end:
            continue
        if ranges and ranges[-1][1] == start:          # whole days in a row: one range
            ranges[-1] = (ranges[-1][0], end)
        else:
            ranges.append((start, end))
    return ranges


def informed_entities(notice: Notice, tt: Timetable, displays: Mapping[str, Display]
                      ) -> list[dict[str, Any]]:
    targets = notice.targets
    out: list[dict[str, Any]] = []
    if targets.all:
        agencies = sorted({a.id for a in tt.agencies if a.id})
        out += ([{"agencyId": a} for a in agencies] if agencies
                else [{"routeType": t} for t in sorted({r.type for r in tt.routes})])
    out += [{"stopId": s} for s in targets.stops]
    for route in targets.routes:
        selector: dict[str, Any] = {"routeId": route.id}
        if route.direction is not None:
            selector["directionId"] = route.direction
        out.append(selector)
    for display_id in targets.displays:
        display = displays.get(display_id)
        if display is None:
            continue
        routes = [r.id for r in tt.routes if display.filter.routes
                  and (r.id in display.filter.routes
                       or (r.short_name or "") in display.filter.routes)]
        for stop in display.stops:
            out += ([{"routeId": r, "stopId": stop} for r in routes] if routes
                    else [{"stopId": stop}])
    unique: list[dict[str, Any]] = []
    for selector in out:
        if selector not in unique:
            unique.append(selector)
    return unique


def notice_coverage(notice: Notice, tt: Timetable, displays: Mapping[str, Display], at: int
                    ) -> tuple[list[TimeRange], list[EntitySelector]]:
    """The active periods and informed entities a notice is published with, as records."""
    periods = [TimeRange(start, end) for start, end in active_periods(notice, at, tt.zone)]
    selectors = [EntitySelector(agency_id=s.get("agencyId"), route_id=s.get("routeId"),
                                route_type=s.get("routeType"), stop_id=s.get("stopId"),
                                direction_id=s.get("directionId"))
                 for s in informed_entities(notice, tt, displays)]
    return periods, selectors


def notice_entity(notice: Notice, tt: Timetable, displays: Mapping[str, Display], at: int
                  ) -> dict[str, Any] | None:
    """Return the FeedEntity of a notice, or None when it has nothing to publish."""
    periods = active_periods(notice, at, tt.zone)
    selectors = informed_entities(notice, tt, displays)
    if not periods or not selectors:
        return None
    langs = [lang for lang in LANGUAGES if lang in notice.text]
    texts = {lang: header_and_description(notice, lang) for lang in langs}
    alert: dict[str, Any] = {
        "activePeriod": [{"start": str(s), **({"end": str(e)} if e is not None else {})}
                         for s, e in periods],
        "informedEntity": selectors,
        "cause": notice.cause.value, "effect": notice.effect.value,
        "severityLevel": notice.severity.value,
        "headerText": _translated({lang: texts[lang][0] for lang in langs}),
    }
    if description := _translated({lang: texts[lang][1] for lang in langs}):
        alert["descriptionText"] = description
    if notice.audio_text:
        alert["ttsDescriptionText"] = _translated(
            {lang: audio_text(notice, lang) for lang in LANGUAGES if lang in notice.audio_text})
    if notice.url:
        alert["url"] = {"translation": [{"text": notice.url}]}
    return {"id": notice.id, "alert": alert}


def _record_translations(items: tuple[Translation, ...]) -> dict[str, Any]:
    return {"translation": [{"text": t.text, **({"language": t.language} if t.language else {})}
                            for t in items]}


def _record_period(period: TimeRange) -> dict[str, str]:
    out = {}
    if period.start is not None:
        out["start"] = str(period.start)
    if period.end is not None:
        out["end"] = str(period.end)
    return out


def _record_selector(sel: EntitySelector) -> dict[str, Any]:
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


def record_entity(alert: Alert) -> dict[str, Any]:
    """Return the FeedEntity of an upstream GTFS-RT alert (as decoded by realtime.parse)."""
    body: dict[str, Any] = {
        "activePeriod": [_record_period(p) for p in alert.active_periods],
        "informedEntity": [_record_selector(s) for s in alert.informed_entities],
    }
    for key, value in (("cause", alert.cause), ("effect", alert.effect),
                       ("severityLevel", alert.severity)):
        if value is not None:
            body[key] = value
    for key, items in (("headerText", alert.header), ("descriptionText", alert.description),
                       ("url", alert.url)):
        if items:
            body[key] = _record_translations(items)
    return {"id": alert.entity_id, "alert": body}


def build_alerts_feed(notices: Iterable[Notice], tt: Timetable,
                      displays: Mapping[str, Display], at: int,
                      upstream: Iterable[Alert] = ()) -> dict[str, Any]:
    """Return the FeedMessage (JSON mapping): published, unexpired notices, then upstream alerts."""
    entities = []
    for notice in sorted(notices, key=lambda n: n.id):
        if notice.status is Status.PUBLISHED and not notice.is_over(at):
            entity = notice_entity(notice, tt, displays, at)
            if entity is not None:
                entities.append(entity)
    seen = {e["id"] for e in entities}
    for alert in upstream:
        if alert.entity_id not in seen:
            seen.add(alert.entity_id)
            entities.append(record_entity(alert))
    return {"header": {"gtfsRealtimeVersion": "2.0", "incrementality": "FULL_DATASET",
                       "timestamp": str(at)},
            "entity": entities}

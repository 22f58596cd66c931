"""The OpenAPI 3 description of the JSON API, tested against real responses."""

from __future__ import annotations

from typing import Any

from displays.service.config.settings import Settings
from displays.web.http import ERROR_CODES
from displays.web.openapi_notices import NOTICE_SCHEMAS, notice_paths
from displays.web.openapi_parts import (
    BOOL_OR_NULL,
    ERROR,
    INSTANT_OR_NULL,
    INT_OR_NULL,
    STR_OR_NULL,
    param,
    ref,
)
from displays.web.openapi_standards import standards_paths
from feeds.validity import TimetableStatus

SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["status", "code", "message"],
        "properties": {"status": {"type": "integer"},
                       "code": {"type": "string", "description": "stable, machine-readable: "
                                + ", ".join(sorted({*ERROR_CODES.values(), "invalid_parameter",
                                                    "invalid_notice"}))},
                       "message": {"type": "string", "description": "for people"},
                       "parameter": {"type": "string", "description": "invalid_parameter: "
                                     "the query parameter refused"}}}}},
    "Route": {"type": "object", "required": ["id", "short_name", "long_name", "type", "color",
                                             "text_color"],
              "properties": {"id": {"type": "string"}, "short_name": STR_OR_NULL,
                             "long_name": STR_OR_NULL, "type": {"type": "integer"},
                             "color": STR_OR_NULL, "text_color": STR_OR_NULL}},
    "Departure": {
        "type": "object",
        "required": ["trip_id", "service_date", "stop_id", "stop_sequence", "route", "headsign",
                     "scheduled", "predicted", "delay_s", "realtime", "status", "platform",
                     "platform_changed", "on_request", "approximate", "frequency",
                     "wheelchair_accessible", "occupancy", "alert_ids"],
        "properties": {
            "trip_id": {"type": "string"}, "service_date": {"type": "string", "format": "date"},
            "stop_id": {"type": "string"}, "stop_sequence": {"type": "integer"},
            "route": ref("Route"), "headsign": STR_OR_NULL,
            "scheduled": {"type": "string", "format": "date-time"},
            "predicted": {"type": ["string", "null"], "format": "date-time"},
            "delay_s": INT_OR_NULL, "realtime": {"type": "boolean"},
            "status": {"type": "string", "enum": ["scheduled", "cancelled", "skipped", "added"]},
            "platform": STR_OR_NULL, "platform_changed": {"type": "boolean"},
            "on_request": {"type": "boolean"}, "approximate": {"type": "boolean"},
            "frequency": {"type": ["object", "null"], "required": ["headway_s"],
                          "properties": {"headway_s": {"type": "integer"}}},
            "wheelchair_accessible": BOOL_OR_NULL, "occupancy": STR_OR_NULL,
            "alert_ids": {"type": "array", "items": {"type": "string"}}}},
    "Alert": {"type": "object", "required": ["id", "header", "description", "effect",
                                             "severity", "source"],
              "properties": {"id": {"type": "string"}, "header": STR_OR_NULL,
                             "description": STR_OR_NULL, "effect": STR_OR_NULL,
                             "severity": STR_OR_NULL,
                             "source": {"type": "string", "enum": ["gtfs-rt", "operator"]},
                             "display": {"type": "string",
                                         "enum": ["ticker", "takeover", "alternate"],
                                         "description": "operator notices: how pillars show it"},
                             "priority": {"type": "integer", "description": "1 = most urgent"},
                             "audio": {"type": "string",
                                       "description": "operator notices: the readout text"},
                             "lang": {"type": "string", "enum": ["de", "en"],
                                      "description": "operator notices: the language of "
                                                     "header and description (German when "
                                                     "a notice has no text in the one asked)"},
                             "audio_lang": {"type": "string", "enum": ["de", "en"],
                                            "description": "operator notices: the language "
                                                           "of `audio`"}}},
    "Board": {
        "type": "object", "required": ["stop", "generated_at", "realtime", "departures", "alerts"],
        "properties": {
            "stop": {"type": "object", "required": ["id", "name"],
                     "properties": {"id": {"type": "string"}, "name": {"type": "string"}}},
            "generated_at": {"type": "string", "format": "date-time"},
            "realtime": {"type": "object", "required": ["status", "feed_timestamp"],
                         "properties": {
                             "status": {"type": "string",
                                        "enum": ["live", "stale", "unavailable"]},
                             "feed_timestamp": {"type": ["string", "null"],
                                                "format": "date-time"},
                             "errors": {"type": "array", "description": (
                                 "CLI: realtime sources that could not be read and were "
                                 "ignored"), "items": {"type": "object", "properties": {
                                     "source": {"type": "string"},
                                     "error": {"type": "string"}}}}}},
            "departures": {"type": "array", "items": ref("Departure")},
            "alerts": {"type": "array", "items": ref("Alert")},
            "static": {"type": "object", "required": ["version", "feed_hash"],
                       "description": "display boards: the static feed they were computed "
                                      "from (every board response: X-Static-Feed)",
                       "properties": {"version": STR_OR_NULL,
                                      "feed_hash": {"type": "string"}}},
            "display": {"type": "object"}}},
    "Stop": {"type": "object", "required": ["id", "name", "lat", "lon", "location_type",
                                            "platforms"],
             "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                            "lat": {"type": "number"}, "lon": {"type": "number"},
                            "location_type": {"type": "integer"},
                            "distance_m": {"type": "number"},
                            "platforms": {"type": "array", "items": {
                                "type": "object", "required": ["id", "platform"],
                                "properties": {"id": {"type": "string"},
                                               "platform": STR_OR_NULL}}}}},
    "StopList": {"type": "object", "required": ["stops"],
                 "properties": {"stops": {"type": "array", "items": ref("Stop")}}},
    "DisplayList": {"type": "object", "required": ["displays"], "properties": {"displays": {
        "type": "array", "items": {"type": "object", "required": ["id", "name", "last_contact",
                                                                  "online"],
                                   "properties": {"id": {"type": "string"},
                                                  "name": {"type": "string"},
                                                  "last_contact": INSTANT_OR_NULL,
                                                  "last_contact_epoch": INT_OR_NULL,
                                                  "online": {"type": "boolean"}}}}}},
    "ActivePeriod": {"type": "object", "required": ["start", "end"],
                     "properties": {"start": INSTANT_OR_NULL, "end": INSTANT_OR_NULL}},
    "InformedEntity": {"type": "object", "description": "a GTFS-RT EntitySelector",
                       "properties": {"agency_id": {"type": "string"},
                                      "route_id": {"type": "string"},
                                      "route_short_name": STR_OR_NULL,
                                      "route_type": {"type": "integer"},
                                      "stop_id": {"type": "string"},
                                      "stop_name": {"type": "string"},
                                      "direction_id": {"type": "integer"},
                                      "trip": {"type": "object"}}},
    "AlertList": {"type": "object", "required": ["alerts"], "properties": {"alerts": {
        "type": "array", "items": {"allOf": [ref("Alert"), {
            "type": "object", "required": ["active_periods", "informed_entities"],
            "properties": {"active_periods": {"type": "array", "items": ref("ActivePeriod"),
                                              "description": "empty: while in the feed"},
                           "informed_entities": {"type": "array",
                                                 "items": ref("InformedEntity")}}}]}}}},
    "Validity": {"type": "object", "required": ["status", "valid_from", "valid_until"],
                 "properties": {
                     "status": {"type": "string", "enum": [str(s) for s in TimetableStatus]},
                     "valid_from": {"type": ["string", "null"], "format": "date"},
                     "valid_until": {"type": ["string", "null"], "format": "date"},
                     "today": {"type": "string", "format": "date"},
                     "days_left": INT_OR_NULL}},
    "Status": {"type": "object", "required": ["static", "realtime", "boards"], "properties": {
        "now": {"type": "string", "format": "date-time"},
        "static": {"type": "object", "required": ["validity", "loaded_at"], "properties": {
            "loaded_at": INSTANT_OR_NULL, "last_check": INSTANT_OR_NULL,
            "validity": ref("Validity")}},
        "realtime": {"type": "array", "items": {"type": "object", "required": [
            "source", "freshness", "feed_timestamp", "matched_share", "hint"], "properties": {
                "freshness": {"type": "string", "enum": ["live", "stale", "unavailable"]},
                "feed_timestamp": INSTANT_OR_NULL, "last_attempt": INSTANT_OR_NULL,
                "last_success": INSTANT_OR_NULL,
                "matched_share": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
                "hint": {**STR_OR_NULL, "description": "why realtime and timetable seem "
                                                        "not to belong together"}}}},
        "boards": {"type": "object"}}},
}




def _get(summary: str, schema: str, params: list[dict[str, Any]] | None = None,
         extra: dict[str, Any] | None = None) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": {"description": "OK", "content": {"application/json": {"schema": ref(schema)}}},
        "304": {"description": "Not modified (If-None-Match matched the ETag)"},
        "400": ERROR, "404": ERROR, "429": ERROR}
    op: dict[str, Any] = {"summary": summary, "parameters": params or [], "responses": responses}
    op.update(extra or {})
    return {"get": op}


def openapi_document(default_limit: int = Settings.default_limit,
                     max_limit: int = Settings.max_limit) -> dict[str, Any]:
    """The OpenAPI 3.1 description; the departures' row limits are the service's settings."""
    lang = param("lang", "query", {"type": "string", "enum": ["de", "en"]},
                  "language of texts (default: Accept-Language, then de)")
    return {
        "openapi": "3.1.0",
        "info": {"title": "abfahrt", "version": "1",
                 "description": "Departures of Mainz stops from GTFS and GTFS-Realtime. Board "
                                "responses carry ETag and Cache-Control; send If-None-Match. "
                                "Every instant is ISO 8601 with its UTC offset (`*_epoch` "
                                "fields beside some give seconds since 1970). A parameter "
                                "outside its documented range is refused with 400 "
                                "(`invalid_parameter`), never silently clamped. Every error "
                                "body has a stable `code`. The API is rate limited per "
                                "client (429 with Retry-After); display boards are not."},
        "paths": {
            "/api/v1/stops": _get("Search stops by name (German-aware)", "StopList", [
                param("q", "query", {"type": "string", "minLength": 1, "maxLength": 100},
                       "search text", required=True),
                param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 100},
                       "at most this many")]),
            "/api/v1/stops/nearby": _get("Stops near a position", "StopList", [
                param("lat", "query", {"type": "number", "minimum": -90, "maximum": 90},
                       "latitude", required=True),
                param("lon", "query", {"type": "number", "minimum": -180, "maximum": 180},
                       "longitude", required=True),
                param("radius", "query", {"type": "integer", "minimum": 1, "maximum": 5000},
                       "metres (default 500)"),
                param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 100},
                       "at most this many")]),
            "/api/v1/stops/{stop_id}/departures": _get(
                "Departures of a stop or station (the departures contract)", "Board", [
                    param("stop_id", "path", {"type": "string", "maxLength": 256}, "stop id"),
                    param("at", "query", {"type": "string", "format": "date-time"},
                           "instant (ISO 8601; default now)"),
                    param("window", "query", {"type": "integer", "minimum": 1,
                                               "maximum": 240}, "minutes (default 60)"),
                    param("limit", "query", {"type": "integer", "minimum": 1,
                                              "maximum": max_limit, "default": default_limit},
                           f"at most this many departures (default {default_limit}, at most "
                           f"{max_limit}; without it a busy station still answers at most "
                           f"{default_limit})"),
                    lang,
                    param("route", "query", {"type": "string", "maxLength": 200},
                           "comma-separated route ids or short names"),
                    param("direction", "query", {"type": "integer", "enum": [0, 1]},
                           "direction_id"),
                    param("platform", "query", {"type": "string", "maxLength": 200},
                           "comma-separated platform codes")]),
            "/api/v1/displays": _get("All configured displays with last contact", "DisplayList"),
            "/api/v1/displays/{display_id}": _get("A configured display's board", "Board", [
                param("display_id", "path", {"type": "string", "maxLength": 256},
                       "display id"),
                param("key", "query", {"type": "string"}, "the pillar's key from the "
                       "displays file: only its own polls count as its contact (online)"),
                param("preview", "query", {"type": "string"}, "any value: a look at the "
                       "board, never counted as the pillar's poll")]),
            "/api/v1/alerts": _get("Active alerts and operator notices", "AlertList", [lang]),
            "/api/v1/status": _get("Feed versions, realtime freshness, merge statistics",
                                   "Status"),
            **notice_paths(),                                   # operator notices
            **standards_paths(),                                # SIRI, OJP, TRIAS
        },
        "components": {"schemas": {**SCHEMAS, **NOTICE_SCHEMAS}, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer",
                       "description": "abfahrt tokens create --name NAME --role operator|admin"}}},
    }

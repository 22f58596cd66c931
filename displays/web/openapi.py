"""The OpenAPI 3 description of the JSON API, tested against real responses."""

from __future__ import annotations

from typing import Any

from displays.service.config.settings import Settings
from displays.web.http import ERROR_CODES
from feeds.validity import TimetableStatus

_STR_OR_NULL = {"type": ["string", "null"]}
_INT_OR_NULL = {"type": ["integer", "null"]}
_BOOL_OR_NULL = {"type": ["boolean", "null"]}
_INSTANT_OR_NULL = {"type": ["string", "null"], "format": "date-time"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _param(name: str, where: str, schema: dict[str, Any], description: str,
           required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required or where == "path",
            "schema": schema, "description": description}


_ERROR = {"description": "error", "content": {"application/json": {"schema": _ref("Error")}}}

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
              "properties": {"id": {"type": "string"}, "short_name": _STR_OR_NULL,
                             "long_name": _STR_OR_NULL, "type": {"type": "integer"},
                             "color": _STR_OR_NULL, "text_color": _STR_OR_NULL}},
    "Departure": {
        "type": "object",
        "required": ["trip_id", "service_date", "stop_id", "stop_sequence", "route", "headsign",
                     "scheduled", "predicted", "delay_s", "realtime", "status", "platform",
                     "platform_changed", "on_request", "approximate", "frequency",
                     "wheelchair_accessible", "occupancy", "alert_ids"],
        "properties": {
            "trip_id": {"type": "string"}, "service_date": {"type": "string", "format": "date"},
            "stop_id": {"type": "string"}, "stop_sequence": {"type": "integer"},
            "route": _ref("Route"), "headsign": _STR_OR_NULL,
            "scheduled": {"type": "string", "format": "date-time"},
            "predicted": {"type": ["string", "null"], "format": "date-time"},
            "delay_s": _INT_OR_NULL, "realtime": {"type": "boolean"},
            "status": {"type": "string", "enum": ["scheduled", "cancelled", "skipped", "added"]},
            "platform": _STR_OR_NULL, "platform_changed": {"type": "boolean"},
            "on_request": {"type": "boolean"}, "approximate": {"type": "boolean"},
            "frequency": {"type": ["object", "null"], "required": ["headway_s"],
                          "properties": {"headway_s": {"type": "integer"}}},
            "wheelchair_accessible": _BOOL_OR_NULL, "occupancy": _STR_OR_NULL,
            "alert_ids": {"type": "array", "items": {"type": "string"}}}},
    "Alert": {"type": "object", "required": ["id", "header", "description", "effect",
                                             "severity", "source"],
              "properties": {"id": {"type": "string"}, "header": _STR_OR_NULL,
                             "description": _STR_OR_NULL, "effect": _STR_OR_NULL,
                             "severity": _STR_OR_NULL,
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
            "departures": {"type": "array", "items": _ref("Departure")},
            "alerts": {"type": "array", "items": _ref("Alert")},
            "static": {"type": "object", "required": ["version", "feed_hash"],
                       "description": "display boards: the static feed they were computed "
                                      "from (every board response: X-Static-Feed)",
                       "properties": {"version": _STR_OR_NULL,
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
                                               "platform": _STR_OR_NULL}}}}},
    "StopList": {"type": "object", "required": ["stops"],
                 "properties": {"stops": {"type": "array", "items": _ref("Stop")}}},
    "DisplayList": {"type": "object", "required": ["displays"], "properties": {"displays": {
        "type": "array", "items": {"type": "object", "required": ["id", "name", "last_contact",
                                                                  "online"],
                                   "properties": {"id": {"type": "string"},
                                                  "name": {"type": "string"},
                                                  "last_contact": _INSTANT_OR_NULL,
                                                  "last_contact_epoch": _INT_OR_NULL,
                                                  "online": {"type": "boolean"}}}}}},
    "ActivePeriod": {"type": "object", "required": ["start", "end"],
                     "properties": {"start": _INSTANT_OR_NULL, "end": _INSTANT_OR_NULL}},
    "InformedEntity": {"type": "object", "description": "a GTFS-RT EntitySelector",
                       "properties": {"agency_id": {"type": "string"},
                                      "route_id": {"type": "string"},
                                      "route_short_name": _STR_OR_NULL,
                                      "route_type": {"type": "integer"},
                                      "stop_id": {"type": "string"},
                                      "stop_name": {"type": "string"},
                                      "direction_id": {"type": "integer"},
                                      "trip": {"type": "object"}}},
    "AlertList": {"type": "object", "required": ["alerts"], "properties": {"alerts": {
        "type": "array", "items": {"allOf": [_ref("Alert"), {
            "type": "object", "required": ["active_periods", "informed_entities"],
            "properties": {"active_periods": {"type": "array", "items": _ref("ActivePeriod"),
                                              "description": "empty: while in the feed"},
                           "informed_entities": {"type": "array",
                                                 "items": _ref("InformedEntity")}}}]}}}},
    "Validity": {"type": "object", "required": ["status", "valid_from", "valid_until"],
                 "properties": {
                     "status": {"type": "string", "enum": [str(s) for s in TimetableStatus]},
                     "valid_from": {"type": ["string", "null"], "format": "date"},
                     "valid_until": {"type": ["string", "null"], "format": "date"},
                     "today": {"type": "string", "format": "date"},
                     "days_left": _INT_OR_NULL}},
    "Status": {"type": "object", "required": ["static", "realtime", "boards"], "properties": {
        "now": {"type": "string", "format": "date-time"},
        "static": {"type": "object", "required": ["validity", "loaded_at"], "properties": {
            "loaded_at": _INSTANT_OR_NULL, "last_check": _INSTANT_OR_NULL,
            "validity": _ref("Validity")}},
        "realtime": {"type": "array", "items": {"type": "object", "required": [
            "source", "freshness", "feed_timestamp", "matched_share", "hint"], "properties": {
                "freshness": {"type": "string", "enum": ["live", "stale", "unavailable"]},
                "feed_timestamp": _INSTANT_OR_NULL, "last_attempt": _INSTANT_OR_NULL,
                "last_success": _INSTANT_OR_NULL,
                "matched_share": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
                "hint": {**_STR_OR_NULL, "description": "why realtime and timetable seem "
                                                        "not to belong together"}}}},
        "boards": {"type": "object"}}},
}


# ---- operator notices (displays/notices) ----------------------------------------------------
_TEXTS = {"type": "object", "properties": {"de": {"type": "string"}, "en": {"type": "string"}},
          "additionalProperties": False}
_NOTICE_FIELDS: dict[str, Any] = {
    "text": {**_TEXTS, "description": "plain text (never HTML); de required, ≤ 2000 characters"},
    "header": {**_TEXTS, "description": "optional, ≤ 200 characters; default: first text line"},
    "audio_text": {**_TEXTS, "description": "what the audio readout says"},
    "targets": {"type": "object", "additionalProperties": False, "properties": {
        "all": {"type": "boolean"}, "stops": {"type": "array", "items": {"type": "string"}},
        "routes": {"type": "array", "items": {"type": "object", "required": ["id"],
                   "properties": {"id": {"type": "string"},
                                  "direction": {"type": ["integer", "null"],
                                                "enum": [0, 1, None]}}}},
        "displays": {"type": "array", "items": {"type": "string"}}}},
    "valid_from": {"type": "string", "format": "date-time",
                   "description": "default: now; without offset: Europe/Berlin"},
    "valid_until": {"type": ["string", "null"], "format": "date-time",
                    "description": "exclusive; null = no end"},
    "weekdays": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 7}},
    "daily": {"type": ["object", "null"], "required": ["from", "until"],
              "properties": {"from": {"type": "string"}, "until": {"type": "string"}}},
    "priority": {"type": "integer", "minimum": 1, "maximum": 5,
                 "description": "1 = most urgent (default 3)"},
    "display": {"type": "string", "enum": ["ticker", "takeover", "alternate"]},
    "cause": {"type": "string"}, "effect": {"type": "string"},
    "severity": {"type": "string", "enum": ["UNKNOWN_SEVERITY", "INFO", "WARNING", "SEVERE"]},
    "url": {"type": ["string", "null"], "pattern": "^https://"},
    "status": {"type": "string", "enum": ["draft", "published", "withdrawn"]},
}
SCHEMAS.update({
    "NoticeInput": {"type": "object", "required": ["text", "targets"],
                    "properties": _NOTICE_FIELDS, "additionalProperties": False},
    "Notice": {"type": "object", "required": ["id", "text", "targets", "valid_from",
                                              "valid_until", "priority", "display"],
               "properties": {**_NOTICE_FIELDS, "id": {"type": "string"},
                              "revision": {"type": "integer", "minimum": 1,
                                           "description": "1 when created, +1 with every "
                                                          "write; the ETag names it"},
                              "author": {"type": "string"},
                              "created": {"type": "string", "format": "date-time"},
                              "updated": {"type": "string", "format": "date-time"}}},
    "NoticeList": {"type": "object", "required": ["notices"],
                   "properties": {"notices": {"type": "array", "items": _ref("Notice")}}},
    "AuditList": {"type": "object", "required": ["audit"], "properties": {"audit": {
        "type": "array", "items": {"type": "object", "required": ["at", "action", "actor"],
                                   "properties": {"at": {"type": "string"},
                                                  "action": {"type": "string"},
                                                  "actor": {"type": "object"},
                                                  "before": {"type": ["object", "null"]},
                                                  "after": {"type": ["object", "null"]}}}}}},
    "ValidationError": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["status", "message", "field", "errors"],
        "properties": {"status": {"type": "integer"}, "message": {"type": "string"},
                       "field": {"type": "string"},
                       "errors": {"type": "array", "items": {"type": "object"}}}}}},
})


def _notice_paths() -> dict[str, Any]:
    def answer(schema: str, description: str = "OK") -> dict[str, Any]:
        return {"description": description,
                "content": {"application/json": {"schema": _ref(schema)}}}

    secured: list[dict[str, list[str]]] = [{"bearer": []}]
    errors = {"401": _ERROR, "403": _ERROR, "429": _ERROR, "503": _ERROR}
    invalid = answer("ValidationError", "invalid input; `field` names the first bad field")
    body = {"required": True, "content": {"application/json": {"schema": _ref("NoticeInput")},
                                          "application/merge-patch+json": {"schema": {
                                              "type": "object"}}}}
    notice_id = _param("notice_id", "path", {"type": "string"}, "notice id")
    etag = {"ETag": {"description": 'the notice\'s revision as a strong tag, e.g. "3"; send '
                                    "it back in If-Match to change the notice",
                     "schema": {"type": "string"}}}

    def tagged(response: dict[str, Any]) -> dict[str, Any]:
        return {**response, "headers": etag}

    if_match = _param("If-Match", "header", {"type": "string"},
                      'the ETag of the revision this write changes (e.g. "3"; several tags: '
                      'any may match; * = whatever revision is stored)', required=True)
    revised = {"412": tagged({**_ERROR, "description": "precondition_failed: the notice is at "
                              "another revision (its ETag is sent); GET it and repeat"}),
               "428": {**_ERROR, "description": "precondition_required: If-Match is missing"}}
    return {
        "/api/v1/notices": {
            "get": {"summary": "Active and scheduled notices (public fields without a token; "
                               "drafts too with one, everything with ?all=1)",
                    "parameters": [_param("all", "query", {"type": "string"},
                                          "1: also withdrawn and expired (token required)")],
                    "responses": {"200": answer("NoticeList"), "401": _ERROR}},
            "post": {"summary": "Create a notice (operator or admin)", "security": secured,
                     "requestBody": body, "responses": {
                         "201": tagged(answer("Notice", "created")), "400": _ERROR,
                         "413": _ERROR, "422": invalid, **errors}}},
        "/api/v1/notices/{notice_id}": {
            "parameters": [notice_id],
            "get": {"summary": "One notice (with a token: as stored now, with its ETag)",
                    "responses": {"200": tagged(answer("Notice")), "404": _ERROR}},
            "patch": {"summary": "Change a notice (JSON merge patch, RFC 7396) at the revision "
                                 "If-Match names",
                      "security": secured, "parameters": [if_match], "requestBody": body,
                      "responses": {
                          "200": tagged(answer("Notice")), "400": _ERROR, "404": _ERROR,
                          "409": {**_ERROR, "description": "conflict: the notice is withdrawn "
                                  "(final; PATCH moves draft <-> published only)"},
                          "413": _ERROR, "422": invalid, **revised, **errors}},
            "delete": {"summary": "Withdraw a notice at the revision If-Match names (the "
                                  "record and its audit stay)",
                       "security": secured, "parameters": [if_match],
                       "responses": {"200": tagged(answer("Notice")), "404": _ERROR,
                                     **revised, **errors}}},
        "/api/v1/audit": {"get": {
            "summary": "Every notice and token write, newest first (admin)",
            "security": secured, "parameters": [
                _param("notice", "query", {"type": "string"}, "only this notice"),
                _param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 1000},
                       "at most this many (default 100)")],
            "responses": {"200": answer("AuditList"), **errors}}},
        "/gtfs-rt/alerts.pb": {"get": {
            "summary": "GTFS-RT ServiceAlerts (FULL_DATASET): operator notices and upstream "
                       "alerts; ?format=json for the protobuf JSON mapping",
            "parameters": [_param("format", "query", {"type": "string", "enum": ["json"]},
                                  "json instead of protobuf")],
            "responses": {"200": {"description": "FeedMessage", "content": {
                "application/x-protobuf": {}, "application/json": {}}}}}},
    }
# ---- end operator notices -------------------------------------------------------------------


def _get(summary: str, schema: str, params: list[dict[str, Any]] | None = None,
         extra: dict[str, Any] | None = None) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": {"description": "OK", "content": {"application/json": {"schema": _ref(schema)}}},
        "304": {"description": "Not modified (If-None-Match matched the ETag)"},
        "400": _ERROR, "404": _ERROR, "429": _ERROR}
    op: dict[str, Any] = {"summary": summary, "parameters": params or [], "responses": responses}
    op.update(extra or {})
    return {"get": op}


def openapi_document(default_limit: int = Settings.default_limit,
                     max_limit: int = Settings.max_limit) -> dict[str, Any]:
    """The OpenAPI 3.1 description; the departures' row limits are the service's settings."""
    lang = _param("lang", "query", {"type": "string", "enum": ["de", "en"]},
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
                _param("q", "query", {"type": "string", "minLength": 1, "maxLength": 100},
                       "search text", required=True),
                _param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 100},
                       "at most this many")]),
            "/api/v1/stops/nearby": _get("Stops near a position", "StopList", [
                _param("lat", "query", {"type": "number", "minimum": -90, "maximum": 90},
                       "latitude", required=True),
                _param("lon", "query", {"type": "number", "minimum": -180, "maximum": 180},
                       "longitude", required=True),
                _param("radius", "query", {"type": "integer", "minimum": 1, "maximum": 5000},
                       "metres (default 500)"),
                _param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 100},
                       "at most this many")]),
            "/api/v1/stops/{stop_id}/departures": _get(
                "Departures of a stop or station (the departures contract)", "Board", [
                    _param("stop_id", "path", {"type": "string", "maxLength": 256}, "stop id"),
                    _param("at", "query", {"type": "string", "format": "date-time"},
                           "instant (ISO 8601; default now)"),
                    _param("window", "query", {"type": "integer", "minimum": 1,
                                               "maximum": 240}, "minutes (default 60)"),
                    _param("limit", "query", {"type": "integer", "minimum": 1,
                                              "maximum": max_limit, "default": default_limit},
                           f"at most this many departures (default {default_limit}, at most "
                           f"{max_limit}; without it a busy station still answers at most "
                           f"{default_limit})"),
                    lang,
                    _param("route", "query", {"type": "string", "maxLength": 200},
                           "comma-separated route ids or short names"),
                    _param("direction", "query", {"type": "integer", "enum": [0, 1]},
                           "direction_id"),
                    _param("platform", "query", {"type": "string", "maxLength": 200},
                           "comma-separated platform codes")]),
            "/api/v1/displays": _get("All configured displays with last contact", "DisplayList"),
            "/api/v1/displays/{display_id}": _get("A configured display's board", "Board", [
                _param("display_id", "path", {"type": "string", "maxLength": 256},
                       "display id"),
                _param("key", "query", {"type": "string"}, "the pillar's key from the "
                       "displays file: only its own polls count as its contact (online)"),
                _param("preview", "query", {"type": "string"}, "any value: a look at the "
                       "board, never counted as the pillar's poll")]),
            "/api/v1/alerts": _get("Active alerts and operator notices", "AlertList", [lang]),
            "/api/v1/status": _get("Feed versions, realtime freshness, merge statistics",
                                   "Status"),
            **_notice_paths(),                                  # operator notices
        },
        "components": {"schemas": SCHEMAS, "securitySchemes": {  # bearer: operator notices
            "bearer": {"type": "http", "scheme": "bearer",
                       "description": "abfahrt tokens create --name NAME --role operator|admin"}}},
    }

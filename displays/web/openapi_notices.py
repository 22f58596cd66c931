"""The operator notices' part of the OpenAPI document (their handlers live in
displays/notices; the document is served by displays/web/api)."""

from __future__ import annotations

from typing import Any

from displays.web.openapi_parts import ERROR, param, ref

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
NOTICE_SCHEMAS: dict[str, Any] = {
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
                   "properties": {"notices": {"type": "array", "items": ref("Notice")}}},
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
}


def notice_paths() -> dict[str, Any]:
    def answer(schema: str, description: str = "OK") -> dict[str, Any]:
        return {"description": description,
                "content": {"application/json": {"schema": ref(schema)}}}

    secured: list[dict[str, list[str]]] = [{"bearer": []}]
    errors = {"401": ERROR, "403": ERROR, "429": ERROR, "503": ERROR}
    invalid = answer("ValidationError", "invalid input; `field` names the first bad field")
    body = {"required": True, "content": {"application/json": {"schema": ref("NoticeInput")},
                                          "application/merge-patch+json": {"schema": {
                                              "type": "object"}}}}
    notice_id = param("notice_id", "path", {"type": "string"}, "notice id")
    etag = {"ETag": {"description": 'the notice\'s revision as a strong tag, e.g. "3"; send '
                                    "it back in If-Match to change the notice",
                     "schema": {"type": "string"}}}

    def tagged(response: dict[str, Any]) -> dict[str, Any]:
        return {**response, "headers": etag}

    if_match = param("If-Match", "header", {"type": "string"},
                      'the ETag of the revision this write changes (e.g. "3"; several tags: '
                      'any may match; * = whatever revision is stored)', required=True)
    revised = {"412": tagged({**ERROR, "description": "precondition_failed: the notice is at "
                              "another revision (its ETag is sent); GET it and repeat"}),
               "428": {**ERROR, "description": "precondition_required: If-Match is missing"}}
    return {
        "/api/v1/notices": {
            "get": {"summary": "Active and scheduled notices (public fields without a token; "
                               "drafts too with one, everything with ?all=1)",
                    "parameters": [param("all", "query", {"type": "string"},
                                          "1: also withdrawn and expired (token required)")],
                    "responses": {"200": answer("NoticeList"), "401": ERROR}},
            "post": {"summary": "Create a notice (operator or admin)", "security": secured,
                     "requestBody": body, "responses": {
                         "201": tagged(answer("Notice", "created")), "400": ERROR,
                         "413": ERROR, "422": invalid, **errors}}},
        "/api/v1/notices/{notice_id}": {
            "parameters": [notice_id],
            "get": {"summary": "One notice (with a token: as stored now, with its ETag)",
                    "responses": {"200": tagged(answer("Notice")), "404": ERROR}},
            "patch": {"summary": "Change a notice (JSON merge patch, RFC 7396) at the revision "
                                 "If-Match names",
                      "security": secured, "parameters": [if_match], "requestBody": body,
                      "responses": {
                          "200": tagged(answer("Notice")), "400": ERROR, "404": ERROR,
                          "409": {**ERROR, "description": "conflict: the notice is withdrawn "
                                  "(final; PATCH moves draft <-> published only)"},
                          "413": ERROR, "422": invalid, **revised, **errors}},
            "delete": {"summary": "Withdraw a notice at the revision If-Match names (the "
                                  "record and its audit stay)",
                       "security": secured, "parameters": [if_match],
                       "responses": {"200": tagged(answer("Notice")), "404": ERROR,
                                     **revised, **errors}}},
        "/api/v1/audit": {"get": {
            "summary": "Every notice and token write, newest first (admin)",
            "security": secured, "parameters": [
                param("notice", "query", {"type": "string"}, "only this notice"),
                param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 1000},
                       "at most this many (default 100)")],
            "responses": {"200": answer("AuditList"), **errors}}},
        "/gtfs-rt/alerts.pb": {"get": {
            "summary": "GTFS-RT ServiceAlerts (FULL_DATASET): operator notices and upstream "
                       "alerts; ?format=json for the protobuf JSON mapping",
            "parameters": [param("format", "query", {"type": "string", "enum": ["json"]},
                                  "json instead of protobuf")],
            "responses": {"200": {"description": "FeedMessage", "content": {
                "application/x-protobuf": {}, "application/json": {}}}}}},
    }

"""The OpenAPI document describes the notice endpoints as they answer."""

from __future__ import annotations

from typing import Any

import jsonschema

from displays.web.openapi import openapi_document
from tests.notices.conftest import Service
from tests.notices.test_api import NOTICE


def errors_of(name: str, body: Any) -> list[str]:
    document = openapi_document()
    schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    return [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(body)]


async def test_notice_answers_match_the_schemas(service: Service) -> None:
    paths = openapi_document()["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/notices"])
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/notices/{notice_id}"])
    assert "/api/v1/audit" in paths and "/gtfs-rt/alerts.pb" in paths
    assert errors_of("NoticeInput", NOTICE) == []
    assert errors_of("NoticeInput", {"text": {"de": "x"}}) != []          # targets missing
    created = await service.client.post("/api/v1/notices", json=NOTICE, headers=service.auth())
    assert errors_of("Notice", await created.json()) == []
    for headers in ({}, service.auth()):
        listing = await service.client.get("/api/v1/notices", headers=headers)
        assert errors_of("NoticeList", await listing.json()) == []
    audit = await service.client.get("/api/v1/audit", headers=service.auth("admin"))
    assert errors_of("AuditList", await audit.json()) == []
    invalid = await service.client.post("/api/v1/notices", json={"text": {}, "targets": {}},
                                        headers=service.auth())
    assert invalid.status == 422 and errors_of("ValidationError", await invalid.json()) == []
    missing = await service.client.get("/api/v1/notices/op-none")
    assert missing.status == 404 and errors_of("Error", await missing.json()) == []

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


async def test_revisions_are_described_and_answered_with_their_own_codes(
        service: Service) -> None:
    """PATCH and DELETE name the revision they change (If-Match, RFC 9110): the document says
    so (the header, 412, 428, the ETag), and the answers carry specific error codes."""
    document = openapi_document()
    notice_item = document["paths"]["/api/v1/notices/{notice_id}"]
    for method in ("patch", "delete"):
        operation = notice_item[method]
        [header] = [p for p in operation["parameters"] if p["name"] == "If-Match"]
        assert header["in"] == "header" and header["required"] is True
        assert {"200", "412", "428"} <= set(operation["responses"])
        assert "ETag" in operation["responses"]["200"]["headers"]
        assert "ETag" in operation["responses"]["412"]["headers"]
    assert "ETag" in notice_item["get"]["responses"]["200"]["headers"]
    assert "ETag" in document["paths"]["/api/v1/notices"]["post"]["responses"]["201"]["headers"]
    assert "revision" in document["components"]["schemas"]["Notice"]["properties"]
    codes = document["components"]["schemas"]["Error"]["properties"]["error"]["properties"][
        "code"]["description"]
    assert "precondition_failed" in codes and "precondition_required" in codes
    served = await (await service.client.get("/api/v1/openapi.json")).json()
    assert served["paths"]["/api/v1/notices/{notice_id}"]["patch"]["parameters"] == \
        notice_item["patch"]["parameters"]

    created = await (await service.client.post("/api/v1/notices", json=NOTICE,
                                               headers=service.auth())).json()
    path = f"/api/v1/notices/{created['id']}"
    for method in ("PATCH", "DELETE"):
        unnamed = await service.client.request(method, path, json={"priority": 2},
                                               headers=service.auth())
        body = await unnamed.json()
        assert unnamed.status == 428 and body["error"]["code"] == "precondition_required"
        assert errors_of("Error", body) == []
        stale = await service.client.request(method, path, json={"priority": 2},
                                             headers={**service.auth(), "If-Match": '"7"'})
        body = await stale.json()
        assert stale.status == 412 and body["error"]["code"] == "precondition_failed"
        assert stale.headers["ETag"] == '"1"' and errors_of("Error", body) == []

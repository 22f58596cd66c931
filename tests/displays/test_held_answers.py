"""A cached board is answered from a `Ready` (its headers made once per board version): the
answers carry exactly the headers the guard gives every other response, 200 and 304, with and
without gzip, on the first request and on every one after."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from displays.web.answers import CSP, CSP_FRAMEABLE

Client = TestClient[Any, Any]
HBF = "de:07315:1001"
VOLATILE = {"Date", "Content-Length", "X-Clock", "Cache-Control", "Server"}

PAGE = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
API = {"X-Content-Type-Options": "nosniff", "Access-Control-Allow-Origin": "*",
       "Access-Control-Expose-Headers": "ETag, Retry-After, X-Static-Feed"}
CASES = [
    ("/displays/hbf-tram", "text/html; charset=utf-8",
     PAGE | {"Content-Security-Policy": CSP_FRAMEABLE, "X-Frame-Options": "SAMEORIGIN"}),
    (f"/stops/{HBF}", "text/html; charset=utf-8",
     PAGE | {"Content-Security-Policy": CSP, "X-Frame-Options": "DENY"}),
    ("/api/v1/displays/hbf-tram", "application/json; charset=utf-8", API),
    (f"/api/v1/stops/{HBF}/departures", "application/json; charset=utf-8", API),
]


def stable(headers: Any) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k not in VOLATILE}


@pytest.mark.busy_hour
@pytest.mark.parametrize(("path", "content_type", "security"), CASES)
async def test_held_answers_carry_every_header(client: Client, path: str, content_type: str,
                                               security: dict[str, str]) -> None:
    plain = await client.get(path, headers={"Accept-Encoding": "identity"})
    assert plain.status == 200, await plain.text()
    assert plain.headers["Content-Type"] == content_type
    assert "Content-Encoding" not in plain.headers
    for key, value in security.items():
        assert plain.headers[key] == value, key
    if "text/html" not in content_type:
        assert "Content-Security-Policy" not in plain.headers
    assert plain.headers["Cache-Control"].startswith("public, max-age=")
    assert plain.headers["Vary"] == "Accept-Encoding, Accept-Language"
    assert plain.headers["X-Static-Feed"]
    body = await plain.read()

    zipped = await client.get(path, headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers.get("Content-Encoding") == ("gzip" if len(body) >= 1024 else None)
    assert await zipped.read() == body                     # the client inflates it
    again = await client.get(path, headers={"Accept-Encoding": "identity"})
    assert stable(again.headers) == stable(plain.headers)  # held: the same, header by header
    assert await again.read() == body

    etag = plain.headers["ETag"]
    for sent in (etag, f'"x", {etag}', "*"):
        held = await client.get(path, headers={"If-None-Match": sent})
        assert held.status == 304, sent
        assert held.headers["ETag"] == etag
        assert held.headers["X-Content-Type-Options"] == "nosniff"
        assert ("Access-Control-Allow-Origin" in held.headers) == path.startswith("/api/")
    other = await client.get(path, headers={"If-None-Match": 'W/"another"'})
    assert other.status == 200

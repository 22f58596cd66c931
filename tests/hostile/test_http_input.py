"""Hostile requests: traversal, huge ids and values, NaN, negative limits → 4xx, never 5xx;
an abusive client gets 429 with Retry-After while configured displays keep polling."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from displays.app import create_app
from displays.web.appkeys import runtime
from tests.instants import suite_settings

Client = TestClient[Any, Any]
HBF = "de:07315:1001"
HUGE = "x" * 10_000

HOSTILE_PATHS = [
    "/stops/..%2F..%2Fetc%2Fpasswd", "/stops/../../etc/passwd", "/stops/%2e%2e%2f%2e%2e%2fetc",
    "/stops/..%2F..%2Fetc%2Fpasswd.txt", "/displays/..%2F..%2Fdisplays.toml",
    "/api/v1/stops/..%2F..%2Fetc%2Fpasswd/departures", "/static/..%2F..%2Fpyproject.toml",
    "/static/../../pyproject.toml", "/static/%2e%2e/%2e%2e/displays/settings.py",
    f"/stops/{HUGE}", f"/stops/{HUGE}.txt", f"/displays/{HUGE}", f"/api/v1/displays/{HUGE}",
    f"/api/v1/stops/{HUGE}/departures", "/stops/%00", "/stops/%FF%FE",
    "/api/v1/stops/%00/departures",
    "/stops/<script>alert(1)<%2Fscript>", "/api/v1/stops/'%20OR%201=1--/departures",
]
HOSTILE_QUERIES: list[tuple[str, dict[str, str]]] = [
    (f"/api/v1/stops/{HBF}/departures", {"window": "1e99"}),
    (f"/api/v1/stops/{HBF}/departures", {"window": "-1"}),
    (f"/api/v1/stops/{HBF}/departures", {"window": "99999999999999999999999999"}),
    (f"/api/v1/stops/{HBF}/departures", {"limit": "-1"}),
    (f"/api/v1/stops/{HBF}/departures", {"limit": "0"}),
    (f"/api/v1/stops/{HBF}/departures", {"limit": "nan"}),
    (f"/api/v1/stops/{HBF}/departures", {"at": "nan"}),
    (f"/api/v1/stops/{HBF}/departures", {"at": "9999-12-31T23:59:59+14:00"}),
    (f"/api/v1/stops/{HBF}/departures", {"at": "0001-01-01T00:00:00-12:00"}),
    (f"/api/v1/stops/{HBF}/departures", {"at": "1e99"}),
    (f"/api/v1/stops/{HBF}/departures", {"at": HUGE}),
    (f"/api/v1/stops/{HBF}/departures", {"route": HUGE}),
    (f"/api/v1/stops/{HBF}/departures", {"route": "," * 150}),
    (f"/api/v1/stops/{HBF}/departures", {"direction": "1e99"}),
    (f"/api/v1/stops/{HBF}/departures", {"platform": "\x00\x01"}),
    (f"/api/v1/stops/{HBF}/departures", {"lang": HUGE}),
    (f"/stops/{HBF}", {"rows": "-1"}), (f"/stops/{HBF}", {"rows": "1e99"}),
    (f"/stops/{HBF}.txt", {"width": "-5"}), (f"/stops/{HBF}.txt", {"width": "99999999999"}),
    (f"/stops/{HBF}", {"theme": "../../etc/passwd"}), (f"/stops/{HBF}", {"lang": "xx"}),
    ("/api/v1/stops/nearby", {"lat": "nan", "lon": "8.27"}),
    ("/api/v1/stops/nearby", {"lat": "inf", "lon": "-inf"}),
    ("/api/v1/stops/nearby", {"lat": "1e99", "lon": "1e99"}),
    ("/api/v1/stops/nearby", {"lat": "50", "lon": "8.27", "radius": "1e99"}),
    ("/api/v1/stops/nearby", {"lat": "50", "lon": "8.27", "radius": "-1", "limit": "-1"}),
    ("/api/v1/stops/nearby", {"lat": HUGE, "lon": HUGE}),
    ("/api/v1/stops", {"q": HUGE}), ("/api/v1/stops", {"q": "%" * 90, "limit": "-1"}),
    ("/api/v1/stops", {"q": "\x00"}), ("/api/v1/stops", {"q": "hbf", "limit": "1e99"}),
]


@pytest.fixture
async def client(aiohttp_client: Any, tmp_path: Path) -> Client:
    return await aiohttp_client(create_app(suite_settings(data_dir=tmp_path,
                                                    rate_limit_per_min=1_000_000)))


@pytest.mark.parametrize("path", HOSTILE_PATHS)
async def test_hostile_paths_are_client_errors(client: Client, path: str) -> None:
    response = await client.get(path)
    body = await response.read()
    assert 400 <= response.status < 500, (path[:80], response.status)
    assert b"root:" not in body and b"[tool." not in body and b"SettingsError" not in body
    assert b"<script>alert" not in body                       # reflected ids are escaped


@pytest.mark.parametrize(("path", "params"), HOSTILE_QUERIES,
                         ids=[f"{p.rsplit('/', 2)[-1]}-{'-'.join(q)}" for p, q in HOSTILE_QUERIES])
async def test_hostile_parameters_are_rejected_or_capped(client: Client, path: str,
                                                          params: dict[str, str]) -> None:
    response = await client.get(path, params=params)
    assert response.status < 500, (path, {k: v[:40] for k, v in params.items()})
    assert response.status in (200, 400, 404), response.status
    if response.status == 200 and path.endswith("/departures"):
        document = await response.json()
        settings = runtime(client.app).settings
        cap = settings.max_limit if "limit" in params else settings.default_limit
        assert len(document["departures"]) <= cap
    if response.status == 400 and response.content_type == "application/json":
        assert (await response.json())["error"]["status"] == 400
    # a request line over 8 KiB is refused by aiohttp's parser itself (text/plain 400)


async def test_huge_headers_and_bodies_are_refused(client: Client) -> None:
    response = await client.get(f"/stops/{HBF}", headers={"Accept-Language": "de," * 3000})
    assert response.status < 500
    response = await client.get(f"/stops/{HBF}", headers={"If-None-Match": 'W/"x",' * 1000})
    assert response.status == 200
    response = await client.post("/api/v1/stops", data=b"x" * (1 << 20))
    assert 400 <= response.status < 500


async def test_abusive_client_gets_429_while_displays_keep_polling(aiohttp_client: Any,
                                                                   tmp_path: Path) -> None:
    client: Client = await aiohttp_client(create_app(suite_settings(data_dir=tmp_path,
                                                              rate_limit_per_min=60)))
    statuses: list[int] = []
    retry_after: list[str] = []
    displays: list[int] = []
    for i in range(60):
        response = await client.get("/api/v1/stops", params={"q": "hbf"})
        statuses.append(response.status)
        if response.status == 429:
            retry_after.append(response.headers["Retry-After"])
        if i % 5 == 0:
            for path in ("/displays/hbf-tram", "/displays/hbf-tram.txt"):
                displays.append((await client.get(path)).status)
    assert set(statuses) == {200, 429}
    assert statuses.index(429) >= 10                # the burst was served first
    assert statuses.count(200) <= 20                # then the limit holds
    assert retry_after and all(v.isdigit() and 1 <= int(v) <= 60 for v in retry_after)
    limited = await client.get(f"/api/v1/stops/{HBF}/departures")
    assert limited.status == 429 and (await limited.json())["error"]["status"] == 429
    assert displays and set(displays) == {200}, displays

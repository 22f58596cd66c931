"""The demo service at every hour: rush hour, noon, the thin night, and both DST nights.

Each instant starts the real app with its clock there (`clock_start`), so what the demo network
and its simulated realtime show is fixed by the test, never by the hour the suite runs at.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from displays.app import create_app
from displays.web.appkeys import runtime
from tests.displays.test_service import assert_valid
from tests.instants import BERLIN, DEMO_INSTANTS, suite_settings

Client = TestClient[Any, Any]
HBF = "de:07315:1001"


@pytest.fixture(params=sorted(DEMO_INSTANTS), ids=sorted(DEMO_INSTANTS))
async def demo_at(request: pytest.FixtureRequest, aiohttp_client: Any, tmp_path: Path
                  ) -> tuple[Client, int]:
    at = DEMO_INSTANTS[request.param]
    client = await aiohttp_client(create_app(suite_settings(
        data_dir=tmp_path, clock_start=at, rate_limit_per_min=1_000_000)))
    return client, at


def epoch(text: str) -> float:
    return dt.datetime.fromisoformat(text).timestamp()


async def test_departures_are_capped_by_default_at_every_hour(demo_at: tuple[Client, int]
                                                              ) -> None:
    client, at = demo_at
    settings = runtime(client.app).settings
    too_many = await client.get(f"/api/v1/stops/{HBF}/departures",
                                params={"limit": str(settings.max_limit + 1)})
    assert too_many.status == 400        # out of range is refused, never silently capped
    assert (await too_many.json())["error"]["parameter"] == "limit"
    for params, cap in (({"window": "240"}, settings.default_limit),
                        ({"window": "240", "limit": str(settings.max_limit)},
                         settings.max_limit),
                        ({}, settings.default_limit)):
        response = await client.get(f"/api/v1/stops/{HBF}/departures", params=params)
        assert response.status == 200, params
        body = await response.json()
        assert_valid("Board", body)
        assert len(body["departures"]) <= cap, params
        now = epoch(body["generated_at"])
        assert abs(now - at) < 60, "the board is computed at the service's instant"
        window = int(params.get("window", "60")) * 60
        effective = [epoch(d["predicted"] or d["scheduled"]) for d in body["departures"]]
        assert effective == sorted(effective)
        assert all(now <= e < now + window for e in effective)


async def test_hauptbahnhof_is_never_empty_for_two_hours(demo_at: tuple[Client, int]) -> None:
    """Trams by day, night bus 91 (24:30–28:30 of the previous service day) by night."""
    client, at = demo_at
    body = await (await client.get(f"/api/v1/stops/{HBF}/departures",
                                   params={"window": "120"})).json()
    assert body["departures"], dt.datetime.fromtimestamp(at, BERLIN).isoformat()
    assert body["realtime"]["status"] == "live"
    night = [d["route"]["short_name"] for d in body["departures"]
             if 1 <= dt.datetime.fromisoformat(d["scheduled"]).hour < 5]
    assert set(night) <= {"91"}, "only the night bus runs between 01:00 and 05:00"
    if 1 <= dt.datetime.fromtimestamp(at, BERLIN).hour < 4:
        assert night, "a night bus leaves within two hours"


async def test_every_board_answers_at_every_hour(demo_at: tuple[Client, int]) -> None:
    client, _ = demo_at
    rt = runtime(client.app)
    assert (await (await client.get("/readyz")).json())["status"] == "ready"
    for display in rt.displays.values():
        document = await (await client.get(f"/api/v1/displays/{display.id}")).json()
        assert len(document["departures"]) <= display.rows
        for suffix in ("", ".txt"):
            response = await client.get(f"/displays/{display.id}{suffix}")
            assert response.status == 200, (display.id, suffix)
            text = await response.text()
            if not document["departures"]:
                assert ("Keine Abfahrten" in text or "No departures" in text), display.id
    for stop in rt.search.candidates:
        stop_id = rt.tt.stop_id(stop)
        assert (await client.get(f"/stops/{stop_id}")).status == 200, stop_id

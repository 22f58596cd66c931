"""Independent clients of each standard against the running service (demo network): the
Swiss national OJP service's JavaScript SDK (`ojp-sdk-next`, node), the SIRI Lite client
`siri-lite` and the TRIAS provider of `python-openpublictransport` (PyPI). Each reads the
departures the JSON API lists. `.ci/run` installs the node packages (tests/clients)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from openpublictransport.providers import trias_base
from openpublictransport.providers.trias_base import TRIASBaseProvider
from siri_lite.siri_client import SiriClient

from displays.app import create_app
from displays.service.config.settings import Settings
from displays.web.appkeys import STARTUP
from tests.instants import BERLIN, iso

HBF = "de:07315:1001"
CLIENTS = Path(__file__).resolve().parents[1] / "clients"


@pytest.fixture
async def server(aiohttp_server: Any, demo_settings: Settings) -> TestServer:
    served: TestServer = await aiohttp_server(create_app(demo_settings))
    return served


async def board(session: aiohttp.ClientSession, server: TestServer, at: str
                ) -> dict[str, Any]:
    async with session.get(server.make_url(f"/api/v1/stops/{HBF}/departures"),
                           params={"at": at, "limit": "10"}) as response:
        document: dict[str, Any] = await response.json()
    return document


@pytest.mark.busy_hour
async def test_the_ojp_sdk_reads_stop_events_and_finds_the_stop(server: TestServer) -> None:
    if not (CLIENTS / "node_modules" / "ojp-sdk-next").is_dir():
        pytest.fail("ojp-sdk-next is not installed: run .ci/run (npm ci in tests/clients)")
    async with aiohttp.ClientSession() as session:
        now = await board(session, server, iso(_now(server)))
    at = now["generated_at"]
    process = await asyncio.create_subprocess_exec(
        "node", str(CLIENTS / "ojp_stop_events.mjs"), str(server.make_url("/ojp/2.0")), HBF,
        at, "hbf", cwd=CLIENTS, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    read = json.loads(out)
    expected = now["departures"][:10]            # the SDK asks for 10 results
    assert [e["trip"] for e in read["events"]] == [d["trip_id"] for d in expected]
    # the SDK's XML parser makes numbers of numeric texts: line "54" comes out as 54
    assert [str(e["line"]) for e in read["events"]] == [d["route"]["short_name"]
                                                        for d in expected]
    assert [e["destination"] for e in read["events"]] == [d["headsign"] for d in expected]
    assert [_instant(e["timetabled"]) for e in read["events"]] == [
        _instant(d["scheduled"]) for d in expected]
    assert [_instant(e["estimated"]) for e in read["events"]] == [
        _instant(d["predicted"]) for d in expected]
    assert "Hauptbahnhof" in read["places"]


def _now(server: TestServer) -> int:
    runtime = server.app[STARTUP].runtime
    assert runtime is not None
    return runtime.now()


def _instant(text: str | None) -> int | None:
    return int(dt.datetime.fromisoformat(text).timestamp()) if text else None


@pytest.mark.busy_hour
async def test_siri_lite_client_reads_the_stop_monitoring_json(server: TestServer) -> None:
    url = str(server.make_url("/siri/2.1/stop-monitoring.json").with_query(
        {"MonitoringRef": HBF, "MaximumStopVisits": "10"}))
    async with aiohttp.ClientSession() as session:
        calls = await SiriClient(url, {}, None).async_fetch_next_calls(session)
        async with session.get(server.make_url(f"/api/v1/stops/{HBF}/departures")) as response:
            expected = (await response.json())["departures"][:10]
    # the client keeps the calls that have an expected time: the predicted departures
    predicted = [d for d in expected if d["predicted"]]
    assert predicted, "the demo predicts departures at a busy noon"
    assert [(c.published_line_name, c.destination_name, _instant(c.expected_departure_time))
            for c in calls] == [(d["route"]["short_name"], d["headsign"],
                                 _instant(d["predicted"])) for d in predicted]


class Abfahrt(TRIASBaseProvider):
    """The library's TRIAS provider pointed at this service (its URL and TRIAS version)."""

    trias_version = "1.4"

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        super().__init__(session)
        self.trias_base_url = url

    @property
    def provider_id(self) -> str:
        return "abfahrt"

    @property
    def provider_name(self) -> str:
        return "abfahrt"


@pytest.mark.busy_hour
async def test_trias_client_reads_stop_events_and_finds_the_stop(
        server: TestServer, monkeypatch: pytest.MonkeyPatch) -> None:
    now = dt.datetime.fromtimestamp(_now(server), BERLIN)

    class SuiteClock(dt.datetime):
        """The client asks for departures from now: the suite's now, not the wall clock."""

        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> SuiteClock:
            return cls.fromtimestamp(now.timestamp(), tz)

    monkeypatch.setattr(trias_base, "datetime", SuiteClock)
    async with aiohttp.ClientSession() as session:
        client = Abfahrt(session, str(server.make_url("/trias/1.4")))
        answer = await client.fetch_departures(HBF, "", "", 10)
        found = await client.search_stops("hbf")
        expected = (await board(session, server, now.isoformat()))["departures"][:10]
    assert answer is not None
    departures = [client.parse_departure(e, BERLIN, now) for e in answer["stopEvents"]]
    assert [(d.destination, d.planned_time, d.platform, d.is_realtime)
            for d in departures if d is not None] == [
        (e["headsign"], dt.datetime.fromisoformat(e["scheduled"]).strftime("%H:%M"),
         e["platform"], e["predicted"] is not None) for e in expected]
    assert {"id": HBF, "name": "Hauptbahnhof", "place": "Hauptbahnhof",
            "area_type": "stop"} in found

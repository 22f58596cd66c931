"""A broken static feed is published at the feed URL: the old timetable stays, boards keep
being served, and /api/v1/status `static.error` names the problem (C1: atomic reload)."""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from displays.app import create_app
from displays.demo.network import build_demo_feed
from displays.service.config.displays_file import default_displays_file
from displays.service.jobs import check_static
from displays.service.static.feed import StaticFeed
from displays.web.appkeys import runtime
from tests.faults.harness import BERLIN, HBF, Upstream
from tests.instants import SUITE_AT, suite_settings


class StaticUpstream:
    def __init__(self, body: bytes) -> None:
        self.body = body
        self.status = 200
        self.server = Upstream({"/gtfs.zip": self.handle})

    async def handle(self, request: web.Request) -> web.Response:
        return web.Response(status=self.status, body=self.body,
                            content_type="application/zip")


def rewrite(feed: bytes, drop: str | None = None, replace: dict[str, bytes] | None = None
            ) -> bytes:
    """Return `feed` with one member dropped and/or some members replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(feed)) as zin, zipfile.ZipFile(out, "w") as zout:
        for name in zin.namelist():
            if name != drop:
                zout.writestr(name, (replace or {}).get(name, zin.read(name)))
    return out.getvalue()


TODAY = dt.datetime.fromtimestamp(SUITE_AT, BERLIN).date()
GOOD = build_demo_feed(TODAY)
NEXT = build_demo_feed(TODAY - dt.timedelta(days=1))      # valid, another calendar: a new hash
BROKEN: dict[str, tuple[bytes, int, str]] = {   # name: (body, HTTP status, the error names)
    "html-error-page": (b"<html>maintenance</html>" * 40, 200, "not a readable GTFS zip"),
    "truncated-zip": (GOOD[: len(GOOD) // 2], 200, "not a readable GTFS zip"),
    "http-500": (b"oops", 500, "HTTP 500"),
    "no-stop_times": (rewrite(GOOD, drop="stop_times.txt"), 200, "stop_times.txt"),
    "bad-time": (rewrite(GOOD, replace={"stop_times.txt": zipfile.ZipFile(io.BytesIO(GOOD))
                                        .read("stop_times.txt").replace(b":00,", b":xx,", 3)}),
                 200, "not a GTFS time"),
    "stop_times-without-trip_id": (rewrite(GOOD, replace={"stop_times.txt": b"foo,bar\n1,2\n"}),
                                   200, "trip_id"),
    "binary-trips": (rewrite(GOOD, replace={"trips.txt": os.urandom(3000)}), 200, ""),
}


@pytest.fixture
def static_upstream() -> Iterator[StaticUpstream]:
    upstream = StaticUpstream(GOOD)
    upstream.server.start()
    try:
        yield upstream
    finally:
        upstream.server.stop()


@pytest.mark.parametrize("case", sorted(BROKEN))
async def test_broken_static_feed_keeps_the_old_timetable(
        case: str, static_upstream: StaticUpstream, aiohttp_client: Any, tmp_path: Path
        ) -> None:
    settings = suite_settings(feed=static_upstream.server.url("/gtfs.zip"), data_dir=tmp_path,
                        displays_file=default_displays_file())
    client = await aiohttp_client(create_app(settings))
    rt = runtime(client.app)
    old_tt = rt.tt
    before = await (await client.get(f"/api/v1/stops/{HBF}/departures")).json()
    assert before["departures"]

    static_upstream.body, static_upstream.status, says = BROKEN[case]
    async with aiohttp.ClientSession() as session:
        feed = StaticFeed(settings, rt.clock)
        assert await check_static(rt, session, feed) is False
        assert rt.tt is old_tt
        status = await (await client.get("/api/v1/status")).json()
        assert status["static"]["error"] and says in status["static"]["error"], status["static"]
        assert status["static"]["feed_hash"] == old_tt.feed_hash
        for path in (f"/api/v1/stops/{HBF}/departures", f"/stops/{HBF}", "/displays/hbf-tram"):
            assert (await client.get(path)).status == 200, path
        after = await (await client.get(f"/api/v1/stops/{HBF}/departures")).json()
        assert [d["trip_id"] for d in after["departures"]][:3] == \
            [d["trip_id"] for d in before["departures"]][:3]

        # the same check swaps in a good new feed and clears the error
        static_upstream.body, static_upstream.status = NEXT, 200
        assert await check_static(rt, session, feed) is True
        status = await (await client.get("/api/v1/status")).json()
        assert status["static"]["error"] is None
        assert rt.tt is not old_tt and status["static"]["feed_hash"] == rt.tt.feed_hash
        assert (await client.get(f"/stops/{HBF}")).status == 200

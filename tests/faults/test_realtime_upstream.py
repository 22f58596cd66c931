"""The realtime upstream fails in every way we know: the service keeps its last good snapshot,
marks it stale after max-age, and never answers a board with an error (C1).

One `abfahrt serve` (demo timetable, `--realtime` on our upstream, max-age 3 s, poll every 1 s)
serves all cases; each case first restores a good feed, then switches the upstream to a fault.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import web

from tests.faults.harness import DemoRealtime, Poll, ServiceProcess, Upstream, poll, wait_until
from tests.instants import busy_now, iso

MAX_AGE_S = 3
MAX_FEED_BYTES = 50 * 1024 * 1024      # Settings.max_feed_bytes (not settable from outside)
HANG_S = 40                            # longer than the service's fetch timeout (10 s read)
JSON_BOARD = "/api/v1/displays/hbf-tram"
HTML_BOARD = "/displays/hbf-tram"


class RealtimeUpstream:
    """Serves /tu.pb according to `mode`; counts what it served per mode."""

    def __init__(self, demo: DemoRealtime) -> None:
        self.demo = demo
        self.mode = "good"
        self.served: Counter[str] = Counter()
        self.server = Upstream({"/tu.pb": self.handle})

    async def handle(self, request: web.Request) -> web.StreamResponse:
        mode = self.mode
        self.served[mode] += 1
        if mode == "good":
            return web.Response(body=self.demo.feed(), content_type="application/x-protobuf")
        if mode == "http-500":
            return web.Response(status=500, text="upstream exploded")
        if mode == "garbage":          # a proxy's error page with status 200
            return web.Response(body=b"<html><body>502 Bad Gateway</body></html>" * 20,
                                content_type="application/x-protobuf")
        if mode == "hang":             # until the test moves on (bounded by HANG_S)
            for _ in range(HANG_S * 10):
                if self.mode != "hang":
                    break
                await asyncio.sleep(0.1)
            return web.Response(status=204)
        if mode == "truncated":        # promises the whole feed, sends half, hangs up
            body = self.demo.feed()
            response = web.StreamResponse(headers={"Content-Length": str(len(body))})
            await response.prepare(request)
            await response.write(body[: len(body) // 2])
            assert request.transport is not None
            request.transport.close()
            return response
        if mode == "oversize":         # chunked, no length: the limit must stop the download
            response = web.StreamResponse()
            await response.prepare(request)
            chunk = b"\0" * (1 << 20)
            for _ in range(MAX_FEED_BYTES // len(chunk) + 2):
                await response.write(chunk)
            await response.write_eof()
            return response
        if mode == "oversize-declared":
            response = web.StreamResponse(
                headers={"Content-Length": str(MAX_FEED_BYTES + 1)})
            await response.prepare(request)
            await response.write(b"\0" * 1024)
            assert request.transport is not None
            request.transport.close()
            return response
        raise AssertionError(mode)


@dataclass
class RealtimeRig:
    upstream: RealtimeUpstream
    service: ServiceProcess


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealtimeRig]:
    # at a busy noon: "the last good data is served" needs departures with realtime to show
    upstream = RealtimeUpstream(DemoRealtime(tmp_path_factory.mktemp("busy-rt"), busy_now))
    upstream.server.start()
    service = ServiceProcess(data_dir=tmp_path_factory.mktemp("rt-serve"),
                             args=["--realtime", upstream.server.url("/tu.pb")],
                             env={"ABFAHRT_CLOCK": iso(busy_now()),
                                  "ABFAHRT_MAX_AGE": str(MAX_AGE_S),
                                  "ABFAHRT_REALTIME_INTERVAL": "1"})
    try:
        service.start()
        yield RealtimeRig(upstream, service)
    finally:
        upstream.mode = "good"          # ends a hanging answer
        service.stop()
        upstream.server.stop()


def epoch(iso: str | None) -> int | None:
    return None if iso is None else int(dt.datetime.fromisoformat(iso).timestamp())


@dataclass(frozen=True)
class Observation:
    poll: Poll
    status: str | None = None              # the board's realtime.status
    feed_timestamp: int | None = None
    realtime_departures: int = 0
    departures: int = 0
    fault_served_before: bool = False      # the upstream had served the fault when we asked


async def observe(session: aiohttp.ClientSession, rig: RealtimeRig, mode: str
                  ) -> list[Observation]:
    served = rig.upstream.served[mode] > 0
    polls = await asyncio.gather(poll(session, rig.service.url, JSON_BOARD),
                                 poll(session, rig.service.url, HTML_BOARD))
    out = []
    for p in polls:
        if p.status == 200 and p.path == JSON_BOARD:
            doc = json.loads(p.body)
            out.append(Observation(
                p, doc["realtime"]["status"], epoch(doc["realtime"]["feed_timestamp"]),
                sum(d["realtime"] for d in doc["departures"]), len(doc["departures"]), served))
        else:
            out.append(Observation(p, fault_served_before=served))
    return out


async def source_status(session: aiohttp.ClientSession, rig: RealtimeRig) -> dict:  # type: ignore[type-arg]
    async with session.get(rig.service.url + "/api/v1/status") as response:
        assert response.status == 200
        status: dict = (await response.json())["realtime"][0]  # type: ignore[type-arg]
        return status


@pytest.mark.parametrize(("mode", "error_says", "error_within_s"), [
    ("http-500", "HTTP 500", 5),
    ("garbage", "not a GTFS-RT FeedMessage", 5),
    ("truncated", "tu.pb", 5),
    ("oversize", "exceeds limit", 10),
    ("oversize-declared", "> limit", 5),
    ("hang", "Timeout", 20),
])
async def test_upstream_fault_keeps_last_good_snapshot_then_stale(
        rig: RealtimeRig, mode: str, error_says: str, error_within_s: float) -> None:
    async with aiohttp.ClientSession() as session:
        rig.upstream.mode = "good"
        switched = busy_now()

        async def live_again() -> bool:
            s = await source_status(session, rig)
            if not (s["error"] is None and s["freshness"] == "live"
                    and (s["feed_timestamp_epoch"] or 0) >= int(switched)):
                return False
            # and the board shows it (boards are refreshed after the feed is applied)
            board = (await observe(session, rig, "good"))[0]
            return board.status == "live" and (board.feed_timestamp or 0) >= int(switched)
        assert await wait_until(live_again, 20), rig.service.log_tail()

        rig.upstream.mode = mode
        fault_at = busy_now()
        seen: list[Observation] = []
        error = None
        deadline = time.monotonic() + error_within_s + MAX_AGE_S + 5
        for _ in range(400):
            if time.monotonic() > deadline:
                break
            seen.extend(await observe(session, rig, mode))
            error = (await source_status(session, rig))["error"]
            if error is not None and any(o.status == "stale" for o in seen):
                break
            await asyncio.sleep(0.2)
        # the pillar page asked after the JSON board turned stale (the two polls of one round
        # run concurrently and a refresh may fall between them)
        after_stale = await poll(session, rig.service.url, HTML_BOARD)
        rig.upstream.mode = "good"

    failed = [o.poll.describe() for o in seen if o.poll.status != 200]
    assert not failed, failed[:5]
    assert rig.upstream.served[mode] > 0
    assert error is not None and error_says in error, (error, rig.service.log_tail())
    boards = [o for o in seen if o.status is not None]
    # never "unavailable": the snapshot is kept, and it is the last good one
    assert {o.status for o in boards} <= {"live", "stale"}
    kept = [o for o in boards if o.fault_served_before and o.status == "live"]
    assert kept and all(o.realtime_departures > 0 for o in kept), "last good data not served"
    stale = [o for o in boards if o.status == "stale"]
    assert stale, f"never stale within {MAX_AGE_S} s + polls"
    last_good = {o.feed_timestamp for o in stale}
    assert len(last_good) == 1 and last_good.pop() <= fault_at + 1    # type: ignore[operator]
    assert all(o.realtime_departures == 0 and o.departures > 0 for o in stale)
    html = after_stale.body.decode()
    assert after_stale.status == 200 and "Fahrplandaten" in html and "Hauptbahnhof" in html

"""A large realtime feed and a feed from the future, against two `abfahrt serve` instances on
one Redis (issue 15, items 4 and 6).

- A feed that takes seconds to decode is decoded and applied off the event loop: boards keep
  answering at once on the leader and on the follower, the leader keeps its lock, and
  `/metrics` shows the event loop's lag.
- A header stamped ahead of the receiving clock is rejected, counted and shown in
  /api/v1/status and /readyz; the next correct feed applies (it is not "older").
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import aiohttp
import pytest
from aiohttp import web

from realtime.encode import encode_feed_dict
from tests.faults.conftest import StartService
from tests.faults.harness import DemoRealtime, ServiceProcess, Upstream, poll, wait_until
from tests.instants import suite_now
from tests.redis_server import RedisProcess

ENTITIES = 20_000          # decoding takes seconds (protobuf to frozen records)
BOARDS = ("/displays/hbf-tram", "/api/v1/displays/hbf-tram", "/api/v1/stops/de:07315:1001/"
          "departures")


def large_feed(header_at: int, entities: int) -> bytes:
    """A valid TripUpdates feed with `entities` trip updates of 10 stops each.

    Protobuf appends repeated fields of concatenated messages, so one encoded entity is
    repeated after the encoded header (the same trip each time: its resolution is cheap, the
    decode is what costs)."""
    header = {"header": {"gtfsRealtimeVersion": "2.0", "timestamp": str(header_at)}}
    entity = {"id": "ghost", "tripUpdate": {
        "trip": {"tripId": "ghost-trip", "startDate": "20260304"},
        "stopTimeUpdate": [{"stopSequence": k, "arrival": {"delay": 60},
                            "departure": {"delay": 60}} for k in range(1, 11)]}}
    head = encode_feed_dict(header)
    one = encode_feed_dict({**header, "entity": [entity]})
    assert one.startswith(head)
    return head + one[len(head):] * entities


class FeedUpstream:
    def __init__(self, body: bytes) -> None:
        self.body = body
        self.server = Upstream({"/tu.pb": self.handle})

    async def handle(self, request: web.Request) -> web.Response:
        return web.Response(body=self.body, content_type="application/x-protobuf")


@pytest.fixture
def upstream() -> Iterator[FeedUpstream]:
    feed = FeedUpstream(b"")
    feed.server.start()
    try:
        yield feed
    finally:
        feed.server.stop()


def roles(services: list[ServiceProcess]) -> list[bool]:
    return [bool(s.get_json("/api/v1/status")["leader"]) for s in services]


async def test_a_large_feed_never_stalls_boards_or_the_leader_lock(
        throwaway_redis: RedisProcess, start_service: StartService,
        upstream: FeedUpstream) -> None:
    upstream.body = large_feed(suite_now(), ENTITIES)
    env = {"ABFAHRT_REALTIME_INTERVAL": "1", "ABFAHRT_LEADER_TTL": "3"}
    args = ("--redis", throwaway_redis.url, "--realtime", upstream.server.url("/tu.pb"))
    services = [start_service(*args, name=name, **env) for name in ("a", "b")]
    before = roles(services)
    assert sorted(before) == [False, True]
    slowest: dict[str, float] = {}
    async with aiohttp.ClientSession() as session:
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            for service in services:
                answers = await asyncio.gather(*(poll(session, service.url, p) for p in BOARDS))
                for answer in answers:
                    assert answer.status == 200, answer.describe()
                    slowest[service.url] = max(slowest.get(service.url, 0), answer.elapsed_s)
            await asyncio.sleep(0.05)
        metrics = []
        for service in services:
            async with session.get(service.url + "/metrics") as response:
                metrics.append(await response.text())
    status = services[before.index(True)].get_json("/api/v1/status")["realtime"][0]
    assert status["polls"] >= 3 and status["stats"]["trip_updates"]["total"] == ENTITIES, status
    follower = services[before.index(False)].get_json("/api/v1/status")["realtime"][0]
    assert follower["stats"]["trip_updates"]["total"] == ENTITIES, follower
    assert max(slowest.values()) < 1.0, f"a board took {max(slowest.values()):.2f} s: {slowest}"
    assert roles(services) == before, "the leader lost its lock"
    for service in services:
        assert service.log_tail(400).count("is now the leader") <= 1
    for text in metrics:
        assert "abfahrt_event_loop_lag_seconds_bucket" in text
        assert "abfahrt_event_loop_lag_max_seconds" in text


async def test_a_header_from_the_future_is_rejected_and_never_freezes_realtime(
        start_service: StartService, demo_realtime: DemoRealtime,
        upstream: FeedUpstream) -> None:
    upstream.body = encode_feed_dict(_stamped(demo_realtime, suite_now() + 3600))
    service = start_service("--realtime", upstream.server.url("/tu.pb"),
                            ABFAHRT_REALTIME_INTERVAL="1")
    async with aiohttp.ClientSession() as session:

        async def get(path: str) -> dict:  # type: ignore[type-arg]
            answer = await poll(session, service.url, path)
            assert answer.status == 200, answer.describe()
            body: dict = json.loads(answer.body)  # type: ignore[type-arg]
            return body

        source = (await get("/api/v1/status"))["realtime"][0]
        assert source["rejected_future"] >= 1 and "future" in source["error"], source
        assert source["freshness"] != "live"
        ready = await get("/readyz")
        assert ready["realtime"][0]["rejected_future"] >= 1, ready

        upstream.body = demo_realtime.feed()             # a correct feed, stamped now

        async def live() -> bool:
            source = (await get("/api/v1/status"))["realtime"][0]
            return source["freshness"] == "live" and source["error"] is None

        assert await wait_until(live, 10), (await get("/api/v1/status"))["realtime"]
        board = await get("/api/v1/displays/hbf-tram")
        assert board["realtime"]["status"] == "live"
        assert abs(_epoch(board["realtime"]["feed_timestamp"]) - suite_now()) < 60

        upstream.body = encode_feed_dict(_stamped(demo_realtime, 32503680000))   # year 3000
        await asyncio.sleep(2.5)
        upstream.body = demo_realtime.feed()

        async def fresh_again() -> bool:
            source = (await get("/api/v1/status"))["realtime"][0]
            stamp = source["feed_timestamp_epoch"]
            return stamp is not None and source["rejected_future"] >= 2 \
                and abs(stamp - suite_now()) < 30 and source["freshness"] == "live"

        assert await wait_until(fresh_again, 10), (await get("/api/v1/status"))["realtime"]


def _stamped(demo: DemoRealtime, header_at: int) -> dict:  # type: ignore[type-arg]
    """The demo's feed for now, with its header stamped `header_at`."""
    from displays.demo.simulation import simulate_feed

    message = simulate_feed(demo.tt, suite_now())
    message["header"]["timestamp"] = str(header_at)
    return message


def _epoch(text: str) -> int:
    import datetime as dt
    return int(dt.datetime.fromisoformat(text).timestamp())

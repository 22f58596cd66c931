"""Random and mutated protobuf bytes: `parse_feed` returns records or raises FeedDecodeError,
nothing else; and a service polling such bytes keeps serving its boards."""

from __future__ import annotations

import asyncio
import gzip
import json
import random
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from realtime.errors import FeedDecodeError
from realtime.parse import parse_feed
from realtime.records import RealtimeFeed
from tests.faults.harness import DemoRealtime, ServiceProcess, Upstream, poll

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def valid_feed(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return DemoRealtime(tmp_path_factory.mktemp("fuzz-demo")).feed()


def parse_or_decode_error(data: bytes) -> RealtimeFeed | None:
    try:
        feed = parse_feed(data)
    except FeedDecodeError:
        return None
    assert isinstance(feed, RealtimeFeed) and feed.header.timestamp > 0
    return feed


def mutate(data: bytes, rng: random.Random, edits: int) -> bytes:
    """Flip, overwrite, delete, duplicate and insert bytes at random places."""
    buf = bytearray(data)
    for _ in range(edits):
        if not buf:
            buf.extend(rng.randbytes(8))
        at = rng.randrange(len(buf))
        kind = rng.randrange(6)
        if kind == 0:
            buf[at] ^= 1 << rng.randrange(8)
        elif kind == 1:
            buf[at] = rng.choice((0x00, 0x7F, 0x80, 0xFF, 0x0A, 0x12, 0x1A, 0x08))
        elif kind == 2:
            del buf[at: at + rng.randrange(1, 64)]
        elif kind == 3:
            buf[at:at] = buf[at: at + rng.randrange(1, 64)]
        elif kind == 4:
            buf[at:at] = rng.randbytes(rng.randrange(1, 16))
        else:
            del buf[at:]
    return bytes(buf)


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes_decode_or_raise_feed_decode_error(data: bytes) -> None:
    parse_or_decode_error(data)
    parse_or_decode_error(b"\x1f\x8b" + data)              # claims to be gzip


@FUZZ
@given(seed=st.integers(0, 2**32 - 1), edits=st.integers(1, 6))
def test_mutated_feeds_decode_or_raise_feed_decode_error(valid_feed: bytes, seed: int,
                                                         edits: int) -> None:
    mutated = mutate(valid_feed, random.Random(seed), edits)
    parse_or_decode_error(mutated)
    parse_or_decode_error(gzip.compress(mutated))


def test_the_unmutated_feed_parses(valid_feed: bytes) -> None:
    feed = parse_or_decode_error(valid_feed)
    assert feed is not None and feed.trip_updates


class MutatingUpstream:
    """Every request gets a differently mutated copy of a fresh valid feed."""

    def __init__(self, demo: DemoRealtime) -> None:
        self.demo = demo
        self.rng = random.Random(20261121)
        self.server = Upstream({"/tu.pb": self.handle})

    async def handle(self, request: web.Request) -> web.Response:
        body = self.demo.feed()
        if self.rng.random() < 0.8:
            body = mutate(body, self.rng, self.rng.randrange(1, 8))
        return web.Response(body=body, content_type="application/x-protobuf")


@pytest.fixture
def mutating_service(tmp_path: Path, demo_realtime: DemoRealtime) -> Iterator[ServiceProcess]:
    upstream = MutatingUpstream(demo_realtime)
    upstream.server.start()
    service = ServiceProcess(data_dir=tmp_path / "serve",
                             args=["--realtime", upstream.server.url("/tu.pb")],
                             env={"ABFAHRT_REALTIME_INTERVAL": "1"})
    try:
        service.start()
        yield service
    finally:
        service.stop()
        upstream.server.stop()


async def test_service_polling_mutated_feeds_keeps_serving(mutating_service: ServiceProcess
                                                           ) -> None:
    base = mutating_service.url
    paths = ("/displays/hbf-tram", "/api/v1/displays/hbf-tram", "/stops/de:07315:1001.txt")
    async with aiohttp.ClientSession() as session:

        async def status() -> dict:  # type: ignore[type-arg]
            async with session.get(base + "/api/v1/status") as response:
                body: dict = await response.json()  # type: ignore[type-arg]
                return body

        first = await status()
        polls = []
        deadline = time.monotonic() + 6
        for _ in range(100):
            if time.monotonic() > deadline:
                break
            polls += await asyncio.gather(*(poll(session, base, p) for p in paths))
            await asyncio.sleep(0.2)
        last = await status()
    failed = [p.describe() for p in polls if p.status != 200]
    assert not failed, failed[:5]
    assert all(json.loads(p.body)["departures"] is not None for p in polls
               if p.path.startswith("/api/"))
    source = last["realtime"][0]
    assert source["polls"] >= first["realtime"][0]["polls"] + 4, source   # the job kept running
    assert last["boards"]["refreshes"] >= first["boards"]["refreshes"] + 4, last["boards"]
    log = mutating_service.log_tail(2000)
    assert "Traceback" not in log and "raised an exception" not in log, log[-3000:]

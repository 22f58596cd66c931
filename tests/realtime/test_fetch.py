"""The feed client against a real local aiohttp server: conditional GET, limits, failures."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from realtime.errors import FeedTooLarge, FeedUnavailable
from realtime.fetch import (
    Fetched,
    FetchSettings,
    NotModified,
    Validators,
    fetch_feed,
    read_feed_file,
)
from tests.realtime.conftest import TS
from tests.realtime.rt_builder import feed_bytes, stu, trip_update

BODY = feed_bytes(TS, trip_update("e", "T1", stu(20, dep_delay=120)))
ETAG = '"v1"'
LAST_MODIFIED = "Mon, 15 Jun 2026 07:55:00 GMT"
Server = Callable[..., Awaitable[Any]]


async def feed_handler(request: web.Request) -> web.StreamResponse:
    if request.headers.get("If-None-Match") == ETAG:
        return web.Response(status=304, headers={"ETag": ETAG})
    return web.Response(body=BODY, headers={"ETag": ETAG, "Last-Modified": LAST_MODIFIED},
                        content_type="application/x-protobuf")


async def big_handler(request: web.Request) -> web.StreamResponse:
    return web.Response(body=b"x" * 5000)


async def streamed_handler(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse()            # chunked: no Content-Length to check first
    await response.prepare(request)
    for _ in range(10):
        await response.write(b"x" * 1000)
    await response.write_eof()
    return response


async def gzip_handler(request: web.Request) -> web.StreamResponse:
    return web.Response(body=gzip.compress(BODY), headers={"Content-Encoding": "gzip"})


async def error_handler(request: web.Request) -> web.StreamResponse:
    return web.Response(status=503, text="maintenance")


async def slow_handler(request: web.Request) -> web.StreamResponse:
    await asyncio.sleep(2)
    return web.Response(body=BODY)


@pytest.fixture
async def base_url(aiohttp_server: Server) -> str:
    app = web.Application()
    for path, handler in (("/feed", feed_handler), ("/big", big_handler),
                          ("/streamed", streamed_handler), ("/gzip", gzip_handler),
                          ("/error", error_handler), ("/slow", slow_handler)):
        app.router.add_get(path, handler)
    server = await aiohttp_server(app)
    return f"http://{server.host}:{server.port}"


async def test_fetch_returns_body_and_validators_then_304(base_url: str) -> None:
    async with aiohttp.ClientSession() as session:
        first = await fetch_feed(session, f"{base_url}/feed")
        assert isinstance(first, Fetched)
        assert (first.body, first.validators) == (BODY, Validators(ETAG, LAST_MODIFIED))
        second = await fetch_feed(session, f"{base_url}/feed", first.validators)
        assert isinstance(second, NotModified)
        assert second.validators == first.validators


async def test_body_over_the_limit_is_refused(base_url: str) -> None:
    small = FetchSettings(max_bytes=4096)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(FeedTooLarge, match="5000 bytes"):
            await fetch_feed(session, f"{base_url}/big", settings=small)
        with pytest.raises(FeedTooLarge, match="exceeds"):
            await fetch_feed(session, f"{base_url}/streamed", settings=small)


async def test_gzip_content_encoding_is_inflated(base_url: str) -> None:
    async with aiohttp.ClientSession() as session:
        result = await fetch_feed(session, f"{base_url}/gzip")
    assert isinstance(result, Fetched) and result.body == BODY


async def test_http_error_timeout_and_refused_connection_are_unavailable(base_url: str) -> None:
    quick = FetchSettings(connect_timeout_s=0.5, read_timeout_s=0.3)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(FeedUnavailable, match="HTTP 503"):
            await fetch_feed(session, f"{base_url}/error")
        with pytest.raises(FeedUnavailable, match="Timeout"):
            await fetch_feed(session, f"{base_url}/slow", settings=quick)
        with pytest.raises(FeedUnavailable):
            await fetch_feed(session, "http://127.0.0.1:9/feed", settings=quick)


def test_read_feed_file_errors(tmp_path: Path) -> None:
    with pytest.raises(FeedUnavailable, match="No such file"):
        read_feed_file(tmp_path / "missing.pb")
    big = tmp_path / "big.pb"
    big.write_bytes(b"x" * 100)
    with pytest.raises(FeedTooLarge):
        read_feed_file(big, max_bytes=10)
    assert read_feed_file(big) == b"x" * 100

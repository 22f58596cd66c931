"""Fetch GTFS-RT bytes: an aiohttp client with conditional GET, timeouts and a size limit.

The only module here that does I/O. Failures raise `RealtimeError` subclasses and never return
None, so a poller keeps its last good snapshot by simply not replacing it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from realtime.errors import FeedTooLarge, FeedUnavailable

DEFAULT_MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class FetchSettings:
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 20.0      # the whole response, headers to last byte
    max_bytes: int = DEFAULT_MAX_BYTES


@dataclass(frozen=True, slots=True)
class Validators:
    """What the server said identifies its current body (sent back for a conditional GET)."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class Fetched:
    body: bytes
    validators: Validators


@dataclass(frozen=True, slots=True)
class NotModified:
    """HTTP 304: the body the caller already holds is still current."""

    validators: Validators


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


async def fetch_feed(session: aiohttp.ClientSession, url: str,
                     validators: Validators | None = None,
                     settings: FetchSettings = FetchSettings()) -> Fetched | NotModified:
    """GET `url` conditionally; return the body or NotModified; raise RealtimeError on failure.

    gzip transfer encoding is accepted (inflated by aiohttp); the inflated body is limited to
    `settings.max_bytes` and the download is aborted as soon as it grows beyond.
    """
    headers = {"Accept": "application/x-protobuf, application/octet-stream, */*",
               "Accept-Encoding": "gzip"}
    if validators is not None:
        if validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=settings.connect_timeout_s,
                                    sock_read=settings.read_timeout_s)
    try:
        async with asyncio.timeout(settings.connect_timeout_s + settings.read_timeout_s):
            async with session.get(url, headers=headers, timeout=timeout) as response:
                got = Validators(etag=response.headers.get("ETag"),
                                 last_modified=response.headers.get("Last-Modified"))
                if response.status == 304:
                    return NotModified(validators if validators is not None else got)
                if response.status != 200:
                    raise FeedUnavailable(f"{url}: HTTP {response.status} {response.reason}")
                declared = response.content_length
                if declared is not None and declared > settings.max_bytes:
                    raise FeedTooLarge(f"{url}: {declared} bytes > limit {settings.max_bytes}")
                body = await _read_limited(response, url, settings.max_bytes)
                return Fetched(body=body, validators=got)
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise FeedUnavailable(f"{url}: {type(exc).__name__}: {exc}") from exc


async def _read_limited(response: aiohttp.ClientResponse, url: str, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(1 << 16):
        size += len(chunk)
        if size > limit:
            raise FeedTooLarge(f"{url}: body exceeds limit {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def read_feed_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Return the bytes of a local feed file; raise FeedUnavailable / FeedTooLarge."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise FeedTooLarge(f"{path}: {size} bytes > limit {max_bytes}")
        return path.read_bytes()
    except OSError as exc:
        raise FeedUnavailable(f"{path}: {exc.strerror or exc}") from exc


async def load_source(source: str, settings: FetchSettings = FetchSettings()) -> bytes:
    """Return the bytes of a feed named by path or http(s) URL (unconditional)."""
    if not is_url(source):
        return read_feed_file(Path(source), settings.max_bytes)
    async with aiohttp.ClientSession() as session:
        result = await fetch_feed(session, source, None, settings)
    assert isinstance(result, Fetched)  # no validators sent, so no 304
    return result.body

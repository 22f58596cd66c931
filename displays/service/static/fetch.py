"""Download a static GTFS zip over HTTP (conditional GET) into the data folder."""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from feeds import FeedUnavailable

MAX_STATIC_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class StaticDownload:
    path: Path | None            # None: not modified since the validators given
    etag: str | None
    last_modified: str | None


def _target(url: str, folder: Path) -> Path:
    return folder / f"static-{hashlib.sha256(url.encode()).hexdigest()[:16]}.zip"


async def download_static(session: aiohttp.ClientSession, url: str, folder: Path,
                          etag: str | None = None, last_modified: str | None = None,
                          timeout_s: float = 120.0) -> StaticDownload:
    """GET the feed; on 200 write it atomically and return its path; raise FeedUnavailable."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    folder.mkdir(parents=True, exist_ok=True)
    target = _target(url, folder)
    try:
        timeout = aiohttp.ClientTimeout(total=timeout_s, sock_connect=10)
        async with session.get(url, headers=headers, timeout=timeout) as response:
            if response.status == 304:
                return StaticDownload(None, etag, last_modified)
            if response.status != 200:
                raise FeedUnavailable(f"{url}: HTTP {response.status}")
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".download-")
            size = 0
            with os.fdopen(fd, "wb") as fh:
                async for chunk in response.content.iter_chunked(1 << 16):
                    size += len(chunk)
                    if size > MAX_STATIC_BYTES:
                        raise FeedUnavailable(f"{url}: larger than {MAX_STATIC_BYTES} bytes")
                    fh.write(chunk)
            os.replace(tmp, target)
            return StaticDownload(target, response.headers.get("ETag"),
                                  response.headers.get("Last-Modified"))
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise FeedUnavailable(f"{url}: {type(exc).__name__}: {exc}") from exc


def download_to_cache(url: str, folder: Path) -> Path:
    """Blocking download for the CLI; return the local path of the zip."""
    async def run() -> Path:
        async with aiohttp.ClientSession() as session:
            result = await download_static(session, url, folder)
        assert result.path is not None
        return result.path
    return asyncio.run(run())

"""Where the static timetable comes from: the bundled demo, a file, or a URL checked with a
conditional GET; built through `static_build`, with the last good timetable kept on disk.

`StaticFeed` remembers the validators of the bytes it last downloaded and whether those bytes
built, so a `304 Not Modified` for a feed that failed to build is still a failure (not a
recovery), and a 304 for the running feed after a network error is a recovery.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from displays.demo.network import DEMO_ZONE, write_demo_feed
from displays.service.clock import Clock
from displays.service.config.settings import Settings
from displays.service.static.build import build_timetable, keep_last_good, open_last_good
from displays.service.static.fetch import download_static
from feeds import FeedError, Region, Timetable
from feeds.progress import ProgressCallback, no_progress

log = logging.getLogger("abfahrt.static")


class NoLastGood(FeedError):
    """The feed cannot be built and no earlier timetable of it was kept: nothing to serve."""


@dataclass(frozen=True)
class Loaded:
    tt: Timetable
    label: str                   # what /api/v1/status names as the source
    error: str | None = None     # set when the feed failed and the last good one was opened


@dataclass
class StaticFeed:
    settings: Settings
    clock: Clock
    etag: str | None = None            # validators of the bytes last downloaded
    last_modified: str | None = None
    built: bool = True                 # whether those bytes built (False: still broken)
    last_error: str | None = None      # the error those bytes gave
    progress: ProgressCallback = no_progress   # told the phases of every build

    @property
    def region(self) -> Region | None:
        return self.settings.region_filter

    @property
    def source(self) -> str | None:
        return self.settings.feed

    @property
    def folder(self) -> Path:
        return self.settings.data_dir / "feeds"

    @property
    def memory_limit(self) -> int:
        return self.settings.build_memory_mb * 2**20

    async def fetch(self, session: aiohttp.ClientSession, tt: Timetable | None
                    ) -> Path | None:
        """Return the path of the current zip, or None when the URL answered 304."""
        source = self.source
        if source is None:          # the demo: a new feed file each day keeps the calendar
            zone = tt.zone if tt is not None else DEMO_ZONE
            return write_demo_feed(self.settings.data_dir / "demo", self.clock.today(zone))
        if not source.startswith(("http://", "https://")):
            return Path(source)
        result = await download_static(session, source, self.folder, self.etag,
                                       self.last_modified)
        if result.path is not None:
            self.etag, self.last_modified = result.etag, result.last_modified
        return result.path

    async def build(self, path: Path) -> Timetable:
        """Build the zip at `path`; remember the outcome for the next 304."""
        try:
            tt = await build_timetable(path, self.settings.cache_dir, self.memory_limit,
                                       region=self.region, in_process=self.source is None,
                                       progress=self.progress)
        except FeedError as exc:
            self.built, self.last_error = False, str(exc)
            raise
        except Exception as exc:   # a published feed is untrusted input: never fatal
            self.built = False
            self.last_error = f"{type(exc).__name__}: {exc}"
            raise FeedError(self.last_error) from exc
        self.built, self.last_error = True, None
        if self.source is not None:       # a copy of the zip: not on the event loop
            await asyncio.to_thread(keep_last_good, self.folder, self.source, path, tt,
                                    self.region)
        return tt

    async def load_initial(self, session: aiohttp.ClientSession) -> Loaded:
        """The timetable to start with: the feed's, else the last good one kept on disk."""
        label = self.source or "demo (bundled, invented data)"
        try:
            path = await self.fetch(session, None)
            assert path is not None        # no validators were sent, so no 304
            return Loaded(await self.build(path), label)
        except FeedError as exc:
            if self.source is None:
                raise
            tt = await open_last_good(self.folder, self.source, self.settings.cache_dir,
                                      self.memory_limit, self.region, self.progress)
            if tt is None:
                said = str(exc) if self.source in str(exc) else f"{self.source}: {exc}"
                raise NoLastGood(f"{said} (and no last good timetable of it is kept in "
                                 f"{self.folder})") from exc
            log.error("static feed %s cannot be built, starting from the last good timetable "
                      "%s: %s", self.source, tt.feed_version or tt.feed_hash[:12], exc)
            return Loaded(tt, label, f"{exc} (serving the last good timetable)")

    async def check(self, session: aiohttp.ClientSession, tt: Timetable) -> Timetable | None:
        """A new timetable when the feed changed and built, None when unchanged; FeedError
        when the feed cannot be had or built (also for a 304 of bytes that did not build)."""
        path = await self.fetch(session, tt)
        if path is None:
            if not self.built:
                raise FeedError(self.last_error or "the feed did not build")
            return None
        return await self.build(path)

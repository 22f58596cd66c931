"""Rendering variants of one board (`?rows=`, `?width=`, `?lang=`, theme) are kept per board
version so repeated polls cost nothing; a client asking for thousands of distinct variants
must not grow the server without bound (issue 15, item 9)."""

from __future__ import annotations

import asyncio
import itertools

import aiohttp
import psutil

from displays.board.text import MIN_TEXT_WIDTH
from tests.faults.conftest import StartService
from tests.faults.harness import HBF, poll
from tests.instants import busy_now, iso

VARIANTS = 7000
MAX_GROWTH_MIB = 10         # unbounded, 7,000 variants of 5-10 KB grew it by 35 MiB


def metric(text: str, name: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith(name + " ") or line.startswith(name + "{"))


async def test_thousands_of_variants_keep_memory_bounded(start_service: StartService) -> None:
    service = start_service(ABFAHRT_REALTIME_INTERVAL="600",   # one board version throughout
                            ABFAHRT_CLOCK=iso(busy_now()))      # and a full one
    process = psutil.Process(service.pid)
    paths = [f"/stops/{HBF}.txt?rows={rows}&width={width}&lang={lang}"
             for lang, rows, width in itertools.product(("de", "en"), range(30, 51),
                                                        range(MIN_TEXT_WIDTH, 201))][:VARIANTS]
    async with aiohttp.ClientSession() as session:
        for path in paths[:50]:                                  # warm up
            await poll(session, service.url, path)
        before = process.memory_info().rss
        for start in range(0, len(paths), 50):
            answers = await asyncio.gather(*(poll(session, service.url, p)
                                             for p in paths[start:start + 50]))
            assert all(a.status == 200 for a in answers), answers[0].describe()
        sample = await poll(session, service.url, paths[-1])
        assert len(sample.body) > 5000, "the variants are too small to prove anything"
        grew = (process.memory_info().rss - before) / 2**20
        async with session.get(service.url + "/metrics") as response:
            text = await response.text()
    assert grew < MAX_GROWTH_MIB, f"{VARIANTS} variants grew the server by {grew:.1f} MiB"
    boards = metric(text, "abfahrt_boards")
    assert 0 < boards <= 10
    assert metric(text, "abfahrt_board_renderings") <= 32 * boards
    assert metric(text, "abfahrt_board_rendering_bytes") <= boards * 2**20

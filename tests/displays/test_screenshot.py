"""A pillar page rendered by headless Chromium at 1080×1920, checked for its rows.

Chromium comes from Debian (`chromium`, installed by `.ci/run`); the test fails loudly without it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from displays.board.themes import THEMES
from tests.browser import CHROMIUM_FLAGS, chromium


def separator_rows(image: Image.Image, colour: str) -> int:
    """Count horizontal lines (runs of pixel rows) mostly painted in `colour`."""
    rgb = tuple(int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    width, height = image.size
    pixels = image.load()
    runs, inside = 0, False
    for y in range(height):
        hits = sum(1 for x in range(0, width, 8)
                   if all(abs(pixels[x, y][c] - rgb[c]) < 40 for c in range(3)))
        line = hits > 0.8 * (width // 8)
        if line and not inside:
            runs += 1
        inside = line
    return runs


@pytest.mark.busy_hour
async def test_pillar_screenshot_shows_its_rows(client: Any, tmp_path: Path) -> None:
    binary = chromium()
    board = await (await client.get("/api/v1/displays/hbf-tram")).json()
    rows = len(board["departures"])
    assert rows >= 3, "the demo tram display should list several departures"
    shot = tmp_path / "pillar.png"
    process = await asyncio.create_subprocess_exec(
        binary, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1080,1920", f"--screenshot={shot}",
        str(client.make_url("/displays/hbf-tram")),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    await asyncio.wait_for(process.wait(), timeout=90)
    image = Image.open(shot).convert("RGB")
    assert image.size == (1080, 1920)
    # each departure row ends in a rule in the theme's muted colour, and so does the header
    assert separator_rows(image, THEMES["lcd"].muted) >= rows
    colours = {image.getpixel((x, y)) for x in range(0, 1080, 40) for y in range(0, 1920, 40)}
    assert len(colours) > 5, "the page rendered (not a blank screen)"

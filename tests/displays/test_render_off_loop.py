"""Pillar renderings (HTML, text, their gzip, the readout's text and SSML, the bitmap's view)
are made in a worker thread, never on the event loop; one already made is served without a
thread hop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest

import displays.web.http as http
import displays.web.pages as pages
import displays.web.readout as readout

HBF = "de:07315:1001"


@pytest.fixture
def spied(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    seen: dict[str, list[Any]] = {"render": [], "hops": []}

    def spy(module: Any, name: str) -> None:
        real = getattr(module, name, None)
        if real is None:              # (pages did not gzip itself before the fix)
            return

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            seen["render"].append((name, threading.get_ident()))
            return real(*args, **kwargs)
        monkeypatch.setattr(module, name, wrapper)

    for module, name in ((pages, "render_board_html"), (pages, "text_board"),
                         (pages, "gzipped"), (http, "gzipped"), (pages, "build_pillar"),
                         (readout, "build_readout")):
        spy(module, name)
    real_to_thread = asyncio.to_thread

    async def to_thread(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if getattr(func, "__module__", "").startswith("displays.web"):
            seen["hops"].append(func)
        return await real_to_thread(func, *args, **kwargs)
    monkeypatch.setattr(asyncio, "to_thread", to_thread)
    return seen


@pytest.mark.busy_hour
async def test_renderings_are_made_off_the_loop_and_cached_ones_need_no_thread(
        client: Any, spied: dict[str, list[Any]]) -> None:
    loop_thread = threading.get_ident()
    urls = [f"/stops/{HBF}", f"/stops/{HBF}.txt", "/displays/hbf-tram",
            "/displays/hbf-tram.txt?lines=8", f"/stops/{HBF}/readout",
            f"/stops/{HBF}/readout?format=ssml", "/displays/hbf-tram.png"]
    for url in urls:
        response = await client.get(url, headers={"Accept-Encoding": "gzip"})
        assert response.status == 200, url
    names = {name for name, _ in spied["render"]}
    assert {"render_board_html", "text_board", "gzipped", "build_pillar",
            "build_readout"} <= names, names
    on_loop = [name for name, thread in spied["render"] if thread == loop_thread]
    assert not on_loop, f"made on the event loop: {on_loop}"
    made, hops = len(spied["render"]), len(spied["hops"])
    assert hops >= 5
    for url in urls:                      # the same board version again: all made already
        response = await client.get(url, headers={"Accept-Encoding": "gzip"})
        assert response.status == 200, url
    assert len(spied["render"]) == made, "nothing made twice"
    assert len(spied["hops"]) == hops, "a rendering already made costs no thread hop"

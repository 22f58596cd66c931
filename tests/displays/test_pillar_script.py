"""The pillar page's script in Debian's Chromium: the clock and countdowns run between polls,
and a poll brings a new board in without reloading the page."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from displays.app import create_app
from tests.cdp import Page, browser
from tests.instants import busy_settings
from tests.notices.conftest import add_tokens

ClientFactory = Callable[..., Awaitable[TestClient[Any, Any]]]
# each abbreviated destination: [shown, full name, fits in its two lines]
NAMES = """[...document.querySelectorAll('.name[data-full]')].map(n => [
  n.textContent.replace(/\\s*♿$/, '').trim(), n.getAttribute('data-full'),
  n.scrollHeight <= n.clientHeight + parseFloat(getComputedStyle(n).lineHeight) / 2])"""
DISPLAYS = "".join(
    f'[displays.{name}]\nname = "{name}"\ntitle = "Hauptbahnhof"\nstops = ["de:07315:1001"]\n'
    f'platforms = ["L", "M"]\nrows = 8\nrefresh = {refresh}\n' for name, refresh in
    (("quick", 5), ("slow", 3600)))


async def wait_for(page: Page, expression: str, timeout_s: float = 20) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while asyncio.get_running_loop().time() < deadline:
        value = await page.evaluate(expression)
        if value:
            return value
        await asyncio.sleep(0.25)
    raise AssertionError(f"never true in the page: {expression}")


async def test_clock_runs_and_a_poll_replaces_the_board_without_reload(
        aiohttp_client: ClientFactory, tmp_path: Path) -> None:
    displays = tmp_path / "displays.toml"
    displays.write_text(DISPLAYS, encoding="utf-8")
    settings = busy_settings(data_dir=tmp_path / "data", displays_file=displays)
    _, operator = await add_tokens(settings)
    client = await aiohttp_client(create_app(settings))
    async with browser(tmp_path / "profile") as page:
        await page.viewport(1080, 1920)
        # a display polled once an hour: between polls only the page's own clock runs
        await page.goto(str(client.make_url("/displays/slow")))
        await asyncio.sleep(1.0)                  # its first poll has set the clock
        before = await page.evaluate("""(() => { window.notReloaded = true;
          return { clock: document.querySelector('.clock time').textContent,
                   countdowns: [...document.querySelectorAll('.countdown')].map(e => e.textContent),
                   ticker: !!document.querySelector('.ticker') }; })()""")
        assert before["ticker"] is False
        # the pillar's own clock moves on ten minutes: the page follows without a poll
        await page.evaluate("""(() => { const real = Date.now.bind(Date);
          Date.now = () => real() + 600000; return true; })()""")
        later = await wait_for(page, f"""(() => {{
          const t = document.querySelector('.clock time').textContent;
          return t !== {before["clock"]!r} && t; }})()""")
        h, m = map(int, before["clock"].split(":"))
        assert later in {f"{(h * 60 + m + d) // 60 % 24:02d}:{(h * 60 + m + d) % 60:02d}"
                         for d in (10, 11)}
        counted = await page.evaluate(
            "[...document.querySelectorAll('.countdown')].map(e => e.textContent)")
        assert len(counted) == len(before["countdowns"])
        for was, now in zip(before["countdowns"], counted, strict=True):
            left = int(was.split()[1]) - 10 if was.startswith("in ") else 0
            assert (now == "sofort" and left <= 1) or now in {f"in {left} min",
                                                              f"in {left - 1} min"}, (was, now)
        # on a wide screen the script puts back full names where they fit on the row
        await page.viewport(1920, 1080)
        await page.evaluate("window.dispatchEvent(new Event('resize')); true")
        names = await page.evaluate(NAMES)
        assert names and all(shown == full and fits for shown, full, fits in names), names
        await page.viewport(480, 800)
        await page.evaluate("window.dispatchEvent(new Event('resize')); true")
        narrow = await page.evaluate(NAMES)
        assert all(fits for _, _, fits in narrow), "a name that does not fit stays short"
        # rows that do not fit are hidden from screen readers too, and only those
        await page.viewport(480, 272)
        await page.evaluate("window.dispatchEvent(new Event('resize')); true")
        hidden = await page.evaluate("""(() => { const box = document.querySelector('.rows')
            .getBoundingClientRect();
          return [...document.querySelectorAll('.rows > .row')].map(r => {
            const b = r.getBoundingClientRect();
            return [b.left < box.right - 1 && b.bottom <= box.bottom + 1,
                    r.getAttribute('aria-hidden') === 'true']; }); })()""")
        assert any(seen for seen, _ in hidden) and any(not seen for seen, _ in hidden)
        assert all(seen != aria for seen, aria in hidden), hidden
        await page.viewport(1080, 1920)
        # a notice posted now reaches a page by its next poll, without a reload
        await page.goto(str(client.make_url("/displays/quick")))
        await page.evaluate("window.notReloaded = true")
        response = await client.post(
            "/api/v1/notices", headers={"Authorization": f"Bearer {operator}"},
            json={"text": {"de": "Aufzug an Steig M defekt"}, "display": "ticker",
                  "targets": {"displays": ["quick"]}})
        assert response.status == 201
        assert await wait_for(page, "document.querySelector('.ticker') && "
                                    "document.querySelector('.ticker').textContent")
        assert await page.evaluate("window.notReloaded === true"), "the page was reloaded"


async def test_the_page_polls_with_its_own_etag_not_a_second_fetch(
        aiohttp_client: ClientFactory, tmp_path: Path) -> None:
    """The page carries its ETag (`data-etag`): the response's, so a poll with it is a 304; the
    script's first poll sends it (answered 304) instead of fetching the whole page again."""
    displays = tmp_path / "displays.toml"
    displays.write_text(DISPLAYS, encoding="utf-8")
    client = await aiohttp_client(create_app(busy_settings(data_dir=tmp_path / "data",
                                                           displays_file=displays)))
    for path in ("/displays/quick", "/stops/de:07315:1001?lang=en"):
        response = await client.get(path)
        body = await response.text()
        carried = re.search(r'data-etag="W/&#34;([0-9a-f]+)&#34;"', body)
        assert carried, body[:600]
        assert response.headers["ETag"] == f'W/"{carried.group(1)}"'
        again = await client.get(path, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status == 304
    async with browser(tmp_path / "profile") as page:
        await page.goto(str(client.make_url("/displays/quick")))
        polls = await wait_for(page, """(() => { const p = performance
          .getEntriesByType('resource').filter(e => e.name === location.href);
          return p.length && p.map(e => e.responseStatus); })()""")
        assert polls[0] == 304, polls

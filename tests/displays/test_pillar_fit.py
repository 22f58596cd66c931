"""The pillar page fits every screen: measured in Debian's Chromium over the DevTools protocol.

One Chromium, one page, reused: for each notice case (none, ticker, alternate, takeover) and
theme the board is loaded once, then the viewport is set to each screen size and the layout is
measured in the page (getBoundingClientRect, scroll sizes, line boxes of every destination
word, computed font sizes). Script is off: the fit must hold with CSS alone.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from PIL import Image

from displays.app import create_app
from displays.board.bitmap import plan
from displays.board.lexicon import load_lexicon
from displays.board.pillar import build_pillar
from tests.boards import board_of
from tests.cdp import Page, browser
from tests.instants import busy_settings
from tests.notices.conftest import add_tokens

ClientFactory = Callable[..., Awaitable[TestClient[Any, Any]]]
MEASURE = (Path(__file__).parent / "measure_pillar.js").read_text(encoding="utf-8")

SIZES = [(480, 272), (600, 448), (800, 480), (1024, 600), (1280, 1024), (1920, 1080),
         (480, 800), (768, 1366), (1080, 1920), (2160, 3840)]
THEMES = ("lcd", "contrast", "epaper")
CASES = ("none", "ticker", "alternate", "takeover")
SHOTS = {("ticker", "lcd", (1080, 1920)): "portrait-1080x1920-ticker",
         ("none", "lcd", (1920, 1080)): "landscape-1920x1080",
         ("alternate", "epaper", (800, 480)): "epaper-800x480-alternate",
         ("takeover", "contrast", (480, 272)): "small-480x272-takeover"}

NOTICES = {
    "ticker": ("Aufzug defekt", "Der Aufzug zu Steig L ist außer Betrieb. Bitte nutzen Sie den "
               "Aufzug am Steig M oder die Rampe am Bahnhofplatz. Die Reparatur dauert "
               "voraussichtlich bis Freitag, 6. März 2026. Wir bitten um Entschuldigung."),
    "alternate": ("Umleitung Linie 50", "Wegen einer Baustelle in der Binger Straße fährt die "
                  "Linie 50 ab Hauptbahnhof eine Umleitung über die Kaiserstraße; die "
                  "Haltestellen Schillerplatz und Münsterplatz entfallen."),
    "takeover": ("Haltestelle verlegt", "Wegen Bauarbeiten am Hauptbahnhof halten alle "
                 "Straßenbahnen bis auf Weiteres an der Ersatzhaltestelle in der "
                 "Alicenstraße, etwa 150 Meter in Fahrtrichtung. Bitte beachten Sie die "
                 "Aushänge und Wegweiser vor Ort. Fahrgäste mit Rollstuhl oder Kinderwagen "
                 "nutzen bitte den Zugang über die Rampe am Bahnhofplatz; der Aufzug am "
                 "Steig L ist während der Bauarbeiten außer Betrieb. Auskunft erhalten Sie "
                 "rund um die Uhr im Mobilitätszentrum am Bahnhofplatz und telefonisch."),
}

# the faults of the layout before issue 11: a page as tall as its content, big type, words
# broken anywhere
OLD_LAYOUT = (".frame{display:block;height:auto;overflow:visible} "
              "html.pillar{overflow:visible;height:auto;font-size:90px} "
              "body.board{overflow:visible;height:auto} "
              ".rows-area,.rows{display:block;overflow:visible} "
              ".dest .name{display:block;overflow-wrap:anywhere;-webkit-line-clamp:none}")

DISPLAYS = "\n".join(
    f'[displays.fit-{case}]\nname = "Matrix {case}"\ntitle = "Hauptbahnhof"\n'
    f'stops = ["de:07315:1001"]\nplatforms = ["L", "M"]\nrows = 10\nrefresh = 30\n'
    for case in CASES)


async def matrix_client(aiohttp_client: ClientFactory, tmp_path: Path) -> TestClient[Any, Any]:
    """The real app with four test displays, one per notice case, and their notices posted."""
    displays = tmp_path / "displays.toml"
    displays.write_text(DISPLAYS, encoding="utf-8")
    settings = busy_settings(data_dir=tmp_path / "data", displays_file=displays)
    _, operator = await add_tokens(settings)
    client = await aiohttp_client(create_app(settings))
    for kind, (header, text) in NOTICES.items():
        response = await client.post(
            "/api/v1/notices", headers={"Authorization": f"Bearer {operator}"},
            json={"text": {"de": text}, "header": {"de": header}, "display": kind,
                  "targets": {"displays": [f"fit-{kind}"]}, "priority": 2})
        assert response.status == 201, await response.text()
    return client


def judge(m: dict[str, Any], case: str, size: tuple[int, int]) -> list[str]:
    """Return what is wrong with one measured page (empty: it fits)."""
    width, height = size
    wrong = []
    if m["viewport"] != [width, height]:
        wrong.append(f"viewport is {m['viewport']}")
    if m["scrolls"]:
        wrong.append("the page scrolls")
    for part in ("header", "clock", "status"):
        if not m[part]:
            wrong.append(f"{part} not wholly on screen")
    expected = {"ticker": "ticker", "alternate": "panel", "takeover": "takeover"}.get(case)
    if expected and not m[expected]:
        wrong.append(f"the {case} notice is not wholly on screen")
    if case == "none" and (m["ticker"] is not None or m["panel"] is not None):
        wrong.append("a notice shows on a display it does not concern")
    if not all(m["pagesWhole"]):
        wrong.append(f"a notice page overflows its box: {m['pagesWhole']}")
    if case != "takeover":
        wrong += judge_rows(m, size)
    return wrong


def judge_rows(m: dict[str, Any], size: tuple[int, int]) -> list[str]:
    """What is wrong with the departure rows of a measured page."""
    width, height = size
    wrong = []
    shown = m["shown"]
    if len(shown) < min(3, m["total"]) or m["total"] < 3:
        wrong.append(f"only {len(shown)} of {m['total']} rows shown")
    if shown != list(range(len(shown))):
        wrong.append(f"shown rows are not the first ones: {shown}")
    if m["cut"]:
        wrong.append(f"rows cut at an edge: {m['cut']}")
    if m["spareRows"] is not None and m["spareRows"] >= 1:
        wrong.append(f"room for {m['spareRows']:.2f} more rows left empty")
    share = 0.022 if height > width else 0.03
    if m["destFont"] is None or m["destFont"] < share * height - 0.5:
        wrong.append(f"destination font {m['destFont']} px < {share:.1%} of {height}")
    if m["lineFont"] is None or m["lineFont"] < m["destFont"] - 0.5:
        wrong.append(f"line badge font {m['lineFont']} < destination {m['destFont']}")
    if m["brokenWords"]:
        wrong.append(f"words broken across lines: {m['brokenWords']}")
    if m["wrappedTimes"]:
        wrong.append(f"times wrapped: {m['wrappedTimes']}")
    if m["platformHeader"] != "Steig":
        wrong.append(f"platform column says {m['platformHeader']!r}")
    return wrong


async def measure(page: Page) -> dict[str, Any]:
    result: dict[str, Any] = await page.evaluate(MEASURE)
    return result


def shot_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("ABFAHRT_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def test_pillar_fits_every_screen_theme_and_notice(aiohttp_client: ClientFactory,
                                                        tmp_path: Path) -> None:
    client = await matrix_client(aiohttp_client, tmp_path)
    failures: list[str] = []
    checked = 0
    shots = shot_dir(tmp_path)
    async with browser(tmp_path / "profile", scripts=False) as page:
        for case in CASES:
            for theme in THEMES:
                url = str(client.make_url(f"/displays/fit-{case}?theme={theme}"))
                await page.viewport(*SIZES[0])
                await page.goto(url)
                for size in SIZES:
                    await page.viewport(*size)
                    m = await measure(page)
                    checked += 1
                    failures += [f"{case}/{theme}/{size[0]}x{size[1]}: {w}"
                                 for w in judge(m, case, size)]
                    if (case, theme, size) in SHOTS:      # painted fresh at this size
                        await page.goto(url)
                        await page.screenshot(shots / f"{SHOTS[(case, theme, size)]}.png")
    assert checked == len(SIZES) * len(THEMES) * len(CASES) >= 96
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures[:60])


async def test_the_fit_check_fails_on_a_page_that_does_not_fit(aiohttp_client: ClientFactory,
                                                              tmp_path: Path) -> None:
    """The measurement can fail: the old layout's faults (a page taller than the screen, words
    broken anywhere, big type) injected into the page are each reported."""
    client = await matrix_client(aiohttp_client, tmp_path)
    async with browser(tmp_path / "profile", scripts=False) as page:
        await page.viewport(1080, 1920)
        await page.send("Page.setBypassCSP", enabled=True)   # the page forbids inline style
        await page.goto(str(client.make_url("/displays/fit-ticker")))
        await page.evaluate(f"""(() => {{ const s = document.createElement('style');
          s.textContent = {json.dumps(OLD_LAYOUT)}; document.head.appendChild(s); return true;
          }})()""")
        wrong = judge(await measure(page), "ticker", (1080, 1920))
    assert any("scrolls" in w for w in wrong), wrong
    assert any("status not wholly on screen" in w for w in wrong), wrong
    assert any("rows cut at an edge" in w for w in wrong), wrong
    assert any("broken across lines" in w for w in wrong), wrong


@pytest.mark.parametrize("lang, expected", [("de", "Steig"), ("en", "Platform")])
async def test_platform_header_words(aiohttp_client: ClientFactory, tmp_path: Path, lang: str,
                                     expected: str) -> None:
    client = await matrix_client(aiohttp_client, tmp_path)
    html = await (await client.get("/stops/de:07315:1001", params={"lang": lang})).text()
    assert f"<span>{expected}</span></div>" in html


async def test_bitmap_and_text_boards_render_the_same_rows_as_the_html(
        aiohttp_client: ClientFactory, tmp_path: Path) -> None:
    client = await matrix_client(aiohttp_client, tmp_path)
    document = await (await client.get("/api/v1/displays/fit-ticker")).json()
    pillar = build_pillar(board_of(document), "de", rows=10, abbreviations=load_lexicon(
        "abbreviations"))
    text = await (await client.get("/displays/fit-ticker.txt", params={"width": "60"})).text()
    text_rows = [line.split()[:2] for line in text.splitlines()[1:len(pillar.rows) + 1]]
    async with browser(tmp_path / "profile", scripts=False) as page:
        for size in ((800, 480), (1080, 1920), (480, 272)):
            await page.viewport(*size)
            await page.goto(str(client.make_url("/displays/fit-ticker")))
            shown = (await measure(page))["rowsText"]
            png = await client.get("/displays/fit-ticker.png",
                                   params={"w": str(size[0]), "h": str(size[1])})
            assert png.status == 200 and png.content_type == "image/png"
            image = Image.open(io.BytesIO(await png.read()))
            assert image.size == size and image.mode == "1"
            planned = plan(pillar, *size, notes=("Demodaten – kein echter Fahrplan",)).rows
            assert len(planned) == len(shown), f"{size}: bitmap {len(planned)}, html {len(shown)}"
            assert [[r.line, r.destination] for r in planned] == shown, size
            assert [[r.line, r.destination.split("/")[0].split()[0]] for r in planned] == [
                [line, dest.split("/")[0]] for line, dest in text_rows[:len(planned)]]

"""Pillar views apart from the browser: abbreviations as data, notice pages, text boards,
bitmaps, languages, filtered displays' alerts, the index page."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from displays.board.bitmap import render_bitmap
from displays.board.lexicon import LexiconError, load_lexicon, parse_lexicon
from displays.board.paging import split_pages, turn
from displays.board.pillar import build_pillar
from displays.board.text import MIN_TEXT_WIDTH, text_board
from displays.board.themes import contrast_ratio
from tests.boards import board_of
from tests.displays.pillar_keys import demo_key

HBF = "de:07315:1001"
Client = Any


def test_abbreviations_shorten_whole_words_and_compound_ends() -> None:
    screen = load_lexicon("abbreviations")
    assert screen.apply("Hauptbahnhof West") == "Hbf West"
    assert screen.apply("Lerchenberg/Hindemithstraße") == "Lerchenberg/Hindemithstr."
    assert screen.apply("Zollhafen/Inge-Reitz-Straße") == "Zollhafen/Inge-Reitz-Str."
    assert screen.apply("Marienborn Bahnhof") == "Marienborn Bf"
    assert screen.apply("Bahnhofstraße") == "Bahnhofstr.", "longest suffix first, one pass"
    assert screen.apply("Strand") == "Strand", "never inside a word"


def test_a_city_extends_the_abbreviations_without_code(tmp_path: Path) -> None:
    city = tmp_path / "city.toml"
    city.write_text('[words]\n"Hauptbahnhof" = "Hauptbf."\n"Gonsenheim" = "Gonsenh."\n',
                    encoding="utf-8")
    screen = load_lexicon("abbreviations", city)
    assert screen.apply("Gonsenheim/Elbestraße") == "Gonsenh./Elbestr."
    assert screen.apply("Hauptbahnhof") == "Hauptbf.", "the city's entry wins"
    with pytest.raises(LexiconError, match="unknown table"):
        parse_lexicon('[woerter]\n"a" = "b"\n', "bad.toml")
    with pytest.raises(LexiconError, match="patterns"):
        parse_lexicon('[patterns]\n"(" = "b"\n', "bad.toml")


def test_notice_pages_break_between_words_and_take_turns() -> None:
    text = " ".join(["Ersatzhaltestelle"] * 30)
    pages = split_pages(text, 110)
    assert len(pages) > 1 and all(len(p) <= 110 for p in pages)
    assert all(p.endswith(f"({i}/{len(pages)})") for i, p in enumerate(pages, 1))
    assert " ".join(re.sub(r" \(\d+/\d+\)$", "", p) for p in pages) == text
    firsts = {turn(pages, at, 30)[0] for at in range(0, 30 * len(pages), 30)}
    assert firsts == set(pages), "each page comes first in one refresh period"
    assert split_pages("kurz\x07 und\u200b\nklar", 110) == ["kurz und klar"]


def _document(alerts: list[dict[str, Any]] | None = None, platform_changed: bool = False
              ) -> dict[str, Any]:
    dep = {"trip_id": "t", "service_date": "2026-03-04", "stop_id": "s", "stop_sequence": 1,
           "route": {"id": "50", "short_name": "50", "long_name": None, "type": 0,
                     "color": "E2001A", "text_color": "FFFFFF"},
           "headsign": "Zollhafen/Inge-Reitz-Straße", "scheduled": "2026-03-04T12:03:00+01:00",
           "predicted": "2026-03-04T12:06:00+01:00", "delay_s": 180, "realtime": True,
           "status": "scheduled", "platform": "D", "platform_changed": platform_changed,
           "on_request": False, "approximate": True, "frequency": None,
           "wheelchair_accessible": True, "occupancy": None, "alert_ids": []}
    timetable = dict(dep, trip_id="u", predicted=None, delay_s=None, realtime=False,
                     scheduled="2026-03-04T12:40:00+01:00", headsign="Hauptbahnhof")
    return {"stop": {"id": "s", "name": "Hauptbahnhof"},
            "generated_at": "2026-03-04T12:00:00+01:00",
            "realtime": {"status": "live", "feed_timestamp": None},
            "departures": [dep, timetable], "alerts": alerts or []}


def test_rows_say_the_delay_once_and_ca_only_without_realtime() -> None:
    pillar = build_pillar(board_of(_document()), "de", abbreviations=load_lexicon("abbreviations"))
    live, planned = pillar.rows
    assert live.when_text == "in 6 min" and live.scheduled == "12:03" and live.delay == "+3"
    assert not live.approximate, "a realtime prediction is never 'ca.'"
    assert planned.approximate and planned.when_text == "12:40"
    assert live.destination == "Zollhafen/Inge-Reitz-Str."
    assert live.full_destination == "Zollhafen/Inge-Reitz-Straße"
    assert live.destination_parts == ["Zollhafen/", "Inge-Reitz-Str."]
    english = build_pillar(board_of(_document()), "en")
    assert english.platform_header == "Platform" and english.rows[0].platform_label == "Platform"


def test_text_board_platform_column_wrapped_notices_and_width() -> None:
    notice = {"id": "n", "header": "Umleitung", "description": "Die Linie 50 fährt über die "
              "Kaiserstraße; die Haltestellen Schillerplatz und Münsterplatz entfallen.",
              "source": "operator", "display": "takeover"}
    pillar = build_pillar(board_of(_document([notice])), "de")
    text = text_board(pillar, 24)
    assert all(len(line) <= 24 for line in text.splitlines())
    assert "Münsterplatz" in text and "entfallen." in text, "a takeover is wrapped, not cut"
    rows = text_board(build_pillar(board_of(_document()), "de"), MIN_TEXT_WIDTH).splitlines()[1:3]
    assert [len(r) for r in rows] == [MIN_TEXT_WIDTH] * 2 and all(" D " in r for r in rows)


def test_bitmap_is_one_bit_or_four_greys_and_changes_with_the_board() -> None:
    pillar = build_pillar(board_of(_document(platform_changed=True)), "de")
    mono = Image.open(io.BytesIO(render_bitmap(pillar, 800, 480)))
    assert mono.mode == "1" and mono.size == (800, 480)
    black = mono.histogram()[0]
    assert 0.01 < black / (800 * 480) < 0.5, "text drawn, not a blank or black page"
    grey = Image.open(io.BytesIO(render_bitmap(pillar, 800, 480, grey=True)))
    assert grey.mode == "P" and len(grey.getcolors()) <= 4
    other = build_pillar(board_of(_document()), "de")
    assert render_bitmap(other, 800, 480) != render_bitmap(pillar, 800, 480)


# every text element of the index page: its computed colour on the nearest painted background
INDEX_COLOURS = """(() => {
  const painted = e => { for (; e; e = e.parentElement) {
      const bg = getComputedStyle(e).backgroundColor;
      if (bg && bg !== 'rgba(0, 0, 0, 0)' && bg !== 'transparent') { return bg; } }
    return 'rgb(255, 255, 255)'; };
  return [...document.querySelectorAll('body, body *')]
    .filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())
                 || e.matches('input, button'))
    .filter(e => e.getClientRects().length && !e.closest('.visually-hidden'))
    .map(e => [e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''),
               getComputedStyle(e).color, painted(e)]); })()"""


def _rgb(css: str) -> str:
    r, g, b = (int(float(v)) for v in re.findall(r"[\d.]+", css)[:3])
    return f"#{r:02X}{g:02X}{b:02X}"


async def test_the_index_page_text_is_readable_as_chromium_paints_it(client: Client,
                                                                    tmp_path: Path) -> None:
    from tests.cdp import browser
    async with browser(tmp_path / "profile", scripts=False) as page:
        await page.viewport(1280, 900)
        await page.goto(str(client.make_url("/")))
        measured = await page.evaluate(INDEX_COLOURS)
        await page.goto(str(client.make_url("/?q=hbf")))
        measured += await page.evaluate(INDEX_COLOURS)
    kinds = {what.split(".")[0] for what, _, _ in measured}
    assert {"input", "button", "a", "h1"} <= kinds, kinds
    low = [(what, fg, bg, round(contrast_ratio(_rgb(fg), _rgb(bg)), 2))
           for what, fg, bg in measured if contrast_ratio(_rgb(fg), _rgb(bg)) < 4.5]
    assert not low, low


async def test_pages_are_german_unless_told(client: Client) -> None:
    english_kiosk = {"Accept-Language": "en-US,en;q=0.9"}
    stop = await (await client.get(f"/stops/{HBF}", headers=english_kiosk)).text()
    assert '<html lang="de"' in stop and "Abfahrt" in stop
    assert '<html lang="en"' in await (await client.get(f"/stops/{HBF}?lang=en")).text()
    uni = await (await client.get("/displays/uni-en", headers={"Accept-Language": "de"})).text()
    assert '<html lang="en"' in uni, "a display speaks its own language"
    assert '<h1 class="title">Universität</h1>' in uni and "(English)" not in uni


async def test_tram_display_shows_no_bus_alert(client: Client) -> None:
    stop = await (await client.get(f"/api/v1/stops/{HBF}/departures")).json()
    bus = [a for a in stop["alerts"] if "80" in (a["header"] or "")]
    assert bus, "the demo's bus 80 alert is on the station board"
    tram = await (await client.get("/api/v1/displays/hbf-tram")).json()
    assert not [a for a in tram["alerts"] if a["id"] in {b["id"] for b in bus}]
    assert "Linie 80" not in await (await client.get("/displays/hbf-tram.txt")).text()


async def test_text_errors_are_plain_text(client: Client) -> None:
    for path, status in ((f"/stops/{HBF}.txt?width=5", 400), ("/stops/nope.txt", 404),
                         ("/displays/nope.txt", 404), (f"/stops/{HBF}.txt?width=500", 400),
                         (f"/stops/{HBF}.png?w=5", 400), ("/displays/nope.png", 404),
                         ("/displays/hbf-tram.png?depth=3", 400)):   # e-paper controllers
        response = await client.get(path)
        assert response.status == status and response.content_type == "text/plain", path
        assert "<" not in await response.text()
    narrow = await client.get(f"/stops/{HBF}.txt", params={"width": str(MIN_TEXT_WIDTH)})
    assert narrow.status == 200
    assert max(len(line) for line in (await narrow.text()).splitlines()) == MIN_TEXT_WIDTH


async def test_bitmap_endpoints_with_etag(client: Client) -> None:
    for path in ("/displays/hoefchen-epaper.png", f"/stops/{HBF}.png"):
        response = await client.get(path, params={"w": "400", "h": "300", "depth": "2"})
        assert response.status == 200 and response.content_type == "image/png"
        image = Image.open(io.BytesIO(await response.read()))
        assert image.size == (400, 300)
        again = await client.get(path, params={"w": "400", "h": "300", "depth": "2"},
                                 headers={"If-None-Match": response.headers["ETag"]})
        assert again.status == 304
    assert (await client.get(f"/stops/{HBF}.png", params={"w": "9"})).status == 400


async def test_index_searches_without_script_and_lists_displays(client: Client) -> None:
    await client.get("/displays/hbf-tram", params={"key": demo_key("hbf-tram")})
    await client.get("/displays/uni-en")                  # a rider's look: not the pillar
    page = await (await client.get("/", params={"q": "hoefchen"})).text()
    assert 'role="search"' in page and 'name="q"' in page and "<script" not in page
    assert "Höfchen/Listmann" in page
    assert re.search(r'hbf-tram\?preview=1">[^<]+</a>\s*– <span class="state-online">online',
                     page)
    assert re.search(r'uni-en\?preview=1">[^<]+</a>\s*– <span class="state-offline">offline',
                     page)
    assert 'href="/displays/uni-en.png?preview=1"' in page     # links never count as polls
    full = await (await client.get("/")).text()
    assert full.count('href="/stops/') >= 2 * 20, "every stop of the demo is listed"


def test_board_css_has_a_page_cycle_for_every_page_count() -> None:
    from displays.board.html import MAX_PAGES
    css = (Path(__file__).parents[2] / "templates" / "static" / "board.css").read_text()
    for n in range(2, MAX_PAGES + 1):
        assert f"@keyframes page-of-{n} " in css and f".pages.n{n} > .page" in css
    assert all(f".page.p{k} {{ --k: {k}; }}" in css for k in range(1, MAX_PAGES + 1))


async def test_server_default_language_and_city_files(aiohttp_client: Any, tmp_path: Path
                                                      ) -> None:
    from displays.app import create_app
    from displays.service.config.settings import SettingsError, load_settings
    from tests.instants import busy_settings
    city = tmp_path / "abbreviations.toml"
    city.write_text('[words]\n"Lerchenberg" = "Lerchenbg."\n', encoding="utf-8")
    settings = load_settings({"ABFAHRT_DEFAULT_LANG": "en", "ABFAHRT_ABBREVIATIONS": str(city),
                              "ABFAHRT_SPEECH": "none"})
    assert settings.default_lang == "en" and settings.abbreviations_file == city
    with pytest.raises(SettingsError, match="ABFAHRT_DEFAULT_LANG"):
        load_settings({"ABFAHRT_DEFAULT_LANG": "fr"})
    with pytest.raises(SettingsError, match="ABFAHRT_LEXICON"):
        load_settings({"ABFAHRT_LEXICON": str(tmp_path / "missing.toml")})
    client = await aiohttp_client(create_app(busy_settings(
        data_dir=tmp_path, default_lang="en", abbreviations_file=city)))
    page = await (await client.get(f"/stops/{HBF}")).text()
    assert '<html lang="en"' in page and "Departure" in page
    board = await (await client.get(f"/stops/{HBF}.txt?width=80&rows=50")).text()
    assert "Lerchenbg./Hindemithstr." in board, "the city's own abbreviation is used"


def test_more_notice_pages_than_a_cycle_wait_their_turn() -> None:
    from displays.board.html import MAX_PAGES, make_environment, render_board_html
    alerts = [{"id": str(i), "header": f"Hinweis {i}", "description": None, "source": "gtfs-rt"}
              for i in range(MAX_PAGES + 3)]
    document = _document(alerts)
    html = render_board_html(make_environment(), build_pillar(board_of(document), "de"),
                             theme="lcd", refresh=30, demo=False, route_colours=True).decode()
    assert f'class="ticker pages n{MAX_PAGES}' in html
    assert html.count('class="page later"') == 3 and all(
        f"Hinweis {i}<" in html for i in range(MAX_PAGES + 3)), "all are in the page"
    now = build_pillar(board_of(document), "de").ticker
    later = build_pillar(board_of(dict(document, generated_at="2026-03-04T12:00:30+01:00")), "de")
    assert later.ticker == now[1:] + now[:1], "the next refresh starts one page later"


def test_landscape_screens_get_larger_notice_pages() -> None:
    """A landscape line holds about twice the words of a portrait one: its pages are larger,
    so a 190-character notice is one page there (the browser test measures both whole)."""
    from displays.board.html import make_environment, render_board_html
    text = ("Wegen einer Baustelle in der Binger Straße fährt die Linie 50 ab Hauptbahnhof eine "
            "Umleitung über die Kaiserstraße; die Haltestellen Schillerplatz und Münsterplatz "
            "entfallen.")
    document = _document([{"id": "a", "header": "Umleitung Linie 50", "description": text,
                           "source": "operator", "display": "alternate"}])
    pillar = build_pillar(board_of(document), "de")
    assert len(pillar.alternate_pages) == 2 and len(pillar.alternate_pages_wide) == 1
    assert pillar.for_landscape().alternate_pages == pillar.alternate_pages_wide
    html = render_board_html(make_environment(), pillar, theme="lcd", refresh=30, demo=False,
                             route_colours=True).decode()
    assert "notice-panel pages n2" in html and "fit-portrait" in html
    assert "notice-panel pages n1" in html and "fit-landscape" in html
    short = build_pillar(board_of(_document([{"id": "b", "header": "Aufzug defekt",
                                              "description": None, "source": "gtfs-rt"}])), "de")
    assert short.ticker == short.ticker_wide == ("Aufzug defekt",)
    one = render_board_html(make_environment(), short, theme="lcd", refresh=30, demo=False,
                            route_colours=True).decode()
    assert "fit-portrait" not in one and one.count('class="ticker pages') == 1


@pytest.mark.busy_hour
async def test_display_pages_take_lang_and_rows_like_stop_pages(client: Client) -> None:
    """`?lang=` overrides a display's language (page, text, readout); a bad value or rows out
    of range is refused with 400, as on /stops."""
    german = await (await client.get("/displays/uni-en?lang=de")).text()
    assert '<html lang="de"' in german and "Abfahrt" in german and "Departure" not in german
    english = await (await client.get("/displays/uni-en")).text()
    assert '<html lang="en"' in english and "Departure" in english, "its own language stays"
    text = await (await client.get("/displays/hbf-tram.txt?lang=en")).text()
    assert "Platform" in text or "Live" in text or "As of" in text, text
    spoken = await (await client.get("/displays/uni-en/readout?lang=de")).text()
    assert spoken.startswith("Haltestelle "), spoken
    assert (await (await client.get("/displays/uni-en/readout")).text()).startswith("Stop ")
    for bad in ("lang=xx", "rows=0", "rows=51", "rows=zwei"):
        for path in ("/displays/uni-en", "/displays/uni-en.txt", f"/stops/{HBF}"):
            response = await client.get(f"{path}?{bad}")
            assert response.status == 400, (path, bad, response.status)
    assert (await client.get("/displays/uni-en/readout?lang=xx")).status == 400
    few = await (await client.get("/displays/hbf-tram?rows=2")).text()
    many = await (await client.get("/displays/hbf-tram?rows=12")).text()
    assert few.count('<li class="row') == 2 < many.count('<li class="row')


def test_notices_take_turns_per_notice_pages_within_one_and_the_urgent_first() -> None:
    """Each refresh period starts with the next notice (not the next page of one long notice);
    a notice's pages turn within it from one visit to the next (e-paper shows every page in
    time); a notice has at most MAX_PAGES_PER_NOTICE pages, the last ending in "…"; the most
    urgent notice leads the order."""
    from displays.board.paging import MAX_PAGES_PER_NOTICE
    long = " ".join(["Wegen Bauarbeiten entfällt die Haltestelle Höfchen."] * 40)   # 2,000+
    alerts = [{"id": "long", "header": None, "description": long, "source": "operator",
               "display": "alternate", "priority": 3},
              {"id": "urgent", "header": "Linie 54 fällt heute ab 14 Uhr aus.",
               "description": None, "source": "operator", "display": "alternate",
               "priority": 1},
              {"id": "lift", "header": "Aufzug defekt", "description": "Bitte Rampe nutzen.",
               "source": "operator", "display": "alternate", "priority": 2}]
    document = _document(alerts)
    period = 60

    def shown(k: int) -> tuple[str, ...]:
        at = f"2026-03-04T12:{k:02d}:00+01:00"
        board = board_of(dict(document, generated_at=at))
        return build_pillar(board, "de", refresh_s=period).alternate_pages

    cycle = shown(0)
    longs = [p for p in cycle if re.search(r"\(\d/\d\)$", p)]
    assert len(longs) == MAX_PAGES_PER_NOTICE == 4
    assert longs[-1].endswith("… (4/4)") and all(len(p) <= 120 for p in cycle)
    assert cycle[0].startswith("Linie 54") and cycle[1].startswith("Aufzug"), \
        "period 0: the most urgent first, then by priority"
    firsts = [shown(k)[0] for k in range(12)]
    leads = [("urgent" if f.startswith("Linie") else "lift" if f.startswith("Aufzug")
              else "long") for f in firsts]
    assert leads[:3] == ["urgent", "lift", "long"] and leads == leads[:3] * 4, leads
    assert {f for f in firsts if f in longs} == set(longs), \
        "every page of the long notice leads a period in turn (e-paper shows p1 only)"

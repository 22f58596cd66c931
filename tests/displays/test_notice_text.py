"""A notice's words on every board: a header that repeats the description is said and shown once
(one rule, displays.board.message), whatever the length of a header-less notice."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

from displays.app import create_app
from displays.board.alert import BoardAlert, Placement
from displays.board.model import Board
from displays.board.notice_rules import Targets
from displays.board.pillar import build_pillar
from displays.board.readout import build_readout
from displays.board.text import text_board
from displays.notices.alerts import notice_alert
from displays.notices.model import Notice
from tests.boards import board_of
from tests.instants import suite_settings
from tests.notices.conftest import add_tokens

LONG = ("Wegen Bauarbeiten in der Ludwigsstraße halten die Linien 54, 55, 56 und 57 bis auf "
        "Weiteres nicht an der Haltestelle Höfchen; bitte nutzen Sie die Ersatzhaltestelle "
        "in der Weißliliengasse gegenüber dem Eingang des Parkhauses, etwa 150 Meter entfernt. "
        "Aufzug am Höfchen defekt, bitte nutzen Sie die Rampe am Markt.")


def _board(alerts: list[BoardAlert]) -> Board:
    empty = board_of({"stop": {"id": "s", "name": "Höfchen"},
                      "generated_at": "2026-03-04T12:00:00+01:00",
                      "realtime": {"status": "live", "feed_timestamp": None}, "departures": []})
    return replace(empty, alerts=tuple(alerts))


def _notice(text: str, kind: Placement, header: str | None = None) -> Notice:
    return Notice(id="n1", text={"de": text}, targets=Targets(all=True), valid_from=0,
                  header={"de": header} if header else {}, display=kind)


def test_a_long_header_less_notice_is_shown_and_read_once() -> None:
    assert len(LONG) > 200 and "\n" not in LONG
    for kind in Placement:
        alert = notice_alert(_notice(LONG, kind))
        assert (alert.words("de").header or "").endswith("…"), "the first line is cut"
        pillar = build_pillar(_board([alert]), "de")
        shown = {Placement.TICKER: pillar.ticker_texts,
                 Placement.ALTERNATE: tuple(m.text for m in pillar.alternate),
                 Placement.TAKEOVER: tuple(m.text for m in pillar.takeover)}[kind]
        assert shown == (LONG,), kind
        board = text_board(pillar, 40).replace("\n", " ")
        assert board.count("Rampe am Markt") == 1 and board.count("Wegen Bauarbeiten") == 1
        readout = build_readout(_board([alert]), "de").text
        assert readout.count("Wegen Bauarbeiten") == 1, readout
        assert readout.count("Rampe am Markt") == 1, readout


def test_a_header_is_still_said_before_a_description_that_does_not_repeat_it() -> None:
    alert = notice_alert(_notice("Linie 54 fällt aus.", Placement.ALTERNATE,
                                 header="Baustelle"))
    assert alert.words("de").audio == "Baustelle. Linie 54 fällt aus."
    pillar = build_pillar(_board([alert]), "de")
    assert pillar.alternate[0].text == "Baustelle: Linie 54 fällt aus."
    short = notice_alert(_notice("Aufzug defekt\nBitte Rampe nutzen.", Placement.TICKER))
    assert build_pillar(_board([short]), "de").ticker_texts == (
        "Aufzug defekt: Bitte Rampe nutzen.",)


async def test_a_german_notice_on_an_english_board_says_its_language(
        aiohttp_client: Any, tmp_path: Path) -> None:
    """WCAG 3.1.2: the page marks the German notice `lang="de"`, the SSML switches eSpeak NG
    to German for it (its phonemes are German, not English-read German)."""
    settings = suite_settings(data_dir=tmp_path)
    _, operator = await add_tokens(settings)
    client = await aiohttp_client(create_app(settings))
    for kind in ("alternate", "ticker"):
        posted = await client.post(
            "/api/v1/notices", headers={"Authorization": f"Bearer {operator}"},
            json={"text": {"de": f"Aufzug an der Universität außer Betrieb ({kind})."},
                  "display": kind, "targets": {"displays": ["uni-en"]}, "priority": 2})
        assert posted.status == 201, await posted.text()
    page = await (await client.get("/displays/uni-en")).text()
    assert '<html lang="en"' in page
    marked = re.findall(r'<p class="page [^"]*" lang="de">([^<]*)</p>', page)
    assert sum("Aufzug" in text for text in marked) == 2, page[page.find("<section"):][:900]
    assert not re.search(r'<p class="page [^"]*">[^<]*Aufzug', page), "an unmarked copy"
    german = await (await client.get("/displays/uni-en?lang=de")).text()
    assert 'lang="de">' not in german.split("<body", 1)[1], "no mark in its own language"
    ssml = await (await client.get("/displays/uni-en/readout?format=ssml")).text()
    root = ET.fromstring(ssml)
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    assert root.get(xml_lang) == "en-GB"
    foreign = [s for s in root.iter("s") if s.get(xml_lang) == "de-DE"]
    assert foreign and "Aufzug" in (foreign[0].text or ""), ssml
    assert "Notice:" in ssml, "the frame stays in the board's language"
    if shutil.which("espeak-ng"):
        phonemes = subprocess.run(["espeak-ng", "-q", "-x", "-m", ssml], capture_output=True,
                                  text=True, timeout=30, check=True).stdout
        assert "'aUfts" in phonemes, phonemes      # German "Aufzug", not English "O:fzVg"


def test_the_alert_says_which_language_is_shown_and_said() -> None:
    notice = Notice(id="n", text={"de": "Aufzug defekt."}, targets=Targets(all=True),
                    valid_from=0, audio_text={"en": "The lift is out of order."})
    english, german = notice_alert(notice).words("en"), notice_alert(notice).words("de")
    assert (english.shown, english.audio_lang) == ("de", "en")
    assert (german.shown, german.audio_lang) == ("de", "de"), \
        "no German audio text: the German text is said"

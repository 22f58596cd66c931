"""The typed board: it survives the shared cache unchanged, refuses what is not a board, words
a time column by one rule on every surface, picks an alert's words without mixing languages,
and lays the page and the bitmap out from one table."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from displays.board.alert import AlertSource, BoardAlert
from displays.board.build import BoardRequest, compute_display_board
from displays.board.codec import BoardCodecError, decode_board, encode_board
from displays.board.layout import LAYOUT, css_variables
from displays.board.model import Board
from displays.board.readout import spoken_when
from displays.board.themes import THEMES, theme_css
from displays.board.when import When, WhenKind
from displays.board.wording import countdown_words, when_text
from displays.demo.network import write_demo_feed
from displays.demo.simulation import simulate_feed
from displays.service.cluster.board_cache import CachedBoard
from displays.service.config.displays_file import default_displays_file, load_displays
from feeds import load_timetable
from realtime.encode import encode_feed_dict
from realtime.parse import parse_feed
from realtime.records import Translation
from realtime.state import RealtimeState
from tests.instants import BUSY_AT

BERLIN = ZoneInfo("Europe/Berlin")
CSS = Path(__file__).resolve().parents[2] / "templates" / "static" / "board.css"


@pytest.fixture(scope="module")
def live_boards(tmp_path_factory: pytest.TempPathFactory) -> list[Board]:
    """Every demo display's board at a busy instant with the simulated realtime applied."""
    tt = load_timetable(write_demo_feed(tmp_path_factory.mktemp("demo"),
                                        dt.datetime.fromtimestamp(BUSY_AT, BERLIN).date()))
    state = RealtimeState().apply(
        "sim", parse_feed(encode_feed_dict(simulate_feed(tt, BUSY_AT))), tt)
    displays = load_displays(default_displays_file())
    return [compute_display_board(tt, state, d, BUSY_AT, BoardRequest(3600))
            for d in displays.values()]


def test_a_board_comes_back_from_the_shared_cache_as_it_went(live_boards: list[Board]) -> None:
    assert any(b.departures and any(d.dep.realtime for d in b.departures) for b in live_boards)
    for board in live_boards:
        assert decode_board(encode_board(board)) == board
        cached = CachedBoard.of("k", board)
        back = CachedBoard.from_bytes(cached.to_bytes())
        assert (back.board, back.etag, back.document) == (board, cached.etag, cached.document)


def test_what_is_not_a_board_is_refused(live_boards: list[Board]) -> None:
    raw = encode_board(live_boards[0]).decode()
    assert '"window_s":3600' in raw
    for damaged in ("", "[]", "{}", raw.replace('"freshness":"', '"freshness":"x'),
                    raw.replace('"window_s":3600', '"window_s":"3600"'), raw[:-1]):
        with pytest.raises(BoardCodecError):
            decode_board(damaged)
    with pytest.raises(BoardCodecError):
        CachedBoard.from_bytes(b'{"key":"k","etag":"e","computed_at":1,"board":{}}')


@pytest.mark.parametrize("lang", ["de", "en"])
def test_one_rule_words_the_time_column_everywhere(lang: str) -> None:
    at = BUSY_AT
    words = countdown_words(lang)
    assert when_text(When(WhenKind.NOW, at), lang, BERLIN) == words["now"]
    assert when_text(When(WhenKind.MINUTES, at + 240, 4), lang, BERLIN) == \
        words["minutes"].replace("{n}", "4")
    assert when_text(When(WhenKind.CLOCK, at + 3000), lang, BERLIN) == "12:50"
    assert spoken_when(When(WhenKind.CLOCK, at + 3000), lang, BERLIN).endswith(
        "12 Uhr 50" if lang == "de" else "12 50")
    assert spoken_when(When(WhenKind.NOW, at), lang, BERLIN) == words["now"]
    literals = re.findall(r'"([^"]*)"', (CSS.parent / "board.js").read_text())
    assert words["now"] not in literals and not any(" min" in text for text in literals), \
        "the page's script takes its words from the page"


def test_an_alert_never_mixes_languages() -> None:
    alert = BoardAlert("a", AlertSource.GTFS_RT,
                       header=(Translation("Umleitung", "de-DE"),),
                       description=(Translation("Linie 50 über Kaiserstraße", "de-DE"),
                                    Translation("Line 50 via Kaiserstrasse", "en")))
    english = alert.words("en")
    assert (english.header, english.description, english.shown) == (
        "Umleitung", "Linie 50 über Kaiserstraße", "de")
    untagged = BoardAlert("b", AlertSource.GTFS_RT, header=(Translation("Aufzug defekt"),))
    assert (untagged.words("en").header, untagged.words("en").shown) == ("Aufzug defekt", None)


def test_the_page_and_the_bitmap_read_one_layout_table() -> None:
    defined = set(re.findall(r"--([a-z-]+):", theme_css(THEMES["lcd"])))
    used = set(re.findall(r"var\(--([a-z-]+)\)", CSS.read_text()))
    assert used <= defined, used - defined
    sizes = {f.name.replace("_", "-") for f in dataclasses.fields(LAYOUT)}
    assert sizes <= set(re.findall(r"--([a-z-]+):", css_variables()))
    assert not re.search(r"font-size: *[0-9.]+rem", CSS.read_text().split("/* ---- index")[0]
                         .replace(".wheelchair { font-size: 0.8rem; }", "")), \
        "board type sizes come from the table"

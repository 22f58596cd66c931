"""A notice's words on every board: a header that repeats the description is said and shown once
(one rule, displays.board.message), whatever the length of a header-less notice."""

from __future__ import annotations

from typing import Any

from displays.board.pillar import build_pillar
from displays.board.readout import build_readout
from displays.board.text import text_board
from displays.notices.alerts import notice_alert
from displays.notices.model import DisplayType, Notice, Targets
from tests.instants import BERLIN

LONG = ("Wegen Bauarbeiten in der Ludwigsstraße halten die Linien 54, 55, 56 und 57 bis auf "
        "Weiteres nicht an der Haltestelle Höfchen; bitte nutzen Sie die Ersatzhaltestelle "
        "in der Weißliliengasse gegenüber dem Eingang des Parkhauses, etwa 150 Meter entfernt. "
        "Aufzug am Höfchen defekt, bitte nutzen Sie die Rampe am Markt.")


def _document(alerts: list[dict[str, Any]]) -> dict[str, Any]:
    return {"stop": {"id": "s", "name": "Höfchen"}, "generated_at": "2026-03-04T12:00:00+01:00",
            "realtime": {"status": "live", "feed_timestamp": None}, "departures": [],
            "alerts": alerts}


def _notice(text: str, kind: DisplayType, header: str | None = None) -> Notice:
    return Notice(id="n1", text={"de": text}, targets=Targets(all=True), valid_from=0,
                  header={"de": header} if header else {}, display=kind)


def test_a_long_header_less_notice_is_shown_and_read_once() -> None:
    assert len(LONG) > 200 and "\n" not in LONG
    for kind in DisplayType:
        alert = notice_alert(_notice(LONG, kind), "de")
        assert alert["header"].endswith("…"), "the first line is cut for the header"
        pillar = build_pillar(_document([alert]), "de", BERLIN)
        shown = {DisplayType.TICKER: pillar.ticker_texts,
                 DisplayType.ALTERNATE: tuple(m.text for m in pillar.alternate),
                 DisplayType.TAKEOVER: tuple(m.text for m in pillar.takeover)}[kind]
        assert shown == (LONG,), kind
        board = text_board(pillar, 40).replace("\n", " ")
        assert board.count("Rampe am Markt") == 1 and board.count("Wegen Bauarbeiten") == 1
        readout = build_readout(_document([alert]), "de", BERLIN).text
        assert readout.count("Wegen Bauarbeiten") == 1, readout
        assert readout.count("Rampe am Markt") == 1, readout


def test_a_header_is_still_said_before_a_description_that_does_not_repeat_it() -> None:
    alert = notice_alert(_notice("Linie 54 fällt aus.", DisplayType.ALTERNATE,
                                 header="Baustelle"), "de")
    assert alert["audio"] == "Baustelle. Linie 54 fällt aus."
    pillar = build_pillar(_document([alert]), "de", BERLIN)
    assert pillar.alternate[0].text == "Baustelle: Linie 54 fällt aus."
    short = notice_alert(_notice("Aufzug defekt\nBitte Rampe nutzen.", DisplayType.TICKER),
                         "de")
    assert build_pillar(_document([short]), "de", BERLIN).ticker_texts == (
        "Aufzug defekt: Bitte Rampe nutzen.",)

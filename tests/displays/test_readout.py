"""The readout as data: what is said, in which words, and that nothing the voice would misread
(abbreviations, slashes, clock times, "min", "+3") reaches it — on every board of the demo and
of two real German feeds."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from displays.board.build import build_board
from displays.board.lexicon import load_lexicon
from displays.board.readout import MAX_CHARS, build_readout, speakable
from displays.demo.network import write_demo_feed
from feeds import load_timetable
from tests.boards import board_of
from tests.instants import BERLIN, DEMO_INSTANTS, instant

DE = load_lexicon("pronunciation.de")
EN = load_lexicon("pronunciation.en")
# what must never reach the synthesiser
FORBIDDEN = [
    (re.compile(r"/"), "a slash"),
    (re.compile(r"\d[:.]\d\d\b"), "a clock time"),
    (re.compile(r"\+\s?\d"), "a '+3' delay"),
    (re.compile(r"\bmin\b\.?", re.IGNORECASE), "'min'"),
    (re.compile(r"\b(Hbf|Hauptbf|Bf|Bhf|Str|Pl|Hst|Gl|Ri|ZOB|Krh|Friedh)\b\.?"),
     "an abbreviation"),
    (re.compile(r"\w(str|pl)\.(?!\s[A-ZÄÖÜ])"), "an abbreviated compound"),
    (re.compile(r"[()<>]"), "brackets or markup"),
    (re.compile(r"\b(RE|RB|IC|ICE|EC|IRE|SEV)\b"), "a train abbreviation"),
]


def problems(text: str) -> list[str]:
    return [f"{what}: {m.group(0)!r} in …{text[max(m.start() - 30, 0):m.end() + 30]}…"
            for pattern, what in FORBIDDEN for m in pattern.finditer(text)]


def _dep(**kw: Any) -> dict[str, Any]:
    dep = {"trip_id": "t", "service_date": "2026-03-04", "stop_id": "s", "stop_sequence": 1,
           "route": {"id": "50", "short_name": "50", "long_name": None, "type": 0,
                     "color": None, "text_color": None},
           "headsign": "Hechtsheim/Bürgerhaus", "scheduled": "2026-03-04T12:01:00+01:00",
           "predicted": "2026-03-04T12:03:00+01:00", "delay_s": 120, "realtime": True,
           "status": "scheduled", "platform": "L", "platform_changed": False,
           "on_request": False, "approximate": False, "frequency": None,
           "wheelchair_accessible": True, "occupancy": None, "alert_ids": []}
    dep.update(kw)
    return dep


def _document(departures: list[dict[str, Any]], alerts: list[dict[str, Any]] | None = None,
              status: str = "live", display: dict[str, Any] | None = None) -> dict[str, Any]:
    document: dict[str, Any] = {
        "stop": {"id": "s", "name": "Mainz Hbf"}, "generated_at": "2026-03-04T12:00:00+01:00",
        "realtime": {"status": status, "feed_timestamp": None},
        "departures": departures, "alerts": alerts or []}
    if display:
        document["display"] = display
    return document


def test_departures_read_as_the_issue_says() -> None:
    rail = {"id": "re3", "short_name": "RE 3", "long_name": None, "type": 2, "color": None,
            "text_color": None}
    document = _document([
        _dep(),
        _dep(trip_id="c", status="cancelled", predicted=None, delay_s=None,
             scheduled="2026-03-04T12:05:00+01:00", headsign="Finthen/Poststr."),
        _dep(trip_id="p", platform="D", platform_changed=True, delay_s=60,
             predicted="2026-03-04T12:08:00+01:00", headsign="Mainz Hbf West"),
        _dep(trip_id="r", route=rail, platform="4", delay_s=None, realtime=False,
             predicted=None, scheduled="2026-03-04T12:52:00+01:00", approximate=True,
             headsign="Frankfurt(Main)Hbf"),
        _dep(trip_id="x", headsign="nie gelesen"),
    ], display={"id": "d", "name": "intern", "title": "Hauptbahnhof", "platforms": ["L", "M"],
                "readout_rows": 4})
    readout = build_readout(board_of(document), "de", DE)
    assert readout.sentences == (
        "Haltestelle Hauptbahnhof, Steig L und M.",
        "Linie 50 nach Hechtsheim, Bürgerhaus, in 3 Minuten, 2 Minuten später als geplant, "
        "Steig L.",
        "Linie 50 nach Finthen, Poststraße, planmäßig 12 Uhr 5, fällt aus.",
        "Linie 50 nach Mainz Hauptbahnhof West, in 8 Minuten, eine Minute später als geplant, "
        "heute von Steig D.",
        "Regional-Express 3 nach Frankfurt am Main Hauptbahnhof, etwa um 12 Uhr 52, "
        "nach Fahrplan, Gleis 4.")
    assert "nie gelesen" not in readout.text, "only the display's four departures"
    english = build_readout(board_of(document), "en", EN)
    assert english.sentences[1] == ("Line 50 to Hechtsheim, Bürgerhaus, in 3 minutes, "
                                    "2 minutes late, platform L.")
    assert "12 52" in english.text and not problems(english.text)


def test_notices_after_departures_their_audio_text_first_and_status() -> None:
    alerts = [
        {"id": "u", "header": "Aufzug defekt", "description": "Aufzug Steig L ca. 14:30 "
         "wieder in Betrieb", "source": "gtfs-rt"},
        {"id": "o", "header": "Umleitung", "description": "Linie 50 über Kaiserstr.",
         "source": "operator", "display": "ticker",
         "audio": "Die Linie 50 fährt eine Umleitung über die Kaiserstraße"},
    ]
    readout = build_readout(board_of(_document([_dep(realtime=False, delay_s=None, predicted=None)],
                                      alerts, status="stale")), "de", DE)
    assert readout.sentences[:2] == ("Haltestelle Mainz Hauptbahnhof.",
                                     "Keine Echtzeitdaten, Angaben nach Fahrplan.")
    assert readout.sentences[-2:] == (
        "Hinweis: Die Linie 50 fährt eine Umleitung über die Kaiserstraße.",
        "Hinweis: Aufzug defekt. Aufzug Steig L etwa 14 Uhr 30 wieder in Betrieb.")
    takeover = dict(alerts[1], display="takeover")
    replaced = build_readout(board_of(_document([_dep()], [takeover])), "de", DE)
    assert "Linie 50 nach" not in replaced.text, "a takeover replaces the departures"
    empty = build_readout(board_of(_document([])), "de", DE)
    assert empty.sentences[-1] == "Zurzeit keine Abfahrten."


def test_hostile_notice_text_cannot_break_or_stretch_the_readout() -> None:
    hostile = ("<speak><audio src='http://evil/x.mp3'/>Achtung & </speak>\x00\x1b[31m"
               + "sehr lang " * 2000 + "]]>")
    alerts = [{"id": str(i), "header": hostile, "description": hostile, "source": "operator",
               "audio": hostile} for i in range(10)]
    readout = build_readout(board_of(_document([_dep()], alerts)), "de", DE)
    assert len(readout.text) <= MAX_CHARS
    assert not re.search(r"[<>\x00-\x1f]", readout.text)
    root = ET.fromstring(readout.ssml)                       # well-formed, nothing injected
    assert root.tag == "speak" and not root.findall(".//audio")
    assert "Linie 50" in readout.text, "the departures are still read first"


def _readouts(tt: Any, at: int, stops: list[int]) -> list[tuple[str, str]]:
    out = []
    for stop in stops:
        board = build_board(tt, stop, at, 3600, 10)
        for lang, lexicon in (("de", DE), ("en", EN)):
            out.append((tt.stop_id(stop), build_readout(board, lang, lexicon).text))
    return out


def test_no_raw_abbreviation_reaches_the_voice_on_any_demo_board(tmp_path: Path) -> None:
    tt = load_timetable(write_demo_feed(tmp_path, dt_day(DEMO_INSTANTS["1200"])), None)
    said = []
    for at in (DEMO_INSTANTS["0730"], DEMO_INSTANTS["1200"], DEMO_INSTANTS["2350"]):
        said += _readouts(tt, at, list(range(len(tt.stop_ids))))
    assert len(said) >= 100 and sum("Linie" in t or "Line" in t for _, t in said) >= 50
    wrong = [f"{stop}: {p}" for stop, text in said for p in problems(text)]
    assert not wrong, "\n".join(wrong[:30])


@pytest.mark.parametrize("feed, at", [("de-fv-2025/gtfs.zip", "2025-06-02T08:00:00+02:00"),
                                      ("de-vpe-2025/gtfs.zip", "2025-06-02T08:00:00+02:00")])
def test_no_raw_abbreviation_reaches_the_voice_on_a_real_german_feed(
        shared_data: Path, tmp_path: Path, feed: str, at: str) -> None:
    tt = load_timetable(shared_data / feed, tmp_path)
    said = _readouts(tt, instant(at), list(range(len(tt.stop_ids))))
    spoken = [t for _, t in said if "nach" in t or " to " in t]
    assert len(spoken) >= 100, "the feed has departures at that hour"
    wrong = [f"{stop}: {p}" for stop, text in said for p in problems(text)]
    assert not wrong, f"{len(wrong)} problems:\n" + "\n".join(wrong[:30])


def dt_day(epoch: int) -> Any:
    import datetime as dt
    return dt.datetime.fromtimestamp(epoch, BERLIN).date()


def test_an_invalid_timetable_is_said_as_it_is_shown() -> None:
    expired = {**_document([]), "timetable": {"status": "expired"}}
    readout = build_readout(board_of(expired), "de", DE)
    assert readout.sentences[1] == "Fahrplandaten abgelaufen – bitte Aushang beachten."
    english = build_readout(
        board_of({**_document([]), "timetable": {"status": "no_service_today"}}), "en", EN)
    assert english.sentences[1] == "No service at this stop today."
    valid = build_readout(
        board_of({**_document([_dep()]), "timetable": {"status": "valid"}}), "de", DE)
    assert valid.sentences[1].startswith("Linie 50 nach")


NOTICE_CORPUS = [
    ("Mo-Fr 6-20 Uhr", "Montag bis Freitag 6 bis 20 Uhr"),
    ("Sa/So und feiertags", "Samstag, Sonntag und feiertags"),
    ("Mo–So 24:00", "Montag bis Sonntag 24 Uhr"),
    ("Do. ab 14:30 Uhr", "Donnerstag ab 14 Uhr 30"),
    ("So fahren Sie zum Ziel.", "So fahren Sie zum Ziel."),
    ("Auskunft: Tel. 06131 12 77 77", "Auskunft: Telefon 06131 12 77 77"),
    ("Haltestelle St.-Johann-Str.", "Haltestelle Sankt-Johann-Straße"),
    ("St. Johann", "Sankt Johann"),
    ("Str. d. Republik", "Straße der Republik"),
    ("U-Bahn U2 und S-Bahn S 8", "U-Bahn 2 und S-Bahn 8"),
    ("S8 und U 2", "S-Bahn 8 und U-Bahn 2"),
    ("Betriebsschluss 24:00", "Betriebsschluss 24 Uhr"),
    ("Ersatzverkehr ab 23:59", "Ersatzverkehr ab 23 Uhr 59"),
]


@pytest.mark.parametrize("written, said", NOTICE_CORPUS)
def test_notice_texts_operators_write_are_said_in_words(written: str, said: str) -> None:
    spoken = speakable(written, "de", DE)
    assert spoken == said
    assert not problems(spoken)

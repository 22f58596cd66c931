"""LED text boards with a line budget (`?lines=`, `lines` in displays.toml): notices are paged
into what is left after the departures they must never push off the sign, and a row keeps a
readable destination (≥ 6 characters) at the narrowest width."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from displays.app import create_app
from displays.board.pillar import build_pillar
from displays.board.text import MIN_LINES, MIN_ROWS, MIN_TEXT_WIDTH, text_board
from tests.boards import board_of
from tests.instants import BERLIN, suite_settings

LONG = " ".join(["Wegen Bauarbeiten in der Ludwigsstraße entfällt die Haltestelle Höfchen."] * 9)


def _dep(minute: int, headsign: str = "Hechtsheim Bürgerhaus", status: str = "scheduled",
         platform: str | None = "12A") -> dict[str, Any]:
    return {"trip_id": f"t{minute}", "service_date": "2026-03-04", "stop_id": "s",
            "stop_sequence": 1, "route": {"id": "50", "short_name": "50", "long_name": None,
                                          "type": 0, "color": None, "text_color": None},
            "headsign": headsign, "scheduled": f"2026-03-04T12:{minute:02d}:00+01:00",
            "predicted": None, "delay_s": None, "realtime": False, "status": status,
            "platform": platform, "platform_changed": False, "on_request": False,
            "approximate": False, "frequency": None, "wheelchair_accessible": None,
            "occupancy": None, "alert_ids": []}


def _document(at: str = "2026-03-04T12:00:00+01:00") -> dict[str, Any]:
    alerts = [{"id": "a", "header": "Umleitung", "description": LONG, "source": "operator",
               "display": "alternate", "priority": 2},
              {"id": "t", "header": "Aufzug defekt", "description": "Bitte Rampe nutzen.",
               "source": "operator", "display": "ticker", "priority": 3}]
    return {"stop": {"id": "s", "name": "Höfchen"}, "generated_at": at,
            "realtime": {"status": "live", "feed_timestamp": None},
            "departures": [_dep(m) for m in range(2, 20, 3)], "alerts": alerts}


def test_a_line_budget_keeps_departures_on_the_sign_and_pages_the_notices() -> None:
    for lines in (MIN_LINES, 5, 8, 12):
        seen = ""
        for k in range(12):
            at = (dt.datetime(2026, 3, 4, 12, 0, tzinfo=BERLIN) + dt.timedelta(seconds=30 * k))
            pillar = build_pillar(board_of(_document(at.isoformat())), "de")
            board = text_board(pillar, 24, lines=lines).splitlines()
            assert len(board) <= lines, (lines, board)
            assert all(len(line) <= 24 for line in board)
            rows = [line for line in board if line.startswith("50 ")]
            assert len(rows) >= min(MIN_ROWS, lines - 3), (lines, board)
            seen += " ".join(board) + " "
        assert "Aufzug" in seen and "Umleitung" in seen, f"{lines}: every notice in turn"
    whole = text_board(build_pillar(board_of(_document()), "de"), 24).splitlines()
    assert len(whole) > 20 and "Höfchen" in " ".join(whole), "without a budget: all of it"


def test_the_destination_keeps_six_letters_at_the_narrowest_width() -> None:
    document = _document()
    document["alerts"] = []
    document["departures"] = [_dep(5, status="skipped"), _dep(8, status="cancelled"),
                              _dep(59, headsign="Hechtsheim", platform="12A")]
    for lang in ("de", "en"):
        board = text_board(build_pillar(board_of(document), lang), MIN_TEXT_WIDTH)
        rows = [line for line in board.splitlines() if line.startswith("50 ")]
        assert len(rows) == 3
        assert all(line[4:10] == "Hechts" for line in rows), (lang, rows)
        assert all(len(line) <= MIN_TEXT_WIDTH for line in rows)


async def test_lines_from_the_query_and_from_displays_toml(aiohttp_client: Any,
                                                           tmp_path: Path) -> None:
    displays = tmp_path / "displays.toml"
    displays.write_text('[displays.led]\nname = "LED Höfchen"\nstops = ["de:07315:1001"]\n'
                        'lines = 6\nline_width = 30\n', encoding="utf-8")
    client = await aiohttp_client(create_app(suite_settings(data_dir=tmp_path / "d",
                                                            displays_file=displays)))
    board = await (await client.get("/displays/led.txt")).text()
    assert len(board.splitlines()) <= 6, board
    assert len((await (await client.get("/displays/led.txt?lines=9")).text()).splitlines()) <= 9
    stop = await (await client.get("/stops/de:07315:1001.txt?lines=5")).text()
    assert len(stop.splitlines()) <= 5, stop
    for bad in ("0", str(MIN_LINES - 1), "201", "x"):
        assert (await client.get(f"/displays/led.txt?lines={bad}")).status == 400, bad

"""The realtime test network: a tiny Mainz-like feed built in code, loaded once per session.

Service day Monday 2026-06-15 (CEST, +02:00): its base ("noon minus 12 h") is 1781474400 =
2026-06-15T00:00:00+02:00. stop_sequence values are 10, 20, 30 … to catch index bugs.

    T1   R50 dir 0  HBF:1 10:00 (10) A 10:10 (20) B 10:20 (30) C 10:30 (40) D 10:40 (50)
    T2   R50 dir 0  same stops, one hour later (11:00 …)
    T3   R50 dir 1  D 11:00 (10) C 11:10 (20) B 11:20 (30) A 11:30 (40) HBF:1 11:40 (50)
    TL   R52 loop   HBF:2 09:00 (10) A 09:10 (20) B 09:20 (30) HBF:2 09:30 (40) E 09:40 (50)
    T20  R60        S1 … S20 from 12:00 every 5 min, stop_sequence 1 … 20 (RT-TU Example 2)
    TF   R51        A +0 B +5 C +10 min, frequencies 06:00–22:00 every 10 min, exact_times=1
    TN   R53 night  A 24:15 (1) B 24:30 (2) C 24:45 (3)
    TW   R50 Mon–Fri  A 08:00 (1) B 08:10 (2)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from displays.board.build import build_board
from displays.board.document import BoardDocument, board_document
from feeds import Departure, Timetable, load_timetable
from realtime.merge import MergedBoard, merge_board
from realtime.parse import parse_feed
from realtime.state import RealtimeState
from tests.gtfs_builder import GtfsBuilder
from tests.realtime.rt_builder import feed_bytes

BASE = 1781474400            # 2026-06-15T00:00:00+02:00
TS = BASE + 9 * 3600 + 55 * 60   # header timestamp 09:55:00


def hm(text: str) -> int:
    """Epoch of an HH:MM on the service day 2026-06-15."""
    h, m = text.split(":")
    return BASE + int(h) * 3600 + int(m) * 60


def network() -> GtfsBuilder:
    feed = GtfsBuilder()
    feed.add_station("HBF", "Mainz Hbf", platforms={"HBF:1": "1", "HBF:2": "2"})
    for sid, name in (("A", "Alicenplatz"), ("B", "Bahnhofstraße"), ("C", "Cityplatz"),
                      ("D", "Dom"), ("E", "Ende")):
        feed.add_stop(sid, name)
    for i in range(1, 21):
        feed.add_stop(f"S{i}", f"Halt {i}")
    for rid, name, rtype in (("R50", "50", 3), ("R51", "51", 3), ("R52", "52", 3),
                             ("R53", "N3", 3), ("R60", "60", 0)):
        feed.add_route(rid, name, route_type=rtype)
    feed.add_calendar("DAILY", "1111111", "20260601", "20260630")
    feed.add_calendar("WEEKDAY", "1111100", "20260601", "20260630")
    line = ["HBF:1", "A", "B", "C", "D"]
    feed.add_trip("T1", "R50", "DAILY", [(s, f"10:{10 * k:02d}:00") for k, s in enumerate(line)],
                  headsign="Dom", direction_id=0, first_sequence=10, sequence_step=10)
    feed.add_trip("T2", "R50", "DAILY", [(s, f"11:{10 * k:02d}:00") for k, s in enumerate(line)],
                  headsign="Dom", direction_id=0, first_sequence=10, sequence_step=10)
    feed.add_trip("T3", "R50", "DAILY",
                  [(s, f"11:{10 * k:02d}:00") for k, s in enumerate(reversed(line))],
                  headsign="Hauptbahnhof", direction_id=1, first_sequence=10, sequence_step=10)
    loop = ["HBF:2", "A", "B", "HBF:2", "E"]
    feed.add_trip("TL", "R52", "DAILY", [(s, f"09:{10 * k:02d}:00") for k, s in enumerate(loop)],
                  headsign="Ende", first_sequence=10, sequence_step=10)
    feed.add_trip("T20", "R60", "DAILY",
                  [(f"S{i}", f"{12 + (5 * (i - 1)) // 60}:{(5 * (i - 1)) % 60:02d}:00")
                   for i in range(1, 21)], headsign="Halt 20")
    feed.add_trip("TF", "R51", "DAILY",
                  [("A", "00:00:00"), ("B", "00:05:00"), ("C", "00:10:00")], headsign="Cityplatz")
    feed.add_frequency("TF", "06:00:00", "22:00:00", 600, exact_times=1)
    feed.add_trip("TN", "R53", "DAILY", [("A", "24:15:00"), ("B", "24:30:00"), ("C", "24:45:00")],
                  headsign="Cityplatz")
    feed.add_trip("TW", "R50", "WEEKDAY", [("A", "08:00:00"), ("B", "08:10:00")], headsign="B")
    return feed


@pytest.fixture(scope="session")
def tt(tmp_path_factory: pytest.TempPathFactory) -> Timetable:
    path = network().write(tmp_path_factory.mktemp("rt-net") / "network.zip")
    return load_timetable(path)


def apply(tt: Timetable, *entities: Any, ts: int = TS, source: str = "tu",
          state: RealtimeState | None = None) -> RealtimeState:
    """Return the state after applying a feed of `entities` with header timestamp `ts`."""
    return (state or RealtimeState()).apply(source, parse_feed(feed_bytes(ts, *entities)), tt)


def board(tt: Timetable, stop_id: str, at: int, state: RealtimeState | None,
          window_s: int = 3600, max_age_s: int = 300, limit: int | None = None) -> MergedBoard:
    """The merged departures, status and alerts of a stop (what every board is built from)."""
    stop = tt.find_stop(stop_id)
    assert stop >= 0, stop_id
    return merge_board(tt, stop, at, window_s, state, max_age_s, limit)


def contract(tt: Timetable, stop_id: str, at: int, state: RealtimeState | None,
             window_s: int = 3600, max_age_s: int = 300, lang: str = "de") -> BoardDocument:
    """The departures contract document of a stop's board."""
    stop = tt.find_stop(stop_id)
    assert stop >= 0, stop_id
    return board_document(build_board(tt, stop, at, window_s, realtime=state,
                                      max_age_s=max_age_s, lang=lang))


def only(b: MergedBoard, trip_id: str) -> Departure:
    """The one departure of `trip_id` on a board (fails when absent or repeated)."""
    found = [d for d in b.departures if d.trip_id == trip_id]
    assert len(found) == 1, [(d.trip_id, d.stop_id) for d in b.departures]
    return found[0]


def trip_ids(b: MergedBoard) -> list[str]:
    return [d.trip_id for d in b.departures]


@pytest.fixture
def predictions(tt: Timetable) -> Callable[..., dict[int, Departure]]:
    """Departures of one trip at every stop it departs from, keyed by stop_sequence."""

    def collect(state: RealtimeState | None, trip_id: str, stops: list[str], at: int,
                window_s: int = 4 * 3600) -> dict[int, Departure]:
        out: dict[int, Departure] = {}
        for stop_id in stops:
            for d in board(tt, stop_id, at, state, window_s).departures:
                if d.trip_id == trip_id:
                    out[d.stop_sequence] = d
        return out

    return collect


@pytest.fixture(autouse=True)
def _private_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI caches timetables; keep that cache inside the test's tmp_path."""
    monkeypatch.setenv("ABFAHRT_CACHE_DIR", str(tmp_path / "cli-cache"))

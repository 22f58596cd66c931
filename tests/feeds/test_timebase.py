"""The GTFS time base: noon minus 12 h in agency_timezone (gtfs-semantics A1.1, B #31/#33/#46).

Expected epochs are the worked Europe/Berlin 2026 table of A1.1, written out literally.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from feeds.timebase import format_gtfs_time, parse_gtfs_time, service_day_base
from tests.feeds.boards import BERLIN, board, summary
from tests.feeds.conftest import LoadFeed
from tests.feeds.scenarios import dst_nights

A1_TABLE = [
    # service date, GTFS time, epoch (A1.1)
    (dt.date(2026, 3, 29), "06:30:00", 1774758600),
    (dt.date(2026, 3, 29), "01:30:00", 1774740600),
    (dt.date(2026, 3, 29), "03:30:00", 1774747800),
    (dt.date(2026, 3, 28), "25:10:00", 1774743000),
    (dt.date(2026, 3, 28), "26:40:00", 1774748400),
    (dt.date(2026, 10, 25), "06:30:00", 1792906200),
    (dt.date(2026, 10, 25), "00:30:00", 1792884600),
    (dt.date(2026, 10, 24), "26:30:00", 1792888200),
    (dt.date(2026, 10, 24), "27:30:00", 1792891800),
]


@pytest.mark.parametrize(("service_date", "gtfs_time", "epoch"), A1_TABLE)
def test_base_plus_time_gives_the_a1_epoch(service_date: dt.date, gtfs_time: str,
                                           epoch: int) -> None:
    assert service_day_base(service_date, BERLIN) + parse_gtfs_time(gtfs_time) == epoch


@pytest.mark.parametrize(("service_date", "base"), [
    (dt.date(2026, 3, 29), 1774735200),    # 2026-03-28T22:00Z = Sat 23:00 CET, not Sun 00:00 CET
    (dt.date(2026, 3, 28), 1774652400),    # 2026-03-27T23:00Z, ordinary winter midnight
    (dt.date(2026, 10, 25), 1792882800),   # 2026-10-24T23:00Z = 01:00 CEST, not 00:00 CEST
    (dt.date(2026, 10, 24), 1792792800),   # 2026-10-23T22:00Z, ordinary summer midnight
    (dt.date(2026, 6, 15), 1781474400),    # 2026-06-14T22:00Z
])
def test_service_day_base_is_noon_minus_12h(service_date: dt.date, base: int) -> None:
    assert service_day_base(service_date, BERLIN) == base


@pytest.mark.parametrize(("text", "seconds"), [
    ("06:30:00", 23_400), ("6:30:00", 23_400), (" 06:30:00 ", 23_400),
    ("00:00:00", 0), ("25:10:00", 90_600), ("34:49:00", 125_340), ("100:00:01", 360_001),
])
def test_parse_gtfs_time_accepts_hh_and_h(text: str, seconds: int) -> None:
    assert parse_gtfs_time(text) == seconds


@pytest.mark.parametrize("text", ["", "06:30", "06:60:00", "06:30:60", "6h30", "-1:00:00",
                                  "06:3O:00", "06:30:00.5"])
def test_parse_gtfs_time_refuses_other_text(text: str) -> None:
    with pytest.raises(ValueError, match="H:MM:SS"):
        parse_gtfs_time(text)


def test_format_gtfs_time_keeps_hours_past_24() -> None:
    assert format_gtfs_time(90_600) == "25:10:00"
    assert format_gtfs_time(0) == "00:00:00"


def test_spring_forward_board_has_the_a1_epochs(load_feed: LoadFeed) -> None:
    tt = load_feed(dst_nights())
    # Sat 2026-03-28 22:00 CET .. Sun 2026-03-29 12:00 CEST
    deps = board(tt, "A", 1774731600, 1774778400)
    assert summary(deps) == [
        ("sun-0030", "2026-03-29", 1774737000),   # 00:30:00 on Sun = Sat 23:30 CET
        ("sun-0130", "2026-03-29", 1774740600),   # 01:30:00 on Sun = 00:30 CET
        ("sat-2510", "2026-03-28", 1774743000),   # Sun 01:10 CET
        ("sat-2630", "2026-03-28", 1774747800),   # Sun 03:30 CEST: same instant as ...
        ("sun-0330", "2026-03-29", 1774747800),   # ... this one; ties sort by trip_id
        ("sat-2640", "2026-03-28", 1774748400),   # Sun 03:40 CEST (02:xx does not exist)
        ("sat-2730", "2026-03-28", 1774751400),
        ("sun-0630", "2026-03-29", 1774758600),   # 06:30 CEST
    ]


def test_fall_back_board_has_the_a1_epochs(load_feed: LoadFeed) -> None:
    tt = load_feed(dst_nights())
    # Sat 2026-10-24 22:00 CEST .. Sun 2026-10-25 12:00 CET
    deps = board(tt, "A", 1792872000, 1792926000)
    assert summary(deps) == [
        ("sat-2510", "2026-10-24", 1792883400),   # Sun 01:10 CEST
        ("sun-0030", "2026-10-25", 1792884600),   # 00:30:00 on Sun = 01:30 CEST
        ("sat-2630", "2026-10-24", 1792888200),   # Sun 02:30 CEST: same instant as ...
        ("sun-0130", "2026-10-25", 1792888200),   # ... 01:30:00 on Sun; ties sort by trip_id
        ("sat-2640", "2026-10-24", 1792888800),
        ("sat-2730", "2026-10-24", 1792891800),   # Sun 02:30 CET (the second 02:30)
        ("sun-0330", "2026-10-25", 1792895400),   # 03:30 CET (base 01:00 CEST + 3.5 h)
        ("sun-0630", "2026-10-25", 1792906200),   # 06:30 CET
    ]


def test_the_classic_midnight_bug_epochs_are_absent(load_feed: LoadFeed) -> None:
    """local midnight + seconds would give 07:30 CEST / 05:30 CET for 06:30 (A1.1)."""
    tt = load_feed(dst_nights())
    spring = {d.scheduled for d in board(tt, "A", 1774731600, 1774778400)}
    autumn = {d.scheduled for d in board(tt, "A", 1792872000, 1792926000)}
    assert 1774762200 not in spring and 1774758600 in spring
    assert 1792902600 not in autumn and 1792906200 in autumn


def test_core_never_reads_the_clock() -> None:
    """Style principle 2: time is an argument; no now()/time()/today() in feeds/."""
    root = Path(__file__).resolve().parents[2] / "feeds"
    clock = re.compile(r"\b(now|utcnow|today)\(|time\.time\(|time\.monotonic\(")
    offenders = [f"{p.name}:{n}" for p in sorted(root.glob("*.py"))
                 for n, line in enumerate(p.read_text().splitlines(), 1) if clock.search(line)]
    assert offenders == []


def test_times_are_in_agency_timezone_not_stop_timezone(load_feed: LoadFeed) -> None:
    """A1.8: stop_timezone affects display only; 06:30:00 on Sun 2026-03-29 stays 06:30 CEST."""
    feed = dst_nights()
    for stop in feed.stops:
        stop["stop_timezone"] = "America/New_York"
    tt = load_feed(feed)
    assert tt.timezone == "Europe/Berlin"
    deps = board(tt, "A", 1774758600, 1774758601)
    assert summary(deps) == [("sun-0630", "2026-03-29", 1774758600)]

"""Every feed in ../shared/data loads, matches its SOURCE.md counts, and answers the contract.

Counts are the SOURCE.md figures ("lines minus header"), with two corrections checked by hand
with `wc -l` and a look at the bytes: bart-2019 routes.txt ends in a blank line (SOURCE.md says 9,
there are 8 routes) and hart-2018 calendar_dates.txt has two blank lines (SOURCE.md: "11 rows
(9 dated)"). Exclusions were checked independently of feeds/ with pandas on the unzipped files:
de-fv-2025 has 18 trips with one stop_time; cutr's trip 18.bogus runs 23:20 -> 00:25; the amazon
fixture has 6 trips with a repeated stop_sequence, 363 without a time at the first or last stop
and 3 whose times run backwards (70 good trips, 221 rows).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import gtfs_kit
import numpy as np
import pytest

from displays.cli.main import main
from feeds import FeedInvalid, Timetable, find_departures, load_timetable
from tests.feeds.test_cli import DEPARTURE_KEYS, TOP_KEYS

D = dt.date


@dataclass(frozen=True)
class Expected:
    timezone: str
    stops: int
    routes: int
    trips: int
    stop_times: int
    span: tuple[dt.date, dt.date]        # earliest .. latest date in calendar/calendar_dates
    calendar_dates: int | None = None
    excluded: dict[str, int] = field(default_factory=dict)
    kept_stop_times: int | None = None   # when trips are excluded
    location_types: dict[int, int] = field(default_factory=dict)


FEEDS: dict[str, Expected] = {
    "auckland-2016/gtfs.zip": Expected("Pacific/Auckland", 311, 3, 583, 39_011,
                                       (D(2016, 4, 17), D(2016, 8, 1)), 1043),
    "bart-2019/gtfs.zip": Expected("America/Los_Angeles", 48, 8, 2641, 32_185,
                                   (D(2019, 2, 11), D(2020, 2, 10)), 12),
    "caltrain-2023/gtfs.zip": Expected("America/Los_Angeles", 109, 9, 176, 3498,
                                       (D(2023, 9, 23), D(2024, 6, 1)), 20,
                                       location_types={1: 31}),
    "de-fv-2025/gtfs.zip": Expected("Europe/Berlin", 1139, 94, 4863, 47_288,
                                    (D(2025, 11, 9), D(2025, 12, 9)), 1666,
                                    excluded={"too_few_stop_times": 18},
                                    kept_stop_times=47_270,
                                    location_types={1: 529, 0: 610}),
    "de-fv-light-2022/gtfs.zip": Expected("Europe/Berlin", 1449, 100, 2776, 28_701,
                                          (D(2022, 10, 2), D(2022, 10, 9)), 8,
                                          location_types={0: 1449}),
    "de-vpe-2025/gtfs.zip": Expected("Europe/Berlin", 490, 14, 454, 10_957,
                                     (D(2024, 12, 15), D(2025, 12, 12)), 1326,
                                     location_types={1: 197, 0: 293}),
    "edge-cases/google-sample-feed-1.zip": Expected(
        "America/Los_Angeles", 9, 5, 11, 28, (D(2007, 1, 1), D(2010, 12, 31)), 1),
    "edge-cases/bullrunner-gtfs.zip": Expected(
        "America/New_York", 125, 6, 15, 473, (D(2015, 1, 1), D(2020, 12, 31))),
    "edge-cases/cutr-testagency.zip": Expected(
        "America/New_York", 24, 18, 33, 80, (D(2009, 1, 1), D(2050, 1, 1)),
        excluded={"time_travel": 1}, kept_stop_times=78),
    "edge-cases/partridge-caltrain-2017-07-24.zip": Expected(
        "America/Los_Angeles", 64, 4, 188, 2697, (D(2017, 7, 15), D(2019, 7, 20)), 642),
    "edge-cases/partridge-seattle-area-2017-11-16.zip": Expected(
        "America/Los_Angeles", 259, 14, 3888, 57_205, (D(2017, 11, 18), D(2018, 3, 9))),
    "edge-cases/partridge-region-nord-v2.zip": Expected(
        "Europe/Oslo", 3693, 181, 1098, 26_890, (D(2019, 1, 1), D(2019, 2, 1)), 333),
    "edge-cases/partridge-amazon-2017-08-06.zip": Expected(
        "America/Los_Angeles", 35, 50, 442, 1861, (D(2017, 8, 1), D(2017, 8, 7)),
        excluded={"duplicate_stop_sequence": 6, "missing_trip_edge": 363, "time_travel": 3},
        kept_stop_times=221),
    "edge-cases/partridge-trimet-vermont-2018-02-06.zip": Expected(
        "America/Los_Angeles", 102, 1, 78, 4133, (D(2017, 11, 20), D(2018, 6, 1))),
    "hart-2018/gtfs.zip": Expected("America/New_York", 2349, 45, 14_718, 435_507,
                                   (D(2018, 2, 25), D(2018, 10, 20)), 9),
    "wmata-2026/gtfs.zip": Expected("America/New_York", 2175, 7, 16_514, 352_668,
                                    (D(2026, 4, 29), D(2026, 9, 6)), 82,
                                    location_types={0: 125, 1: 98, 2: 239, 3: 1713}),
}
REFUSED = {"nyct-rt-edgecases/static-partial-stops-trips.zip": "agency.txt"}


@pytest.fixture(scope="session")
def real_timetable(shared_data: Path) -> Callable[[str], Timetable]:
    """Load each real feed at most once per session."""
    loaded: dict[str, Timetable] = {}

    def get(name: str) -> Timetable:
        if name not in loaded:
            loaded[name] = load_timetable(shared_data / name)
        return loaded[name]

    return get


def test_every_zip_in_shared_data_is_covered(shared_data: Path) -> None:
    found = {str(p.relative_to(shared_data)) for p in shared_data.rglob("*.zip")}
    assert found == set(FEEDS) | set(REFUSED)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_partial_feed_is_refused_clearly(shared_data: Path, name: str) -> None:
    with pytest.raises(FeedInvalid) as info:
        load_timetable(shared_data / name)
    assert str(info.value) == f"{REFUSED[name]}: required file is missing or empty"


@pytest.mark.parametrize("name", sorted(FEEDS))
def test_counts_match_source_md(real_timetable: Callable[[str], Timetable], name: str) -> None:
    tt, want = real_timetable(name), FEEDS[name]
    assert tt.timezone == want.timezone
    read = tt.source_counts
    assert (read["stops"], read["routes"], read["trips"], read["stop_times"]) == (
        want.stops, want.routes, want.trips, want.stop_times)
    assert (len(tt.stop_ids), len(tt.routes), len(tt.trip_ids)) == (
        want.stops, want.routes, want.trips)
    assert read.get("calendar_dates") == want.calendar_dates or want.calendar_dates is None
    assert (tt.first_day, tt.day_of(tt.n_days - 1)) == want.span
    first, last = tt.calendar_range() or (None, None)
    assert first is not None and last is not None
    assert want.span[0] <= first <= last <= want.span[1]
    assert tt.excluded == want.excluded
    kept = want.kept_stop_times if want.kept_stop_times is not None else want.stop_times
    assert len(tt.st_trip) == kept
    counts = Counter(int(v) for v in tt.stop_location_type)
    assert {k: counts[k] for k in want.location_types} == want.location_types


@pytest.mark.parametrize("name", sorted(n for n, e in FEEDS.items() if e.excluded))
def test_excluded_trips_account_for_the_missing_rows(
        shared_data: Path, real_timetable: Callable[[str], Timetable], name: str) -> None:
    tt = real_timetable(name)
    empty = tt.trip_st_end == tt.trip_st_start
    trip_reasons = {k: v for k, v in tt.excluded.items()
                    if k not in ("orphan_stop_times", "bad_frequency")}
    assert int(empty.sum()) == sum(trip_reasons.values())
    with zipfile.ZipFile(shared_data / name) as zf:
        text = zf.read("stop_times.txt").decode("utf-8-sig")
    rows_per_trip = Counter(r["trip_id"] for r in csv.DictReader(io.StringIO(text)))
    dropped = sum(rows_per_trip[tt.trip_id(int(t))] for t in np.flatnonzero(empty))
    assert len(tt.st_trip) + dropped == tt.source_counts["stop_times"]


def _busy_instant(tt: Timetable) -> tuple[str, int]:
    """Return the busiest boarding stop and an instant 10 min before one of its departures on an
    active day in the middle of the calendar."""
    stop = int(np.argmax(np.diff(tt.ix_ptr)))
    lo, hi = int(tt.ix_ptr[stop]), int(tt.ix_ptr[stop + 1])
    first, last = tt.calendar_range()  # type: ignore[misc]
    middle = tt.day_index(first) + (last - first).days // 2
    for day in list(range(middle, tt.n_days)) + list(range(middle)):
        services = tt.trip_service[tt.st_trip[tt.ix_st[lo:hi]]]
        active = np.flatnonzero(tt.service_active[services, day])
        if active.size:
            row = lo + int(active[active.size // 2])
            return tt.stop_id(stop), int(tt.day_base[day]) + int(tt.ix_dep[row]) - 600
    raise AssertionError("no active departure at the busiest stop")


@pytest.mark.parametrize("name", sorted(FEEDS))
def test_cli_board_answers_the_contract(shared_data: Path,
                                        real_timetable: Callable[[str], Timetable],
                                        capsys: pytest.CaptureFixture[str], name: str) -> None:
    tt = real_timetable(name)
    stop_id, at = _busy_instant(tt)
    zone = ZoneInfo(tt.timezone)
    at_iso = dt.datetime.fromtimestamp(at, zone).isoformat()
    code = main(["departures", "--feed", str(shared_data / name), "--stop", stop_id,
                 "--at", at_iso, "--window", "60", "--json"])
    out, err = capsys.readouterr()
    # a build that runs longer than a second (a busy machine) says so; nothing else is said
    said = [line for line in err.splitlines() if not line.startswith("abfahrt: timetable build")]
    assert (code, said) == (0, [])
    doc: dict[str, Any] = json.loads(out)
    assert set(doc) == TOP_KEYS
    assert doc["stop"]["id"] == stop_id and isinstance(doc["stop"]["name"], str)
    assert doc["generated_at"] == at_iso
    deps = doc["departures"]
    assert deps, "a departure 10 minutes after --at must be listed"
    times = []
    for d in deps:
        assert set(d) == DEPARTURE_KEYS
        when = dt.datetime.fromisoformat(d["scheduled"])
        assert when.utcoffset() == when.astimezone(zone).utcoffset()
        times.append((int(when.timestamp()), d["trip_id"]))
        assert isinstance(d["stop_sequence"], int) and isinstance(d["route"]["type"], int)
        assert d["stop_id"] == stop_id
        assert d["predicted"] is None and d["realtime"] is False and d["status"] == "scheduled"
        dt.date.fromisoformat(d["service_date"])
        assert d["frequency"] is None or d["frequency"]["headway_s"] > 0
        assert d["wheelchair_accessible"] in (True, False, None)
    assert times == sorted(times)
    assert all(at <= t < at + 3600 for t, _ in times)
    assert at + 600 in {t for t, _ in times}


@pytest.mark.parametrize(("name", "date"), [
    ("caltrain-2023/gtfs.zip", "20231107"),
    ("de-vpe-2025/gtfs.zip", "20250602"),
    ("bart-2019/gtfs.zip", "20190807"),
])
def test_full_day_matches_gtfs_kit_stop_timetable(shared_data: Path,
                                                  real_timetable: Callable[[str], Timetable],
                                                  name: str, date: str) -> None:
    """Cross-check one service date at the busiest stop against gtfs-kit (an independent reader):
    its stop timetable minus each trip's last stop and pickup_type=1 rows."""
    tt = real_timetable(name)
    stop = int(np.argmax(np.diff(tt.ix_ptr)))
    stop_id = tt.stop_id(stop)
    feed = gtfs_kit.read_feed(shared_data / name, dist_units="km")
    table = gtfs_kit.build_stop_timetable(feed, stop_id, [date])
    last_seq = feed.stop_times.groupby("trip_id")["stop_sequence"].max()
    table = table[table["stop_sequence"] != table["trip_id"].map(last_seq)]
    if "pickup_type" in table:
        table = table[table["pickup_type"].fillna(0) != 1]
    want = sorted(zip(table["trip_id"], table["departure_time"].map(_seconds), strict=True))

    day = dt.date(int(date[:4]), int(date[4:6]), int(date[6:]))
    base = int(tt.day_base[tt.day_index(day)])
    got = sorted((d.trip_id, d.scheduled - base)
                 for d in find_departures(tt, stop, base - 86_400, base + 3 * 86_400)
                 if d.service_date == day)
    assert len(want) > 20
    assert got == want


def _seconds(text: str) -> int:
    h, m, s = (int(x) for x in text.split(":"))
    return h * 3600 + m * 60 + s

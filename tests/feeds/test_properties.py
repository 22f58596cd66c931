"""Hypothesis properties over small generated feeds and instants (A1.1, A1.4, design.md).

The oracle enumerates, straight from the generated rows, every (trip, service date, stop_sequence)
that is a departure: not the trip's last row, pickup_type != 1, service active that date, and
epoch = UTC(local noon of the date) - 12 h + time. The timetable must answer exactly that set.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from feeds import find_departures, load_timetable
from feeds.timebase import service_day_base
from tests.feeds.boards import BERLIN
from tests.gtfs_builder import GtfsBuilder

STOPS = ("A", "B", "C", "D")
FIRST = dt.date(2026, 3, 23)           # Mon; the feed runs two weeks across the spring switch
DAYS = 14


def _noon_minus_12h(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, 12, tzinfo=BERLIN).timestamp()) - 43_200


def _hms(t: int) -> str:
    return f"{t // 3600:02d}:{t % 3600 // 60:02d}:{t % 60:02d}"


trip_strategy = st.fixed_dictionaries({
    "stops": st.lists(st.sampled_from(STOPS), min_size=2, max_size=5),
    "start": st.integers(0, 30 * 3600),
    "gaps": st.lists(st.integers(0, 1800), min_size=5, max_size=5),
    "pickup": st.lists(st.sampled_from([0, 0, 1, 2, 3]), min_size=5, max_size=5),
    "service": st.sampled_from(["WK", "WE", "ALL", "CD"]),
})
feed_strategy = st.lists(trip_strategy, min_size=1, max_size=6)
SERVICES = {"WK": "1111100", "WE": "0000011", "ALL": "1111111"}
CD_DATES = (dt.date(2026, 3, 28), dt.date(2026, 3, 29), dt.date(2026, 4, 1))


def _build(trips: list[dict[str, Any]]) -> tuple[GtfsBuilder, set[tuple[str, str, int, int]]]:
    feed = GtfsBuilder()
    for s in STOPS:
        feed.add_stop(s)
    feed.add_route("R")
    last = FIRST + dt.timedelta(days=DAYS - 1)
    for sid, flags in SERVICES.items():
        feed.add_calendar(sid, flags, FIRST.strftime("%Y%m%d"), last.strftime("%Y%m%d"))
    for day in CD_DATES:
        feed.add_date("CD", day.strftime("%Y%m%d"), 1)
    oracle: set[tuple[str, str, int, int]] = set()
    for n, trip in enumerate(trips):
        trip_id = f"t{n}"
        t = trip["start"]
        rows = []
        for k, stop in enumerate(trip["stops"]):
            t += trip["gaps"][k]
            rows.append((stop, _hms(t), _hms(t), {"pickup_type": trip["pickup"][k]}))
        feed.add_trip(trip_id, "R", trip["service"], rows)
        for d in range(DAYS):
            day = FIRST + dt.timedelta(days=d)
            sid = trip["service"]
            runs = (day in CD_DATES) if sid == "CD" else SERVICES[sid][day.weekday()] == "1"
            if not runs:
                continue
            for k, (stop, hms, _, extra) in enumerate(rows[:-1]):
                if extra["pickup_type"] != 1:
                    h, m, s = (int(x) for x in hms.split(":"))
                    oracle.add((trip_id, stop, k + 1, _noon_minus_12h(day) + h * 3600 + m * 60 + s))
    return feed, oracle


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trips=feed_strategy, data=st.data(), window=st.integers(1, 6 * 3600))
def test_board_is_exactly_the_oracle_window(trips: list[dict[str, Any]], data: st.DataObject,
                                            window: int) -> None:
    feed, oracle = _build(trips)
    with tempfile.TemporaryDirectory() as tmp:
        tt = load_timetable(feed.write(Path(tmp) / "f.zip"))
    if oracle and data.draw(st.booleans(), label="near a departure"):
        # mostly aim the window at a real departure, so boards are rarely empty
        _, stop, _, epoch = data.draw(st.sampled_from(sorted(oracle)), label="target")
        at = epoch - data.draw(st.integers(0, window - 1), label="lead")
    else:
        stop = data.draw(st.sampled_from(STOPS), label="stop")
        at = _noon_minus_12h(FIRST) + data.draw(st.integers(0, (DAYS + 1) * 86_400))
    deps = find_departures(tt, tt.find_stop(stop), at, at + window)
    got = [(d.trip_id, d.stop_id, d.stop_sequence, d.scheduled) for d in deps]
    # every departure lies in [at, at + window) and is sorted by (time, trip_id)
    assert all(at <= d.scheduled < at + window for d in deps)
    assert [d.sort_key() for d in deps] == sorted(d.sort_key() for d in deps)
    # none is a trip's last stop_time or a pickup_type=1 row; nothing is missing
    want = {o for o in oracle if o[1] == stop and at <= o[3] < at + window}
    assert len(got) == len(set(got))
    assert set(got) == want
    event(f"departures listed: {min(len(got), 3)}+")
    # the service date is the one whose base the time counts from
    for d in deps:
        assert d.scheduled - _noon_minus_12h(d.service_date) >= 0


ALL_2026 = [dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(365)]


@settings(max_examples=60, deadline=None)
@given(gtfs_time=st.integers(0, 48 * 3600 - 1))
def test_epoch_round_trips_to_service_date_and_time_for_every_day_of_2026(
        gtfs_time: int) -> None:
    for day in ALL_2026:
        base = service_day_base(day, BERLIN)
        epoch = base + gtfs_time
        assert epoch - service_day_base(day, BERLIN) == gtfs_time
        # noon of the service day is exactly 12 h after the base, on every day
        noon = dt.datetime.fromtimestamp(base + 43_200, BERLIN)
        assert (noon.date(), noon.hour, noon.minute) == (day, 12, 0)
        # on days without a switch, time-of-day on the wall clock is the GTFS time
        wall = dt.datetime.fromtimestamp(epoch, BERLIN)
        start = dt.datetime(day.year, day.month, day.day, tzinfo=BERLIN)
        end = start + dt.timedelta(days=3)
        if start.utcoffset() == end.utcoffset():
            days, rest = divmod(gtfs_time, 86_400)
            assert wall.date() == day + dt.timedelta(days=days)
            assert wall.hour * 3600 + wall.minute * 60 + wall.second == rest


def test_service_day_base_is_local_midnight_except_on_the_two_switch_days() -> None:
    differ = [d for d in ALL_2026 if service_day_base(d, BERLIN) != int(
        dt.datetime(d.year, d.month, d.day, tzinfo=BERLIN).timestamp())]
    assert differ == [dt.date(2026, 3, 29), dt.date(2026, 10, 25)]

"""A feed cut to a region: boards of the region's stops are those of the full build, the rest is
left out, the region is part of the cache key, and the region text gives clear errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from feeds import Region, RegionError, Timetable, find_departures, load_timetable, parse_region
from feeds.region import Region as RegionType


def _region_stops(tt: Timetable, region: RegionType) -> list[str]:
    """The full timetable's stops in the region, with the platforms of its stations."""
    inside = region.contains(tt.stop_ids, tt.stop_lat, tt.stop_lon)
    for stop in np.flatnonzero(inside):
        inside[tt.children(int(stop))] = True
    return [tt.stop_id(int(s)) for s in np.flatnonzero(inside)]


def _board(tt: Timetable, stop_id: str, at: int) -> list[tuple[object, ...]]:
    return [(d.trip_id, d.service_date, d.stop_id, d.stop_sequence, d.scheduled, d.headsign,
             d.route, d.platform, d.on_request, d.approximate, d.headway_s,
             d.wheelchair_accessible, d.direction_id)
            for d in find_departures(tt, tt.find_stop(stop_id), at, at + 3 * 3600)]


def _instants(tt: Timetable, hours: tuple[int, ...]) -> list[int]:
    span = tt.calendar_range()
    assert span is not None
    first = span[0] + dt.timedelta(days=7)
    days = [first + dt.timedelta(days=d) for d in (0, 1, 5, 6)]
    return [int(dt.datetime(d.year, d.month, d.day, h, tzinfo=tt.zone).timestamp())
            for d in days for h in hours]


@pytest.mark.parametrize(("feed", "text", "hours"), [
    ("de-vpe-2025/gtfs.zip", "de:08231", (5, 7, 12, 17, 22)),        # Pforzheim by DHID
    ("de-fv-2025/gtfs.zip", "49.95,8.15,50.05,8.35", (6, 12, 18)),   # a box around Mainz
    ("hart-2018/gtfs.zip", "27.93,-82.47,27.96,-82.44", (6, 8, 17)),  # downtown Tampa
])
def test_boards_of_the_region_equal_the_full_build(shared_data: Path, tmp_path: Path,
                                                   feed: str, text: str,
                                                   hours: tuple[int, ...]) -> None:
    path = shared_data / feed
    region = parse_region(text)
    full = load_timetable(path, tmp_path / "cache")
    cut = load_timetable(path, tmp_path / "cache", region=region)
    assert cut.region == region.key and cut.feed_hash != full.feed_hash
    stops = _region_stops(full, region)
    assert stops and len(cut.trip_ids) < len(full.trip_ids)
    assert len(cut.stop_ids) < len(full.stop_ids)
    listed = 0
    for stop_id in stops:
        for at in _instants(full, hours):
            expected = _board(full, stop_id, at)
            assert _board(cut, stop_id, at) == expected, (stop_id, at)
            listed += len(expected)
        assert cut.stop_name[cut.find_stop(stop_id)] == full.stop_name[full.find_stop(stop_id)]
    assert listed > 50
    # nothing else: every kept trip calls at a stop of the region
    in_region = np.zeros(len(cut.stop_ids), dtype=bool)
    in_region[[cut.find_stop(s) for s in stops]] = True
    calls = np.zeros(len(cut.trip_ids), dtype=bool)
    calls[cut.st_trip[in_region[cut.st_stop]]] = True
    assert calls[cut.trip_st_start < cut.trip_st_end].all()


def test_regions_of_one_zip_live_side_by_side_in_the_cache(shared_data: Path,
                                                           tmp_path: Path) -> None:
    path = shared_data / "de-vpe-2025" / "gtfs.zip"
    cache = tmp_path / "cache"
    a = load_timetable(path, cache, region=parse_region("de:08231"))
    b = load_timetable(path, cache, region=parse_region("de:08236"))
    assert len({a.feed_hash, b.feed_hash}) == 2
    assert len(list(cache.glob("timetable-*"))) == 2
    again = load_timetable(path, cache, region=parse_region(" de:08231 ; "))
    assert again.feed_hash == a.feed_hash and isinstance(again.st_dep.base, np.memmap)
    assert set(again.stop_ids.tolist()) == set(a.stop_ids.tolist())


def test_a_region_without_trips_is_a_clear_error(shared_data: Path) -> None:
    from feeds import FeedInvalid
    with pytest.raises(FeedInvalid, match="no trip calls at a stop of the region"):
        load_timetable(shared_data / "de-vpe-2025" / "gtfs.zip",
                       region=parse_region("de:09162"))


def test_region_text() -> None:
    assert parse_region("de:07315") == Region(prefixes=("de:07315",))
    assert parse_region("49.95, 8.15, 50.05, 8.35") == Region(boxes=((49.95, 8.15, 50.05, 8.35),))
    both = parse_region("de:07315;50.0,8.17,50.1,8.3;de:06414")
    assert both.boxes == ((50.0, 8.17, 50.1, 8.3),)
    assert both.prefixes == ("de:07315", "de:06414")
    assert both.key == "50,8.17,50.1,8.3;de:06414;de:07315"
    assert parse_region("de:06414;de:07315").key == parse_region("de:07315 ; de:06414").key


@pytest.mark.parametrize(("text", "says"), [
    ("", "empty"),
    (" ; ", "empty"),
    ("49.9,8.1,50.1", "four numbers"),
    ("50.1,8.1,49.9,8.3", "lat_min <= lat_max"),
    ("49.9,8.1,50.1,200", "lon_max <= 180"),
    ("de:07315,de:06414", "separate parts with ';'"),
    ("Mainz Hbf", "no spaces"),
    ("nan,8,50,9", "not a number"),
])
def test_bad_region_text_says_why(text: str, says: str) -> None:
    with pytest.raises(RegionError, match=says):
        parse_region(text)

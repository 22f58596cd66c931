"""Several regions served from one installation (issue 16, item 3): one real feed, cut to two
regions, served side by side by two `abfahrt serve` processes on one data folder (one cache);
every board of a stop in a region is the full feed's, document for document."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from displays.service.config.settings import SettingsError, load_settings
from feeds import Timetable, load_timetable, parse_region
from feeds.region import Region
from tests.faults.harness import ServiceProcess

FEED = "de-vpe-2025/gtfs.zip"              # Pforzheim-Enzkreis, DELFI-style stop ids
REGIONS = ("de:08231", "de:08215;de:08235")   # Pforzheim / the Karlsruhe and Calw districts
HOURS = (6, 13, 17)


def region_stops(tt: Timetable, region: Region) -> list[str]:
    """The full timetable's stops in the region, with the platforms of its stations."""
    inside = region.contains(tt.stop_ids, tt.stop_lat, tt.stop_lon)
    for stop in np.flatnonzero(inside):
        inside[tt.children(int(stop))] = True
    return [tt.stop_id(int(s)) for s in np.flatnonzero(inside)]


def instants(tt: Timetable) -> list[str]:
    span = tt.calendar_range()
    assert span is not None
    days = [span[0] + dt.timedelta(days=d) for d in (10, 12, 16)]   # weekdays and a weekend
    return [dt.datetime(d.year, d.month, d.day, h, tzinfo=tt.zone).isoformat()
            for d in days for h in HOURS]


def board(service: ServiceProcess, stop_id: str, at: str) -> tuple[int, Any]:
    query = urllib.parse.urlencode({"at": at, "window": 180, "limit": 300})
    path = f"/api/v1/stops/{urllib.parse.quote(stop_id, safe='')}/departures?{query}"
    try:
        with urllib.request.urlopen(service.url + path, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, None


def test_two_regions_served_side_by_side_match_the_full_feed(shared_data: Path,
                                                             tmp_path: Path) -> None:
    feed = shared_data / FEED
    full_tt = load_timetable(feed)
    data = tmp_path / "installation"          # one data folder, so one timetable cache
    services = [ServiceProcess(data, ["--feed", str(feed)])]
    services += [ServiceProcess(data, ["--feed", str(feed), "--region", text])
                 for text in REGIONS]
    try:
        for service in services:
            service.start(ready_timeout_s=60)
        full, *cut = services
        assert full.get_json("/api/v1/status")["static"]["region"] is None
        cached = sorted(p.name for p in (data / "cache").glob("timetable-*"))
        assert len(cached) == 3, cached         # the whole feed and each region, side by side
        compared = departures = 0
        for text, service in zip(REGIONS, cut, strict=True):
            region = parse_region(text)
            stops = region_stops(full_tt, region)
            assert stops
            static = service.get_json("/api/v1/status")["static"]
            assert static["region"] == region.key
            assert len(stops) <= static["stops"] < len(full_tt.stop_ids)
            for stop_id in stops:
                for at in instants(full_tt):
                    expected = board(full, stop_id, at)
                    got = board(service, stop_id, at)
                    assert got == expected, (text, stop_id, at)
                    assert got[0] == 200
                    compared += 1
                    departures += len(got[1]["departures"])
            # a stop no kept trip calls at is not in the region's timetable at all
            outside = sorted(set(full_tt.stop_ids.astype(str).tolist()) - set(stops))
            missing = [s for s in outside if board(service, s, instants(full_tt)[0])[0] == 404]
            assert missing, f"region {text} serves every stop of the feed"
        assert compared > 100 and departures > 500, (compared, departures)
    finally:
        for service in services:
            service.stop()
    logs = "".join(s.log_path.read_text() for s in services)
    assert all(f"region {parse_region(text).key}" in logs for text in REGIONS)


@pytest.mark.parametrize(("value", "says"), [
    ("1,2,3", "a box needs four numbers"),
    ("de:07315 x", "no spaces or commas"),
    ("91,0,92,1", "-90 <= lat_min"),
])
def test_a_bad_region_setting_is_named_with_its_variable(value: str, says: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"ABFAHRT_REGION": value})
    assert f"ABFAHRT_REGION={value!r}" in str(caught.value) and says in str(caught.value)
    with pytest.raises(SettingsError, match="--region"):
        load_settings({}, region=value)


async def test_the_last_good_timetable_is_kept_per_region(shared_data: Path,
                                                          tmp_path: Path) -> None:
    import shutil

    from displays.service.static.build import build_timetable, keep_last_good, open_last_good

    feed, source = shared_data / FEED, "https://feeds.example/vpe.zip"
    folder, cache = tmp_path / "feeds", tmp_path / "cache"
    city, districts = parse_region(REGIONS[0]), parse_region(REGIONS[1])
    tt = await build_timetable(feed, cache, None, region=city)
    assert tt.region == city.key
    keep_last_good(folder, source, feed, tt, city)
    assert await open_last_good(folder, source, cache, None, districts) is None
    assert await open_last_good(folder, source, cache, None) is None      # the whole feed
    kept = await open_last_good(folder, source, cache, None, city)
    assert kept is not None and kept.feed_hash == tt.feed_hash
    shutil.rmtree(cache)                      # gone: rebuilt from the kept copy of the zip
    rebuilt = await open_last_good(folder, source, cache, None, city)
    assert rebuilt is not None and rebuilt.feed_hash == tt.feed_hash
    assert len(rebuilt.stop_ids) == len(tt.stop_ids)

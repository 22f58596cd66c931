"""The on-disk timetable cache: a second load reuses it; a damaged file is rebuilt."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import feeds.load
from feeds import Timetable, load_timetable
from feeds.cache import cache_path
from tests.feeds.boards import board
from tests.gtfs_builder import GtfsBuilder

DAY = (1781474400, 1781474400 + 30 * 3600)      # service date Mon 2026-06-15


@pytest.fixture
def feed_zip(tmp_path: Path) -> Path:
    feed = GtfsBuilder()
    feed.add_station("HBF", "Mainz Hbf", platforms={"HBF:1": "1"})
    feed.add_stop("B", "Bismarckplatz").add_stop("C", "Kastel")
    feed.add_route("R", "6", color="00A0E1")
    feed.add_date("MON", "20260615", 1)
    feed.add_trip("t", "R", "MON", [("HBF:1", "06:00:00", "06:00:00", {"stop_headsign": "Kastel"}),
                                    ("B", "06:10:00"), ("C", "06:20:00")], headsign="Wiesbaden")
    feed.add_trip("f", "R", "MON", [("HBF:1", "00:00:00"), ("C", "00:10:00")])
    feed.add_frequency("f", "07:00:00", "08:00:00", 1200, 0)
    return feed.write(tmp_path / "feed.zip")


@pytest.fixture
def counted_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count calls of the builder that load_timetable uses."""
    calls: list[int] = []
    real = feeds.load.build_timetable

    def counting(tables: object) -> Timetable:
        calls.append(1)
        return real(tables)  # type: ignore[arg-type]

    monkeypatch.setattr(feeds.load, "build_timetable", counting)
    return calls


def _answers(tt: Timetable) -> list[tuple[object, ...]]:
    return [(d.trip_id, d.service_date, d.stop_id, d.scheduled, d.headsign, d.route,
             d.headway_s, d.approximate, d.platform) for d in board(tt, "HBF", *DAY)]


def test_second_load_comes_from_the_cache(feed_zip: Path, tmp_path: Path,
                                          counted_builds: list[int],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    first = load_timetable(feed_zip, cache)
    assert len(counted_builds) == 1
    assert cache_path(cache, first.feed_hash).is_file()

    def refuse(tables: object) -> Timetable:
        raise AssertionError("rebuilt although a valid cache file exists")

    monkeypatch.setattr(feeds.load, "build_timetable", refuse)
    second = load_timetable(feed_zip, cache)
    assert second is not first
    assert _answers(second) == _answers(first)
    assert len(_answers(first)) == 4     # t at 06:00 and f at 07:00, 07:20, 07:40


def test_cached_timetable_equals_the_built_one_field_by_field(feed_zip: Path,
                                                              tmp_path: Path) -> None:
    built = load_timetable(feed_zip, tmp_path / "cache")
    cached = load_timetable(feed_zip, tmp_path / "cache")
    for name in Timetable.__dataclass_fields__:
        a, b = getattr(built, name), getattr(cached, name)
        if isinstance(a, np.ndarray):
            assert a.dtype == b.dtype and np.array_equal(a, b), name
        else:
            assert a == b, name


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "garbage"])
def test_damaged_cache_file_is_rebuilt(feed_zip: Path, tmp_path: Path,
                                       counted_builds: list[int], damage: str) -> None:
    cache = tmp_path / "cache"
    first = load_timetable(feed_zip, cache)
    path = cache_path(cache, first.feed_hash)
    raw = bytearray(path.read_bytes())
    if damage == "flip":
        raw[len(raw) // 2] ^= 0xFF
    elif damage == "truncate":
        raw = raw[: len(raw) // 2]
    elif damage == "empty":
        raw = bytearray()
    else:
        raw = bytearray(b"PK\x03\x04 not a cache file at all")
    path.write_bytes(bytes(raw))
    again = load_timetable(feed_zip, cache)
    assert len(counted_builds) == 2
    assert _answers(again) == _answers(first)
    # the rebuilt file is valid again: the third load is a cache hit
    load_timetable(feed_zip, cache)
    assert len(counted_builds) == 2


def test_changed_feed_bytes_do_not_reuse_the_old_cache(feed_zip: Path, tmp_path: Path,
                                                       counted_builds: list[int]) -> None:
    cache = tmp_path / "cache"
    load_timetable(feed_zip, cache)
    other = GtfsBuilder()
    other.add_stop("HBF").add_stop("C").add_route("R")
    other.add_date("MON", "20260615", 1)
    other.add_trip("x", "R", "MON", [("HBF", "09:00:00"), ("C", "09:10:00")])
    other.write(feed_zip)
    tt = load_timetable(feed_zip, cache)
    assert len(counted_builds) == 2
    assert [d.trip_id for d in board(tt, "HBF", *DAY)] == ["x"]


def test_unwritable_cache_location_still_loads(feed_zip: Path, tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    tt = load_timetable(feed_zip, not_a_dir)
    assert len(_answers(tt)) == 4

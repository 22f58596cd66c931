"""The on-disk timetable cache: a second load reuses it (memory-mapped, without pandas); a
damaged, truncated or foreign cache is rebuilt, never trusted."""

from __future__ import annotations

import subprocess
import sys
import zipfile
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
    real = feeds.load.build_feed

    def counting(*args: object, **kwargs: object) -> Timetable:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(feeds.load, "build_feed", counting)
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
    assert (cache_path(cache, first.feed_hash) / "manifest.json").is_file()

    def refuse(*args: object, **kwargs: object) -> Timetable:
        raise AssertionError("rebuilt although a valid cache file exists")

    monkeypatch.setattr(feeds.load, "build_feed", refuse)
    second = load_timetable(feed_zip, cache)
    assert second is not first
    assert isinstance(second.st_dep.base, np.memmap) and not second.st_dep.flags.writeable
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


@pytest.mark.parametrize("member", ["st_dep.npy", "ix_st.npy", "texts.json", "manifest.json"])
@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "garbage"])
def test_damaged_cache_file_is_rebuilt(feed_zip: Path, tmp_path: Path,
                                       counted_builds: list[int], damage: str,
                                       member: str) -> None:
    cache = tmp_path / "cache"
    first = load_timetable(feed_zip, cache)
    expected = _answers(first)
    del first           # its arrays map the files damaged in place below
    path = cache_path(cache, load_timetable(feed_zip, cache).feed_hash) / member
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
    assert _answers(again) == expected
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


def test_a_missing_array_file_is_rebuilt(feed_zip: Path, tmp_path: Path,
                                         counted_builds: list[int]) -> None:
    cache = tmp_path / "cache"
    first = load_timetable(feed_zip, cache)
    (cache_path(cache, first.feed_hash) / "trip_route.npy").unlink()
    assert _answers(load_timetable(feed_zip, cache)) == _answers(first)
    assert len(counted_builds) == 2


def test_feed_identity_comes_from_the_zip_directory(feed_zip: Path, tmp_path: Path) -> None:
    """Same members (names, sizes, CRC-32) = same key; any changed member = another key."""
    key = feeds.load.feed_key(feed_zip)
    copy = tmp_path / "copy.zip"
    copy.write_bytes(feed_zip.read_bytes())
    assert feeds.load.feed_key(copy) == key
    with zipfile.ZipFile(feed_zip) as zin, zipfile.ZipFile(copy, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "stops.txt":
                data = data.replace(b"Kastel", b"Kostel")     # same size, other CRC
            zout.writestr(info.filename, data)
    assert feeds.load.feed_key(copy) != key


def test_cached_start_imports_neither_pandas_nor_gtfs_kit(feed_zip: Path, tmp_path: Path
                                                         ) -> None:
    cache = tmp_path / "cache"
    built = load_timetable(feed_zip, cache)
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from feeds import load_timetable, find_departures\n"
        f"tt = load_timetable(Path({str(feed_zip)!r}), Path({str(cache)!r}))\n"
        "stop = tt.find_stop('HBF')\n"
        f"print(len(find_departures(tt, stop, {DAY[0]}, {DAY[1]})), tt.feed_hash)\n"
        "assert 'pandas' not in sys.modules, 'pandas imported'\n"
        "assert 'gtfs_kit' not in sys.modules, 'gtfs_kit imported'\n"
        "assert 'pyarrow' not in sys.modules, 'pyarrow imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2], timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["4", built.feed_hash]

"""A static feed zip is untrusted: sizes are capped from the central directory and again while
streaming (issue 15.7), members are streamed, and every refusal is a clear FeedError."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest

from feeds import FeedError, FeedTooLarge, load_timetable
from feeds.archive import ZipLimits
from tests.gtfs_builder import GtfsBuilder

ROW = b"bomb,06:00:00,06:00:00,A,1\n"


def _feed() -> GtfsBuilder:
    feed = GtfsBuilder()
    feed.add_stop("A").add_stop("B").add_route("R")
    feed.add_date("MON", "20260615", 1)
    feed.add_trip("t", "R", "MON", [("A", "06:00:00"), ("B", "06:10:00")])
    return feed


def _bomb(path: Path, inflated_mib: int) -> Path:
    """A valid feed whose stop_times.txt inflates to `inflated_mib` MiB of one repeated row."""
    _feed().write(path, omit=("stop_times",))
    block = ROW * ((1 << 20) // len(ROW))
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf, \
            zf.open("stop_times.txt", "w", force_zip64=True) as out:
        out.write(b"trip_id,arrival_time,departure_time,stop_id,stop_sequence\n")
        for _ in range(inflated_mib):
            out.write(block)
    return path


def test_a_zip_bomb_is_refused_from_its_central_directory(tmp_path: Path) -> None:
    path = _bomb(tmp_path / "bomb.zip", 200)
    assert path.stat().st_size < 2 << 20            # small on disk
    with pytest.raises(FeedTooLarge, match=r"stop_times\.txt: compressed 1:\d+ .*zip bomb"):
        load_timetable(path, tmp_path / "cache")


def test_a_lying_central_directory_is_caught_while_streaming(tmp_path: Path) -> None:
    """The directory claims 4 KiB: inflating stops there, and the CRC check refuses it."""
    path = _bomb(tmp_path / "liar.zip", 64)
    raw = bytearray(path.read_bytes())
    entry = raw.rindex(b"PK\x01\x02", 0, raw.rindex(b"stop_times.txt"))
    if struct.unpack_from("<I", raw, entry + 24)[0] == 0xFFFFFFFF:
        pytest.skip("sizes are in the zip64 extra field")
    struct.pack_into("<I", raw, entry + 24, 4096)
    path.write_bytes(bytes(raw))
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo("stop_times.txt").file_size == 4096
    with pytest.raises(FeedError, match=r"stop_times\.txt"):
        load_timetable(path)


def test_size_caps_are_parameters(tmp_path: Path) -> None:
    path = _feed().write(tmp_path / "feed.zip")
    with pytest.raises(FeedTooLarge, match="per file"):
        load_timetable(path, limits=ZipLimits(max_member_bytes=40))
    with pytest.raises(FeedTooLarge, match="the feed inflates to more than"):
        load_timetable(path, limits=ZipLimits(max_total_bytes=300))
    assert load_timetable(path, limits=ZipLimits(max_ratio=1, ratio_from_bytes=1 << 20))


def test_zipfile_inflate_reads_the_same_timetable(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast inflate (ISA-L, when installed) and zipfile's give the same timetable."""
    import feeds.archive
    path = _feed().write(tmp_path / "feed.zip")
    fast = load_timetable(path)
    monkeypatch.setattr(feeds.archive, "_isal", None)
    plain = load_timetable(path)
    assert fast.st_dep.tolist() == plain.st_dep.tolist() == [21_600, 22_200]
    assert fast.stop_ids.tolist() == plain.stop_ids.tolist()


def test_a_corrupt_member_is_refused_by_its_crc(tmp_path: Path) -> None:
    path = _feed().write(tmp_path / "feed.zip")
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("stop_times.txt")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    raw[start + info.compress_size // 2] ^= 0x55
    path.write_bytes(bytes(raw))
    with pytest.raises(FeedError, match=r"stop_times\.txt"):
        load_timetable(path)

"""Stop_time_updates read as columns (realtime.wire, realtime.stop_times) say exactly what the
protobuf library says, also for bytes written by hand: unknown fields of every wire type, a
field given twice (the library keeps the last or merges), a negative delay, an unknown enum
value, StopTimeProperties (left to the records)."""

from __future__ import annotations

import numpy as np
import pytest
from google.transit import gtfs_realtime_pb2 as pb

from realtime.decode import read_message, trip_update
from realtime.parse import COLUMNS_FROM, parse_feed
from realtime.stop_times import StopTimeTable, StopTimeUpdates
from realtime.wire import WireError, as_buffer, scan
from tests.realtime.conftest import TS


def varint(n: int) -> bytes:
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out)


def vi(field: int, value: int) -> bytes:
    return varint(field << 3) + varint(value)


def ld(field: int, payload: bytes) -> bytes:
    return varint(field << 3 | 2) + varint(len(payload)) + payload


def fixed(field: int, width: int) -> bytes:
    return varint(field << 3 | (1 if width == 8 else 5)) + b"\xff" * width


ODD_UPDATES = [
    vi(1, 10) + ld(3, vi(1, 60)),                                  # plain
    vi(1, 20) + ld(2, vi(1, -120)) + ld(3, vi(2, TS + 600)),       # a negative delay
    vi(1, 30) + vi(99, 5) + fixed(98, 4) + fixed(97, 8) + ld(96, b"xyz") + ld(3, vi(1, 5)),
    vi(1, 40) + vi(1, 50) + ld(3, vi(1, 1)),                       # stop_sequence twice
    vi(1, 10) + ld(3, vi(1, 1)) + ld(3, vi(2, TS)),                # departure twice: merged
    vi(1, 10) + vi(5, 7) + ld(3, vi(1, 1)),                        # unknown relationship
    vi(1, 10) + ld(6, ld(1, b"HBF:2")) + ld(3, vi(1, 1)),          # properties
    vi(1, 10) + ld(4, "Dom ü".encode()) + ld(2, b"") + ld(3, vi(2, 0)),   # time 0, empty
    vi(1, 1 << 33) + ld(3, vi(3, 1 << 40)),                        # wrapped uint32 / int32
]


def feed_with(updates: list[bytes], copies: int) -> bytes:
    header = ld(1, ld(1, b"2.0") + vi(3, TS))
    entities = b""
    for k in range(copies):
        stus = updates[k % len(updates)]
        tu = ld(1, ld(1, b"T1") + ld(3, b"20260615")) + ld(2, stus) + ld(2, vi(1, 50))
        entities += ld(2, ld(1, f"e{k}".encode()) + ld(3, tu))
    return header + entities


def test_columns_read_what_the_library_reads() -> None:
    data = feed_with(ODD_UPDATES, 3 * len(ODD_UPDATES))
    message, _, raw = read_message(data)
    table = StopTimeTable.read(raw)
    left_out = 0
    for k, entity in enumerate(message.entity):
        expected = trip_update(entity.id, entity.trip_update).stop_time_updates
        rows = table.rows_of(k)
        if rows is None:
            left_out += 1
            continue
        assert tuple(rows) == tuple(expected), k
    # the doubled stop_sequence, the merged departure and the properties go record by record
    assert left_out == 3 * 3


def test_parse_feed_uses_the_columns_and_gives_the_same_records() -> None:
    data = feed_with(ODD_UPDATES, COLUMNS_FROM + 5)
    message = pb.FeedMessage()
    message.ParseFromString(data)
    feed = parse_feed(data)
    assert any(isinstance(t.stop_time_updates, StopTimeUpdates) for t in feed.trip_updates)
    assert [tuple(t.stop_time_updates) for t in feed.trip_updates] == [
        tuple(trip_update(e.id, e.trip_update).stop_time_updates) for e in message.entity]


def test_a_group_is_not_read() -> None:
    buf = as_buffer(varint(1 << 3 | 3) + varint(1 << 3 | 4))
    with pytest.raises(WireError):
        scan(buf, np.array([0]), np.array([2]), (1,))

"""A resolved snapshot as bytes: the leader decodes and resolves a feed once, followers load it.

    data = dump_snapshot(snapshot, stats)                # leader, after resolve_bytes
    snapshot, stats = load_snapshot(data, tt)            # follower, same timetable
    state = state.apply_resolved(source, snapshot, stats, tt, received_at=now)

Format: b"ABFSNAP" + version byte, the timetable's feed_hash (the snapshot's trip and stop
indexes only mean something against that timetable), then a zlib-compressed pickle. Loading
uses a restricted unpickler that accepts only this project's realtime records and a few
builtins, so bytes from a shared store cannot name any other class or function; anything else,
a truncated body or another timetable's snapshot raises SnapshotError.
"""

from __future__ import annotations

import io
import pickle
import zlib
from typing import Any

from feeds import Timetable
from realtime.errors import RealtimeError
from realtime.reasons import FeedStats
from realtime.state import Snapshot

MAGIC = b"ABFSNAP"
VERSION = 1
MAX_INFLATED = 512 * 1024 * 1024

_MODULES = {
    "realtime.records", "realtime.trip_updates", "realtime.propagation", "realtime.instances",
    "realtime.alerts", "realtime.overlay", "realtime.state", "realtime.reasons",
    "realtime.row_columns",
    "feeds.departures", "feeds.model",
}
_BUILTINS = {("builtins", n) for n in ("set", "frozenset", "dict", "list", "tuple", "int",
                                       "str", "bool")}
_BUILTINS |= {("datetime", "date"), ("collections", "Counter")}


class SnapshotError(RealtimeError):
    """Snapshot bytes that cannot be loaded (damaged, foreign, or of another timetable)."""


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module in _MODULES or (module, name) in _BUILTINS:
            return super().find_class(module, name)
        raise SnapshotError(f"snapshot names {module}.{name}, which is not a realtime record")


def dump_snapshot(snapshot: Snapshot, stats: FeedStats) -> bytes:
    """Return the bytes of a resolved snapshot and its statistics."""
    body = zlib.compress(pickle.dumps((snapshot, stats), protocol=5), 1)
    key = snapshot.feed_hash.encode()
    return MAGIC + bytes([VERSION, len(key)]) + key + body


def load_snapshot(data: bytes, tt: Timetable) -> tuple[Snapshot, FeedStats]:
    """Return the snapshot and statistics in `data`, checked against `tt`."""
    head = len(MAGIC)
    if len(data) < head + 2 or not data.startswith(MAGIC) or data[head] != VERSION:
        raise SnapshotError("not a snapshot of this version")
    size = data[head + 1]
    key = data[head + 2:head + 2 + size].decode(errors="replace")
    if key != tt.feed_hash:
        raise SnapshotError("the snapshot was resolved against another timetable")
    try:
        inflater = zlib.decompressobj()
        raw = inflater.decompress(data[head + 2 + size:], MAX_INFLATED)
        if inflater.unconsumed_tail or not inflater.eof:
            raise SnapshotError("the snapshot is truncated or too large")
        loaded = _Unpickler(io.BytesIO(raw)).load()
    except SnapshotError:
        raise
    except Exception as exc:  # zlib.error, pickle errors, EOFError, AttributeError, ...
        raise SnapshotError(f"the snapshot cannot be read ({type(exc).__name__}: {exc})") from exc
    if (not isinstance(loaded, tuple) or len(loaded) != 2
            or not isinstance(loaded[0], Snapshot) or not isinstance(loaded[1], FeedStats)
            or loaded[0].feed_hash != tt.feed_hash):
        raise SnapshotError("the snapshot does not hold a snapshot and its statistics")
    return loaded[0], loaded[1]

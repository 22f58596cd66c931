"""The StopTimeUpdates of a whole feed as columns (numpy), read from its bytes at once.

A national feed carries ~40 stop_time_updates per trip update; decoding each into a frozen
record costs more than everything else together (issue 27.3). `StopTimeTable.read` reads them
column-wise with `realtime.wire.scan`; `realtime.predict_columns` predicts from the columns, and
`StopTimeUpdates` turns one trip update's rows into records only when asked (the per-trip
path, the CLI, tests). A trip update whose bytes hold anything the columns do not say exactly
as the protobuf library would (a field given twice, a field of an unexpected wire type,
StopTimeProperties, an occupancy) is left out (`StopTimeTable.rows_of` answers None) and
decoded by `realtime.decode`, record by record, as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from realtime.lazy_sequence import LazySequence
from realtime.records import StopRelationship, StopTimeEvent, StopTimeUpdate
from realtime.wire import LENGTH, VARINT, Fields, Int64s, WireError, as_buffer, scan

NONE = np.iinfo(np.int64).min          # "not given" in an int64 column
_RELATIONSHIPS = list(StopRelationship)            # by enum number (0 SCHEDULED … 3)
_EVENT_FIELDS = ("delay", "time", "uncertainty", "scheduled_time")   # field numbers 1–4
_STU_MESSAGES = {2: "arrival", 3: "departure"}
_STU_KNOWN = {1: VARINT, 2: LENGTH, 3: LENGTH, 4: LENGTH, 5: VARINT, 6: LENGTH, 7: VARINT}
_EVENT_KNOWN = {1: VARINT, 2: VARINT, 3: VARINT, 4: VARINT}


def _top_level(data: bytes, number: int) -> list[tuple[int, int]]:
    """The payload spans of field `number` (length-delimited) of the outer message, in order.
    One Python step per field: the outer message has a few thousand at most."""
    spans: list[tuple[int, int]] = []
    pos, size = 0, len(data)
    while pos < size:
        tag, pos = _varint(data, pos)
        wire = tag & 7
        if wire == VARINT:
            _, pos = _varint(data, pos)
        elif wire == LENGTH:
            length, pos = _varint(data, pos)
            if tag >> 3 == number:
                spans.append((pos, pos + length))
            pos += length
        elif wire in (1, 5):
            pos += 8 if wire == 1 else 4
        else:
            raise WireError("a group in the outer message")
    return spans


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        b = data[pos]
        value |= (b & 0x7F) << shift
        pos += 1
        if b < 0x80:
            return value, pos
        shift += 7


def _singles(fields: Fields, n: int, known: dict[int, int]) -> npt.NDArray[np.bool_]:
    """Per message: True when a field (scanned for `known` numbers only) is given twice or
    with another wire type (the protobuf library would merge or keep it aside: left to it)."""
    expected = np.full(max(known) + 1, -1, dtype=np.int64)
    expected[list(known)] = list(known.values())
    bad = np.zeros(n, dtype=bool)
    bad[fields.owner[expected[fields.number] != fields.wire]] = True
    width = max(known) + 1
    twice = np.flatnonzero(np.bincount(fields.owner * width + fields.number,
                                       minlength=n * width) > 1)
    bad[twice // width] = True
    return bad


@dataclass(frozen=True)
class StopTimeTable:
    """Columns of every StopTimeUpdate of the regular trip updates of one feed."""

    data: bytes
    tu_of_entity: dict[int, int]       # entity position -> trip-update row (regular ones)
    lo: Int64s                         # per trip-update row: its updates are lo:hi
    hi: Int64s
    seq: Int64s                        # per update; NONE when not given
    stop_start: Int64s                 # stop_id's bytes; start -1 when not given
    stop_end: Int64s
    relationship: npt.NDArray[np.int8]
    events: dict[str, Int64s]          # "arrival.delay", …: NONE when not given; and
    present: dict[str, npt.NDArray[np.bool_]]   # "arrival"/"departure": the event is given

    @classmethod
    def read(cls, data: bytes, only: list[int] | None = None) -> StopTimeTable:
        """Read the trip updates of the FeedMessage in `data` (bytes the protobuf library
        accepted), of the entities at the positions `only` (default: all). Raise WireError for
        what the scanner does not read."""
        buf = as_buffer(data)
        spans = np.array(_top_level(data, 2), dtype=np.int64).reshape(-1, 2)
        if only is not None:
            spans = spans[only]
        entity = scan(buf, spans[:, 0], spans[:, 1], (3,))
        tu_mask = entity.of(3, LENGTH)
        counts = np.bincount(entity.owner[tu_mask], minlength=len(spans))
        once = tu_mask & (counts[entity.owner] == 1)      # merged trip_updates: left out
        owners = entity.owner[once]
        tu = scan(buf, entity.start[once], entity.end[once], (2,))
        stu_at = np.flatnonzero(tu.of(2, LENGTH))
        stu_owner = tu.owner[stu_at]
        stu = scan(buf, tu.start[stu_at], tu.end[stu_at], tuple(_STU_KNOWN), ordered=False)
        n = len(stu_at)
        bad = _singles(stu, n, _STU_KNOWN)
        bad[stu.owner[stu.number >= 6]] = True        # properties, occupancy: records
        seq = np.full(n, NONE, dtype=np.int64)
        m = stu.of(1, VARINT)
        seq[stu.owner[m]] = (stu.value[m] & np.uint64(0xFFFFFFFF)).astype(np.int64)
        stop_start = np.full(n, -1, dtype=np.int64)
        stop_end = np.full(n, -1, dtype=np.int64)
        m = stu.of(4, LENGTH)
        stop_start[stu.owner[m]], stop_end[stu.owner[m]] = stu.start[m], stu.end[m]
        relationship = np.zeros(n, dtype=np.int8)
        m = stu.of(5, VARINT) & (stu.value < np.uint64(len(_RELATIONSHIPS)))
        relationship[stu.owner[m]] = stu.value[m].astype(np.int8)
        events: dict[str, Int64s] = {}
        present: dict[str, npt.NDArray[np.bool_]] = {}
        for number, name in _STU_MESSAGES.items():
            m = stu.of(number, LENGTH)
            present[name] = np.zeros(n, dtype=bool)
            present[name][stu.owner[m]] = True
            ev = scan(buf, stu.start[m], stu.end[m], tuple(_EVENT_KNOWN), ordered=False)
            which = stu.owner[m]
            bad[which[_singles(ev, int(m.sum()), _EVENT_KNOWN)]] = True
            for k, field in enumerate(_EVENT_FIELDS, start=1):
                col = np.full(n, NONE, dtype=np.int64)
                e = ev.of(k, VARINT)
                raw = ev.value[e].view(np.int64)
                # int32 fields wrap like the library's; int64 ones are read as they are
                col[which[ev.owner[e]]] = (raw.astype(np.int32).astype(np.int64)
                                           if field in ("delay", "uncertainty") else raw)
                events[f"{name}.{field}"] = col
        irregular = np.zeros(len(owners), dtype=bool)
        irregular[stu_owner[bad]] = True
        keep = ~irregular
        rows = np.cumsum(keep) - 1
        positions = np.arange(len(spans)) if only is None else np.array(only, dtype=np.int64)
        tu_of_entity = dict(zip(positions[owners[keep]].tolist(), rows[keep].tolist(),
                                strict=True))
        sizes = np.bincount(stu_owner, minlength=len(owners))
        starts = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
        lo, hi = starts[keep], (starts + sizes)[keep]
        return cls(data, tu_of_entity, lo, hi, seq, stop_start, stop_end, relationship,
                   events, present)

    def rows_of(self, entity: int) -> StopTimeUpdates | None:
        """The updates of the trip update of entity `entity`, None when it is not here."""
        row = self.tu_of_entity.get(entity)
        if row is None:
            return None
        return StopTimeUpdates(self, row, int(self.lo[row]), int(self.hi[row]))

    def record(self, i: int) -> StopTimeUpdate:
        """Update `i` as the record `realtime.decode` would make of it."""
        seq = int(self.seq[i])
        start = int(self.stop_start[i])
        stop = (self.data[start:int(self.stop_end[i])].decode("utf-8", "surrogateescape")
                if start >= 0 else "")
        arrival = self._event("arrival", i)
        departure = self._event("departure", i)
        if arrival is not None and departure == arrival:
            departure = arrival
        return StopTimeUpdate(None if seq == NONE else seq, stop or None, arrival, departure,
                              _RELATIONSHIPS[int(self.relationship[i])])

    def _event(self, name: str, i: int) -> StopTimeEvent | None:
        if not self.present[name][i]:
            return None
        delay, time, uncertainty, scheduled = (
            None if (v := int(self.events[f"{name}.{f}"][i])) == NONE else v
            for f in _EVENT_FIELDS)
        return StopTimeEvent(delay, time or None, uncertainty, scheduled)


class StopTimeUpdates(LazySequence[StopTimeUpdate]):
    """The updates of one trip update, as records on access (a view into the table)."""

    __slots__ = ("hi", "lo", "row", "table")

    def __init__(self, table: StopTimeTable, row: int, lo: int, hi: int) -> None:
        self.table, self.row, self.lo, self.hi = table, row, lo, hi

    def __len__(self) -> int:
        return self.hi - self.lo

    def _item(self, i: int) -> StopTimeUpdate:
        return self.table.record(self.lo + i)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))


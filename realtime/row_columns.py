"""The predicted rows of many trip instances in shared columns, and one instance's view of them.

`realtime.predict_columns` predicts every trip update of a feed at once; what a board then reads
per departure is `RowSpan[i]`, a `RowUpdate` made on access, exactly as
`realtime.propagation.RowUpdates` (one trip's lists) gives it. Pickled (the leader's snapshot
for its followers, `realtime.snapshot_codec`) the columns are raw bytes once, not a list per
trip.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import numpy.typing as npt

from realtime.lazy_sequence import LazySequence
from realtime.propagation import NO_UPDATE, RowUpdate

NONE = np.iinfo(np.int64).min            # no prediction for this row
SKIPPED = RowUpdate(skipped=True, realtime=True)


class PredictedRows:
    """Per row: scheduled and predicted departure, predicted arrival, and a kind (0 a
    prediction, 1 clamped to keep times in order, not realtime; 2 skipped)."""

    __slots__ = ("arrival", "departure", "kind", "scheduled")

    def __init__(self, scheduled: npt.NDArray[np.int64], arrival: npt.NDArray[np.int64],
                 departure: npt.NDArray[np.int64], kind: npt.NDArray[np.int8]) -> None:
        self.scheduled, self.arrival, self.departure, self.kind = (
            scheduled, arrival, departure, kind)

    def __reduce__(self) -> tuple[object, ...]:
        return (_load, (len(self.kind), self.scheduled.tobytes(), self.arrival.tobytes(),
                        self.departure.tobytes(), self.kind.tobytes()))

    def row(self, i: int) -> RowUpdate:
        kind = int(self.kind[i])
        if kind == 2:
            return SKIPPED
        d = int(self.departure[i])
        if d == NONE:
            return NO_UPDATE
        return RowUpdate(d, d - int(self.scheduled[i]), kind == 0, False, -1, None, None, None,
                         int(self.arrival[i]))


def _load(n: int, scheduled: bytes, arrival: bytes, departure: bytes, kind: bytes
          ) -> PredictedRows:
    def ints(raw: bytes) -> npt.NDArray[np.int64]:
        out = np.frombuffer(raw, dtype=np.int64)
        if out.size != n:
            raise ValueError("predicted rows of the wrong length")
        return out
    kinds = np.frombuffer(kind, dtype=np.int8)
    if kinds.size != n:
        raise ValueError("predicted rows of the wrong length")
    return PredictedRows(ints(scheduled), ints(arrival), ints(departure), kinds)


class RowSpan(LazySequence[RowUpdate]):
    """The rows of one trip instance: rows[lo:lo + n] of the shared columns."""

    __slots__ = ("lo", "n", "rows")

    extras: ClassVar[dict[int, RowUpdate]] = {}   # rows with properties: none (RowUpdates)

    def __init__(self, rows: PredictedRows, lo: int, n: int) -> None:
        self.rows, self.lo, self.n = rows, lo, n

    def __len__(self) -> int:
        return self.n

    def _item(self, i: int) -> RowUpdate:
        return self.rows.row(self.lo + i)

    @property
    def predicted(self) -> list[int | None]:
        """The predicted departure of every row (None: none; skipped rows included)."""
        part = slice(self.lo, self.lo + self.n)
        return [None if k == 2 or d == NONE else d for d, k in
                zip(self.rows.departure[part].tolist(), self.rows.kind[part].tolist(),
                    strict=True)]

    def __reduce__(self) -> tuple[object, ...]:
        return (RowSpan, (self.rows, self.lo, self.n))

"""A read-only sequence whose items are made when asked for, from compact storage.

Realtime keeps per-row data as lists or numpy columns and makes the frozen record of a row
only when a board reads it (`propagation.RowUpdates`, `row_columns.RowSpan`,
`stop_times.StopTimeUpdates`): this is their indexing, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar, overload

T = TypeVar("T")


class LazySequence(Sequence[T]):
    """Subclasses give `__len__` and `_item(i)` for 0 <= i < len."""

    __slots__ = ()

    def _item(self, i: int) -> T:
        raise NotImplementedError

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[T]: ...

    def __getitem__(self, i: int | slice) -> T | Sequence[T]:
        if isinstance(i, slice):
            return [self._item(k) for k in range(*i.indices(len(self)))]
        n = len(self)
        if not -n <= i < n:
            raise IndexError(i)
        return self._item(i % n)

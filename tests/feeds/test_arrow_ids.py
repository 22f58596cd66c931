"""Id tables and id positions read from Arrow-backed columns equal those of the plain path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from feeds.arrow_columns import arrow_text, distinct_ids
from feeds.build import id_positions
from feeds.ids import build_ids, decode_ids
from feeds.read import table_ids

CELLS = ["t2", "t10", " t1", "t1 ", "Ä-1", "ä-1", "t2", "", None, "ø", "t1", "x" * 40, "1.0"]


def _frame(storage: str) -> pd.DataFrame:
    return pd.DataFrame({"trip_id": pd.array(CELLS, dtype=pd.StringDtype(storage))})


@pytest.mark.parametrize("storage", ["pyarrow", "python"])
def test_trip_id_tables_are_the_same_on_both_paths(storage: str) -> None:
    frame = _frame(storage)
    assert arrow_text(frame["trip_id"]) is not None
    plain = build_ids([c for c in CELLS if c])
    ids = table_ids(frame, "trip_id", strip=False)
    assert ids.dtype == plain.dtype and ids.tolist() == plain.tolist()


def test_a_column_of_numbers_is_not_text() -> None:
    assert arrow_text(pd.Series([1, 2])) is None
    assert arrow_text(pd.Series(["a", 1.5], dtype=object)) is None


def test_distinct_ids_of_nothing() -> None:
    ids = distinct_ids(pa.array(["", None], type=pa.string()))
    assert ids.size == 0 and ids.dtype == build_ids(()).dtype


def test_positions_are_those_of_the_pandas_index() -> None:
    ids = build_ids(["t1", "t2", "Ä-1", "x" * 5])
    for storage in ("pyarrow", "python"):
        column = _frame(storage)["trip_id"]
        expected = pd.Index(decode_ids(ids)).get_indexer(column)
        assert id_positions(ids, column).tolist() == expected.tolist()
    numbers = pd.Series([1, 2, 3])
    assert id_positions(build_ids(["2"]), numbers).dtype == np.int32

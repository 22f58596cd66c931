"""Fixtures for the static-timetable tests: small feeds built in code, loaded from tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from feeds import Timetable, load_timetable
from tests.gtfs_builder import GtfsBuilder

LoadFeed = Callable[..., Timetable]


@pytest.fixture
def load_feed(tmp_path: Path) -> LoadFeed:
    """Write a GtfsBuilder to a zip in tmp_path and load it (no cache)."""
    counter = iter(range(1_000_000))

    def load(builder: GtfsBuilder, **write_kwargs: object) -> Timetable:
        path = builder.write(tmp_path / f"feed-{next(counter)}.zip", **write_kwargs)  # type: ignore[arg-type]
        return load_timetable(path)

    return load


@pytest.fixture(autouse=True)
def _private_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI caches timetables; keep that cache inside the test's tmp_path."""
    monkeypatch.setenv("ABFAHRT_CACHE_DIR", str(tmp_path / "cli-cache"))

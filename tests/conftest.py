"""Shared fixtures: the real feeds in ../shared/data and a throwaway Redis server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.redis_server import start_redis

SHARED_DATA = Path(os.environ.get("ABFAHRT_SHARED_DATA")
                   or Path(__file__).resolve().parents[1].parent / "shared" / "data")


def pytest_configure(config: pytest.Config) -> None:
    """Stop at once, with one message, when the real feeds are not beside the checkout."""
    if not SHARED_DATA.is_dir():
        pytest.exit(f"the tests read real feeds from {SHARED_DATA}, which is missing: put the "
                    f"shared/ folder beside the checkout (../shared/data) or set "
                    f"ABFAHRT_SHARED_DATA to its data folder", returncode=4)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return SHARED_DATA


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis URL: REDIS_URL if set, else a redis-server started for this session.

    Fails loudly (never skips) when no Redis can be had.
    """
    given = os.environ.get("REDIS_URL")
    if given:
        yield given
        return
    server = start_redis()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def redis_prefix() -> str:
    """A key prefix unique to one test, so tests never flush or collide in a shared Redis."""
    return f"abfahrt-test-{uuid.uuid4().hex[:8]}:"

"""Fixtures for the service: the real app over the demo network, in process or on Redis."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from displays.app import create_app
from displays.service.config.settings import Settings
from tests.instants import busy_settings, suite_settings

ClientFactory = Callable[..., Awaitable[TestClient[Any, Any]]]


@pytest.fixture
def demo_settings(tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """The demo at the suite's instant; at a busy noon for tests marked `busy_hour`."""
    if request.node.get_closest_marker("busy_hour") is not None:
        return busy_settings(data_dir=tmp_path)
    return suite_settings(data_dir=tmp_path)


@pytest.fixture
async def client(aiohttp_client: ClientFactory, demo_settings: Settings) -> TestClient[Any, Any]:
    return await aiohttp_client(create_app(demo_settings))

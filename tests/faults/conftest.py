"""Fixtures for the fault tests: throwaway Redis servers and `abfahrt serve` child processes.

Every process a fixture starts is stopped in a `finally`, also when the test fails.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.faults.harness import DemoRealtime, ServiceProcess
from tests.redis_server import RedisProcess, start_redis

StartService = Callable[..., ServiceProcess]


@pytest.fixture
def throwaway_redis() -> Iterator[RedisProcess]:
    """A redis-server of our own (we kill and restart it); fails loudly when none can start."""
    server = start_redis()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def start_service(tmp_path: Path) -> Iterator[StartService]:
    """Start `abfahrt serve` children: start_service(*args, name=..., **env) -> ServiceProcess."""
    started: list[ServiceProcess] = []

    def start(*args: str, name: str = "serve", **env: str) -> ServiceProcess:
        service = ServiceProcess(data_dir=tmp_path / name, args=list(args), env=env)
        started.append(service)
        return service.start()

    try:
        yield start
    finally:
        for service in started:
            service.stop()


@pytest.fixture(scope="session")
def demo_realtime(tmp_path_factory: pytest.TempPathFactory) -> DemoRealtime:
    return DemoRealtime(tmp_path_factory.mktemp("demo-rt"))

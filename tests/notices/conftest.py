"""Fixtures for operator notices: the demo timetable, a notice builder, the real app with
tokens (embedded file store or a real Redis with a per-test prefix)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient

from displays.app import create_app
from displays.board.notice_rules import RouteTarget, Targets
from displays.cli.tokens import token_audit
from displays.demo.network import write_demo_feed
from displays.notices.auth import Role, new_token
from displays.notices.model import Notice
from displays.notices.storage import open_store
from displays.notices.validation import Catalog
from displays.service.config.displays_file import default_displays_file, load_displays
from displays.service.config.settings import Settings
from feeds import Timetable, load_timetable
from tests.instants import suite_settings

BERLIN = ZoneInfo("Europe/Berlin")
DEMO_DAY = dt.date(2026, 3, 2)          # a Monday (DST starts on Sunday 29 March 2026)
HBF, SCHILLER, HOEFCHEN = "de:07315:1001", "de:07315:1002", "de:07315:1003"
ClientFactory = Callable[..., Awaitable[TestClient[Any, Any]]]


def local(text: str) -> int:
    """Epoch of a Europe/Berlin wall-clock time 'YYYY-MM-DD HH:MM'."""
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=BERLIN).timestamp())


@pytest.fixture(scope="session")
def demo_tt(tmp_path_factory: pytest.TempPathFactory) -> Timetable:
    folder = tmp_path_factory.mktemp("demo-feed")
    return load_timetable(write_demo_feed(folder, DEMO_DAY), None)


@pytest.fixture(scope="session")
def demo_displays() -> dict[str, Any]:
    return load_displays(default_displays_file())


@pytest.fixture
def catalog(demo_tt: Timetable, demo_displays: dict[str, Any]) -> Catalog:
    return Catalog(has_stop=lambda s: demo_tt.find_stop(s) >= 0,
                   has_route=lambda r: demo_tt.find_route(r) >= 0,
                   displays=frozenset(demo_displays))


def make_notice(notice_id: str = "op-test", *, stops: tuple[str, ...] = (),
                routes: tuple[RouteTarget, ...] = (), displays: tuple[str, ...] = (),
                everywhere: bool = False, **fields: Any) -> Notice:
    fields.setdefault("valid_from", local("2026-03-01 00:00"))
    return Notice(id=notice_id, text=fields.pop("text", {"de": "Hinweis"}),
                  targets=Targets(all=everywhere, stops=stops, routes=routes,
                                  displays=displays), **fields)


@dataclass
class Service:
    """A running app and tokens of each role."""

    client: TestClient[Any, Any]
    settings: Settings
    admin: str
    operator: str

    def auth(self, role: str = "operator") -> dict[str, str]:
        return {"Authorization": f"Bearer {getattr(self, role)}"}


async def add_tokens(settings: Settings) -> tuple[str, str]:
    store = open_store(settings.data_dir / "notices", settings.redis_url,
                       settings.redis_prefix)
    tokens = []
    try:
        for name, role in (("Leitstelle", Role.ADMIN), ("Disposition", Role.OPERATOR)):
            token, record = new_token(name, role, "2026-03-01T00:00:00+01:00")
            await store.save_token(record, token_audit("token-create", record,
                                                       local("2026-03-01 00:00")))
            tokens.append(token)
    finally:
        await store.close()
    return tokens[0], tokens[1]


async def start_service(aiohttp_client: ClientFactory, settings: Settings) -> Service:
    admin, operator = await add_tokens(settings)
    client = await aiohttp_client(create_app(settings))
    return Service(client, settings, admin, operator)


@pytest.fixture
async def service(aiohttp_client: ClientFactory, tmp_path: Path) -> Service:
    return await start_service(aiohttp_client, suite_settings(data_dir=tmp_path))


@pytest.fixture
async def redis_service(aiohttp_client: ClientFactory, tmp_path: Path, redis_url: str,
                        redis_prefix: str) -> Service:
    settings = suite_settings(data_dir=tmp_path, redis_url=redis_url, redis_prefix=redis_prefix)
    return await start_service(aiohttp_client, settings)


async def eventually(check: Callable[[], Awaitable[bool]], timeout_s: float = 10.0) -> bool:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while asyncio.get_running_loop().time() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.1)
    return False

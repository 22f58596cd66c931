"""Several instances on one real Redis: one leader computes, all serve the same boards."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from displays.app import create_app
from displays.service.config.settings import Settings
from displays.service.jobs import refresh_boards
from displays.web.appkeys import runtime
from realtime.state import RealtimeState
from tests.displays.pillar_keys import demo_key
from tests.instants import suite_settings

Client = TestClient[Any, Any]


def redis_settings(tmp_path: Path, redis_url: str, prefix: str, name: str) -> Settings:
    return suite_settings(data_dir=tmp_path / name, redis_url=redis_url, redis_prefix=prefix,
                    leader_ttl_s=3)


async def wait_for(predicate: Any, timeout: float = 8.0) -> bool:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if await predicate():
            return True
        await asyncio.sleep(0.1)
    return False


async def leader_and_follower(aiohttp_client: Any, tmp_path: Path, redis_url: str,
                              prefix: str) -> tuple[Client, Client]:
    """Start two instances on one Redis; return them as (leader, follower)."""
    first: Client = await aiohttp_client(create_app(
        redis_settings(tmp_path, redis_url, prefix, "a")))
    second: Client = await aiohttp_client(create_app(
        redis_settings(tmp_path, redis_url, prefix, "b")))
    leaders = [(await (await c.get("/api/v1/status")).json())["leader"] for c in (first, second)]
    assert sorted(leaders) == [False, True], "exactly one instance leads"
    return (first, second) if leaders[0] else (second, first)


async def test_two_instances_one_leader_same_etags(aiohttp_client: Any, tmp_path: Path,
                                                   redis_url: str, redis_prefix: str) -> None:
    leader, follower = await leader_and_follower(aiohttp_client, tmp_path, redis_url,
                                                 redis_prefix)

    tags = []
    for client in (leader, follower):
        response = await client.get("/api/v1/displays/hbf-tram")
        assert response.status == 200
        tags.append(response.headers["ETag"])
    assert tags[0] == tags[1]
    html = [await (await c.get("/displays/hbf-tram")).read() for c in (leader, follower)]
    assert html[0] == html[1]

    # the leader's boards change (realtime dropped): the follower learns it through pub/sub
    leader_rt = runtime(leader.app)
    leader_rt.realtime.state = RealtimeState()
    leader_rt.realtime.raw.clear()
    assert await refresh_boards(leader_rt) > 0
    new_tag = (await leader.get("/api/v1/displays/hbf-tram")).headers["ETag"]
    assert new_tag != tags[0]

    async def follower_updated() -> bool:
        return (await follower.get("/api/v1/displays/hbf-tram")).headers["ETag"] == new_tag
    assert await wait_for(follower_updated)
    follower_doc = await (await follower.get("/api/v1/displays/hbf-tram")).json()
    assert follower_doc["realtime"]["status"] == "unavailable"


async def test_follower_takes_over_when_the_leader_stops(aiohttp_client: Any, tmp_path: Path,
                                                         redis_url: str, redis_prefix: str
                                                         ) -> None:
    leader, follower = await leader_and_follower(aiohttp_client, tmp_path, redis_url,
                                                 redis_prefix)
    await leader.close()

    async def took_over() -> bool:
        return bool((await (await follower.get("/api/v1/status")).json())["leader"])
    assert await wait_for(took_over, timeout=6.0)
    board = await follower.get("/api/v1/displays/uni-en")
    assert board.status == 200


async def test_contacts_and_asked_stops_are_shared(aiohttp_client: Any, tmp_path: Path,
                                                   redis_url: str, redis_prefix: str) -> None:
    from displays.service.jobs import sync_contacts
    leader, follower = await leader_and_follower(aiohttp_client, tmp_path, redis_url,
                                                 redis_prefix)
    assert (await follower.get("/displays/hoefchen-epaper",
                               params={"key": demo_key("hoefchen-epaper")})).status == 200
    assert (await follower.get("/api/v1/stops/de:07315:1016/departures")).status == 200
    await sync_contacts(runtime(follower.app))
    await sync_contacts(runtime(leader.app))
    listed = await (await leader.get("/api/v1/displays")).json()
    epaper = next(d for d in listed["displays"] if d["id"] == "hoefchen-epaper")
    assert epaper["online"] is True
    assert "stop:de:de:07315:1016" in runtime(leader.app).recent_stops
    await refresh_boards(runtime(leader.app))
    assert "stop:de:de:07315:1016" in runtime(leader.app).cache.hot

"""The leader instance is SIGKILLed (it cannot release its lock): a follower takes over within
the lock TTL and boards keep refreshing; the follower serves throughout."""

from __future__ import annotations

import asyncio
import time

import aiohttp

from tests.faults.conftest import StartService
from tests.faults.harness import Poll, poll, wait_until
from tests.redis_server import RedisProcess

TTL_S = 3
TICK_S = max(1, TTL_S // 3)        # displays.service.jobs: the leader job runs every ttl // 3


async def test_follower_takes_over_after_leader_sigkill(throwaway_redis: RedisProcess,
                                                        start_service: StartService) -> None:
    env = {"ABFAHRT_LEADER_TTL": str(TTL_S), "ABFAHRT_REALTIME_INTERVAL": "1"}
    first = start_service("--redis", throwaway_redis.url, name="a", **env)
    second = start_service("--redis", throwaway_redis.url, name="b", **env)
    async with aiohttp.ClientSession() as session:

        async def status(base: str) -> dict:  # type: ignore[type-arg]
            async with session.get(base + "/api/v1/status") as response:
                assert response.status == 200
                body: dict = await response.json()  # type: ignore[type-arg]
                return body

        leaders = [(await status(s.url))["leader"] for s in (first, second)]
        assert sorted(leaders) == [False, True], leaders
        leader, follower = (first, second) if leaders[0] else (second, first)
        assert (await status(follower.url))["boards"]["refreshes"] == 0

        leader.kill()
        killed_at = time.monotonic()
        served: list[Poll] = []

        async def took_over() -> bool:
            served.append(await poll(session, follower.url, "/api/v1/displays/hbf-tram"))
            return bool((await status(follower.url))["leader"])

        assert await wait_until(took_over, TTL_S + TICK_S + 3, every_s=0.1), \
            follower.log_tail()
        took = time.monotonic() - killed_at
        assert took <= TTL_S + TICK_S + 1, f"took over after {took:.1f} s"

        refreshes = (await status(follower.url))["boards"]["refreshes"]
        await asyncio.sleep(3.5)
        later = await status(follower.url)
        assert later["leader"] is True
        assert later["boards"]["refreshes"] >= refreshes + 2, later["boards"]
        assert later["realtime"][0]["freshness"] == "live"
        served.append(await poll(session, follower.url, "/displays/hbf-tram"))
    failed = [p.describe() for p in served if p.status != 200]
    assert not failed, failed

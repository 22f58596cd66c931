"""Redis dies under a polled service and comes back: boards never fail (C3)."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import redis

from tests.faults.conftest import StartService
from tests.faults.harness import HBF, Poll, poll, wait_until
from tests.redis_server import RedisProcess

BOARDS = ("/displays/hbf-tram", "/displays/hbf-tram.txt", "/api/v1/displays/hbf-tram",
          f"/stops/{HBF}", f"/api/v1/stops/{HBF}/departures")


async def poll_boards(session: aiohttp.ClientSession, base: str, seconds: float) -> list[Poll]:
    """Poll every board path about ten times a second for `seconds`."""
    polls: list[Poll] = []
    deadline = time.monotonic() + seconds
    for _ in range(int(seconds * 20) + 1):
        if time.monotonic() >= deadline:
            break
        polls.extend(await asyncio.gather(*(poll(session, base, p) for p in BOARDS)))
        await asyncio.sleep(0.1)
    return polls


def assert_boards_served(polls: list[Poll], phase: str) -> None:
    assert polls, phase
    failed = [p.describe() for p in polls if p.status != 200]
    assert not failed, f"{phase}: {len(failed)} of {len(polls)} polls failed: {failed[:5]}"
    for p in polls:
        if p.path.startswith("/api/"):
            assert isinstance(json.loads(p.body)["departures"], list), (phase, p.path)
        else:
            assert b"Hauptbahnhof" in p.body, (phase, p.path)


def board_keys(url: str) -> int:
    client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    try:
        return len(client.keys("abfahrt:board:*"))
    finally:
        client.close()


async def test_redis_killed_while_polled_then_restarted(throwaway_redis: RedisProcess,
                                                        start_service: StartService) -> None:
    service = start_service("--redis", throwaway_redis.url, ABFAHRT_REALTIME_INTERVAL="1",
                            ABFAHRT_LEADER_TTL="3")
    async with aiohttp.ClientSession() as session:

        async def get(path: str) -> tuple[int, dict]:  # type: ignore[type-arg]
            async with session.get(service.url + path) as response:
                return response.status, await response.json()

        assert_boards_served(await poll_boards(session, service.url, 1.5), "before")
        assert board_keys(throwaway_redis.url) > 0       # the boards really went to Redis
        assert (await get("/readyz"))[1]["status"] == "ready"

        throwaway_redis.kill()
        during = await poll_boards(session, service.url, 4.0)
        assert_boards_served(during, "redis down")
        slowest = max(p.elapsed_s for p in during)
        assert slowest < 1.5, f"a poll took {slowest:.2f} s while redis was down"
        status, ready = await get("/readyz")
        assert status == 200 and ready["status"] == "degraded" and "redis" in ready["missing"]
        assert (await get("/api/v1/status"))[1]["boards"]["redis"] == "degraded"

        throwaway_redis.start()                            # same port, empty (no persistence)
        recovery: list[Poll] = []

        async def recovered() -> bool:
            recovery.extend(await asyncio.gather(*(poll(session, service.url, p)
                                                   for p in BOARDS)))
            ready = (await get("/readyz"))[1]
            boards = (await get("/api/v1/status"))[1]["boards"]
            return "redis" not in ready["missing"] and boards["redis"] == "ok" \
                and board_keys(throwaway_redis.url) > 0

        assert await wait_until(recovered, timeout_s=15), service.log_tail()
        recovery.extend(await poll_boards(session, service.url, 2.0))
        assert_boards_served(recovery, "after restart")
    log = service.log_tail(400)
    assert "redis lost" in log and "redis is back" in log


async def test_every_instance_reports_redis_recovered_promptly(
        throwaway_redis: RedisProcess, start_service: StartService) -> None:
    """A follower (which computes nothing and writes no board) must notice the recovery as
    quickly as the leader; /api/v1/status is read without /readyz, whose ping would help."""
    services = [start_service("--redis", throwaway_redis.url, name=name)
                for name in ("a", "b")]
    async with aiohttp.ClientSession() as session:

        async def redis_states() -> list[str]:
            states = []
            for service in services:
                async with session.get(service.url + "/api/v1/status") as response:
                    states.append((await response.json())["boards"]["redis"])
            return states

        throwaway_redis.kill()

        async def all_degraded() -> bool:
            return await redis_states() == ["degraded", "degraded"]

        assert await wait_until(all_degraded, 15), [s.log_tail() for s in services]
        throwaway_redis.start()
        back = time.monotonic()

        async def all_ok() -> bool:
            return await redis_states() == ["ok", "ok"]

        assert await wait_until(all_ok, 20), await redis_states()
        took = time.monotonic() - back
    assert took <= 1.5, f"an instance kept reporting redis degraded {took:.1f} s after it " \
                        f"recovered"

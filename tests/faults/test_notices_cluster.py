"""Operator notices with several `abfahrt serve` instances on one real Redis (issue 15, items
1-3): a notice posted through any instance reaches every board of every instance; two writers
of one notice cannot overwrite each other silently; a Redis that comes back empty does not
silently take every notice off the boards.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from tests.faults.conftest import StartService
from tests.faults.harness import (
    ServiceProcess,
    create_token,
    poll,
    wait_until,
)
from tests.redis_server import RedisProcess

SCHILLER = "de:07315:1002"
HOEFCHEN = "de:07315:1003"
ENV = {"ABFAHRT_LEADER_TTL": "3", "ABFAHRT_REALTIME_INTERVAL": "1"}


def notice(stop: str, text: str) -> dict[str, Any]:
    return {"text": {"de": text}, "targets": {"stops": [stop]}, "display": "ticker"}


async def two_instances(start_service: StartService, redis: RedisProcess
                        ) -> tuple[ServiceProcess, ServiceProcess]:
    """(leader, follower) on one Redis."""
    first = start_service("--redis", redis.url, name="a", **ENV)
    second = start_service("--redis", redis.url, name="b", **ENV)
    if first.get_json("/api/v1/status")["leader"]:
        return first, second
    assert second.get_json("/api/v1/status")["leader"]
    return second, first


async def board_alerts(session: aiohttp.ClientSession, service: ServiceProcess, stop: str
                       ) -> list[str]:
    answer = await poll(session, service.url, f"/api/v1/stops/{stop}/departures")
    assert answer.status == 200, answer.describe()
    import json
    return [a["id"] for a in json.loads(answer.body)["alerts"] if a["source"] == "operator"]


async def exported(session: aiohttp.ClientSession, service: ServiceProcess) -> set[str]:
    async with session.get(service.url + "/gtfs-rt/alerts.pb?format=json") as response:
        return {e["id"] for e in (await response.json())["entity"]}


async def test_a_notice_posted_through_either_instance_reaches_every_board(
        throwaway_redis: RedisProcess, start_service: StartService) -> None:
    leader, follower = await two_instances(start_service, throwaway_redis)
    token = create_token(leader.data_dir, redis_url=throwaway_redis.url)
    auth = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=auth) as session:
        async with session.post(follower.url + "/api/v1/notices",
                                json=notice(SCHILLER, "Aufzug defekt")) as response:
            assert response.status == 201
            via_follower = (await response.json())["id"]
        async with session.post(leader.url + "/api/v1/notices",
                                json=notice(HOEFCHEN, "Baustelle")) as response:
            assert response.status == 201
            via_leader = (await response.json())["id"]

        async def everywhere() -> bool:
            seen = [await board_alerts(session, s, SCHILLER) for s in (leader, follower)]
            seen += [await board_alerts(session, s, HOEFCHEN) for s in (leader, follower)]
            return (seen == [[via_follower]] * 2 + [[via_leader]] * 2
                    and await exported(session, leader) >= {via_follower, via_leader}
                    and await exported(session, follower) >= {via_follower, via_leader})

        assert await wait_until(everywhere, 8), (
            [await board_alerts(session, s, SCHILLER) for s in (leader, follower)],
            await exported(session, leader))


async def test_two_writers_of_one_notice_cannot_overwrite_each_other(
        throwaway_redis: RedisProcess, start_service: StartService) -> None:
    leader, follower = await two_instances(start_service, throwaway_redis)
    token = create_token(leader.data_dir, role="admin", redis_url=throwaway_redis.url)
    auth = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=auth) as session:
        async with session.post(leader.url + "/api/v1/notices",
                                json=notice(SCHILLER, "Aufzug defekt")) as response:
            created = await response.json()
        url = f"/api/v1/notices/{created['id']}"
        async with session.get(follower.url + url) as response:
            etag = response.headers["ETag"]
            assert (await response.json())["revision"] == created["revision"] == 1

        async with session.patch(leader.url + url, json={"priority": 1}) as response:
            assert response.status == 428, "a PATCH without If-Match must be refused"

        async def patch(service: ServiceProcess, body: dict[str, Any]) -> int:
            async with session.patch(service.url + url, json=body,
                                     headers={"If-Match": etag}) as response:
                return response.status

        statuses = await asyncio.gather(patch(leader, {"priority": 1}),
                                        patch(follower, {"text": {"de": "Aufzug repariert"}}))
        assert sorted(statuses) == [200, 412], statuses
        async with session.get(follower.url + url) as response:
            final = await response.json()
            assert response.headers["ETag"] != etag and final["revision"] == 2
        won = 0 if statuses[0] == 200 else 1
        assert (final["priority"] == 1) == (won == 0)
        assert (final["text"]["de"] == "Aufzug repariert") == (won == 1)

        async with session.delete(leader.url + url, headers={"If-Match": etag}) as response:
            assert response.status == 412              # a stale withdraw is refused too
        async with session.get(leader.url + "/api/v1/audit") as response:
            audit = [r for r in (await response.json())["audit"]
                     if r.get("notice_id") == final["id"]]
        assert [r["action"] for r in audit] == ["update", "create"]
        assert audit[0]["before"]["revision"] == 1 and audit[0]["after"]["revision"] == 2


async def test_a_redis_that_comes_back_empty_keeps_the_notices_and_says_so(
        throwaway_redis: RedisProcess, start_service: StartService) -> None:
    leader, follower = await two_instances(start_service, throwaway_redis)
    token = create_token(leader.data_dir, redis_url=throwaway_redis.url)
    async with aiohttp.ClientSession() as session:
        async with session.post(leader.url + "/api/v1/notices",
                                json=notice(SCHILLER, "Aufzug defekt"),
                                headers={"Authorization": f"Bearer {token}"}) as response:
            posted = (await response.json())["id"]

        async def shown() -> bool:
            return all([await board_alerts(session, s, SCHILLER) == [posted]
                        for s in (leader, follower)])

        async def known() -> bool:               # by each instance itself, not only on boards
            for service in (leader, follower):
                async with session.get(service.url + "/api/v1/notices") as response:
                    if [n["id"] for n in (await response.json())["notices"]] != [posted]:
                        return False
            return await shown()

        assert await wait_until(known, 8)

        throwaway_redis.kill()
        throwaway_redis.start()          # no persistence: it comes back empty

        async def reset_reported() -> bool:
            for service in (leader, follower):
                async with session.get(service.url + "/readyz") as response:
                    ready = await response.json()
                if "notices" not in ready["missing"]:
                    return False
            return True

        assert await wait_until(reset_reported, 10), [s.log_tail() for s in (leader, follower)]
        for _ in range(10):             # and stays so: boards keep the notice throughout
            assert await shown(), "the notice left the boards after the Redis reset"
            await asyncio.sleep(0.3)
        async with session.get(follower.url + "/api/v1/notices") as response:
            assert [n["id"] for n in (await response.json())["notices"]] == [posted]
        async with session.get(leader.url + "/api/v1/status") as response:
            status = (await response.json())["notices"]
        assert status["store"] == "reset" and status["reset_at"], status
        async with session.get(follower.url + "/operator") as response:
            page = await response.text()
        assert "zurückgesetzt" in page, page
        async with session.get(leader.url + "/api/v1/notices",
                               headers={"Authorization": f"Bearer {token}"}) as response:
            assert response.status == 401             # the token was in the lost data

    for service in (leader, follower):
        assert "notice store was reset" in service.log_tail(300)

    # once an administrator has made a token again, the instances stop reporting the reset
    create_token(leader.data_dir, role="admin", redis_url=throwaway_redis.url)
    async with aiohttp.ClientSession() as session:

        async def cleared() -> bool:
            for service in (leader, follower):
                async with session.get(service.url + "/readyz") as response:
                    if "notices" in (await response.json())["missing"]:
                        return False
            return True

        assert await wait_until(cleared, 10)

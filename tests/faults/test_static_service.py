"""The static feed at the feed URL changes or breaks, as published feeds do, while real
`abfahrt serve` processes run on it (issue 15, items 5, 7 and 12):

- instances on one Redis serve only boards of their own timetable, and a new feed found by one
  is announced so the others swap within one check;

- a broken feed stays reported until a feed really builds, also when the publisher answers the
  next checks with `304 Not Modified` for the same broken bytes;
- a zip bomb (a small zip whose stop_times.txt inflates to hundreds of MB) neither kills the
  instance nor swells it: the build runs in a child process under a memory limit;
- an instance that starts while the feed URL serves something unbuildable starts from the last
  good timetable it kept on disk, and says so.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import aiohttp
import psutil
import pytest

from displays.demo.network import build_demo_feed
from displays.service.config.displays_file import default_displays_file
from tests.faults.conftest import StartService
from tests.faults.harness import HBF, FeedServer, ServiceProcess, poll, wait_until
from tests.instants import BERLIN, suite_now
from tests.redis_server import RedisProcess

TODAY = dt.datetime.fromtimestamp(suite_now(), BERLIN).date()
GOOD = build_demo_feed(TODAY)
BROKEN = GOOD[: len(GOOD) // 2]                 # a truncated download: not a readable zip
BOMB_INFLATED_MB = 200
BUILD_MEMORY_MB = 2048           # address space: numpy and pyarrow map much more than RSS
MAX_GROWTH = 100 * 2**20          # the serving process may grow this much while a build runs
BOARDS = ("/displays/hbf-tram", f"/api/v1/stops/{HBF}/departures")


def zip_bomb(feed: bytes, inflated_mb: int) -> bytes:
    """`feed` with stop_times.txt replaced by one valid row repeated to `inflated_mb` MB."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(feed)) as zin, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout:
        for name in zin.namelist():
            if name != "stop_times.txt":
                zout.writestr(name, zin.read(name))
        header, row = zin.read("stop_times.txt").splitlines(keepends=True)[:2]
        block = row * (1_000_000 // len(row))
        with zout.open("stop_times.txt", "w", force_zip64=True) as member:
            member.write(header)
            for _ in range(inflated_mb * 2**20 // len(block)):
                member.write(block)
    return out.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = zip_bomb(GOOD, BOMB_INFLATED_MB)
    assert len(data) < 2 * 2**20, len(data)          # small on the wire
    return data


def start_on(start_service: StartService, url: str, name: str = "serve",
             **env: str) -> ServiceProcess:
    return start_service("--feed", url, "--displays", str(default_displays_file()), name=name,
                         ABFAHRT_STATIC_INTERVAL="1", **env)


async def static_status(session: aiohttp.ClientSession, service: ServiceProcess
                        ) -> dict[str, object]:
    async with session.get(service.url + "/api/v1/status") as response:
        body: dict[str, dict[str, object]] = await response.json()
    return body["static"]


async def test_a_broken_feed_stays_reported_while_the_publisher_answers_304(
        start_service: StartService) -> None:
    with FeedServer("/gtfs.zip", GOOD) as upstream:
        service = start_on(start_service, upstream.url)
        async with aiohttp.ClientSession() as session:
            assert (await static_status(session, service))["error"] is None
            upstream.body = BROKEN

            async def reported() -> bool:
                return bool((await static_status(session, service))["error"])

            assert await wait_until(reported, 15), service.log_tail()
            seen = upstream.served[304]
            errors = []

            async def two_more_checks() -> bool:
                errors.append((await static_status(session, service))["error"])
                return upstream.served[304] >= seen + 2

            assert await wait_until(two_more_checks, 15), (upstream.served, service.log_tail())
            await asyncio.sleep(0.3)
            errors.append((await static_status(session, service))["error"])
            assert all(errors), f"the error was cleared by a 304 of the same bytes: {errors}"
            assert "not a readable GTFS zip" in str(errors[-1])
            assert "recovered" not in service.log_tail(200)

            upstream.body = GOOD                           # the publisher fixes it
            assert await wait_until(lambda: _cleared(session, service), 15)
    assert "static feed recovered" in service.log_tail(200)


async def _cleared(session: aiohttp.ClientSession, service: ServiceProcess) -> bool:
    return (await static_status(session, service))["error"] is None


async def test_a_zip_bomb_neither_kills_nor_swells_and_a_restart_uses_the_last_good(
        start_service: StartService, bomb: bytes) -> None:
    env = {"ABFAHRT_BUILD_MEMORY_MB": str(BUILD_MEMORY_MB)}
    with FeedServer("/gtfs.zip", GOOD) as upstream:
        service = start_on(start_service, upstream.url, name="a", **env)
        async with aiohttp.ClientSession() as session:
            good = await static_status(session, service)
            process = psutil.Process(service.pid)
            base_rss = process.memory_info().rss
            upstream.body = bomb
            peak = base_rss
            served = []

            async def rejected() -> bool:
                nonlocal peak
                peak = max(peak, process.memory_info().rss)
                if peak - base_rss > MAX_GROWTH:
                    return True                 # swelling: fail at once, do not wait for it
                served.extend(await asyncio.gather(*(poll(session, service.url, p)
                                                     for p in BOARDS)))
                return bool((await static_status(session, service))["error"])

            assert await wait_until(rejected, 90, every_s=0.1), service.log_tail()
            grew = (peak - base_rss) / 2**20
            assert peak - base_rss <= MAX_GROWTH, \
                f"the serving process grew by {grew:.0f} MiB during the build"
            assert service.process is not None and service.process.poll() is None
            assert [p.describe() for p in served if p.status != 200] == []
            status = await static_status(session, service)
            assert status["feed_hash"] == good["feed_hash"]

        service.stop()            # a restart while the feed URL still serves the bomb
        again = start_on(start_service, upstream.url, name="a", **env)
        async with aiohttp.ClientSession() as session:
            status = await static_status(session, again)
            assert status["feed_hash"] == good["feed_hash"], status
            assert status["error"], status
            assert "last good" in str(status["error"]), status
            for path in BOARDS:
                assert (await poll(session, again.url, path)).status == 200, path
    assert "starting from the last good timetable" in again.log_tail(200)


def test_without_a_last_good_timetable_a_broken_feed_stops_the_start(
        start_service: StartService, tmp_path: Path) -> None:
    with FeedServer("/gtfs.zip", BROKEN) as upstream, pytest.raises(RuntimeError) as failed:
        start_on(start_service, upstream.url, name="fresh")
    assert "no last good timetable" in str(failed.value), str(failed.value)


def with_headsigns(feed: bytes, suffix: str) -> bytes:
    """`feed` with every trip headsign ending in `suffix` (same ids: a timetable update)."""
    import csv

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(feed)) as zin, zipfile.ZipFile(out, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "trips.txt":
                rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
                text = io.StringIO()
                writer = csv.DictWriter(text, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows({**r, "trip_headsign": r["trip_headsign"] + suffix}
                                 for r in rows)
                data = text.getvalue().encode("utf-8")
            zout.writestr(name, data)
    return out.getvalue()


async def test_instances_never_serve_each_others_timetable_and_swap_together(
        throwaway_redis: RedisProcess, start_service: StartService) -> None:
    """The leader checks hourly, the follower every second: the follower finds the new feed
    first. It must then serve only boards of its own timetable, and the leader must swap
    within one check instead of an hour later."""
    updated = with_headsigns(GOOD, " v2")
    with FeedServer("/gtfs.zip", GOOD) as upstream:
        common = ("--feed", upstream.url, "--displays", str(default_displays_file()),
                  "--redis", throwaway_redis.url)
        leader = start_service(*common, name="leader", ABFAHRT_STATIC_INTERVAL="3600",
                               ABFAHRT_LEADER_TTL="3", ABFAHRT_REALTIME_INTERVAL="1")
        follower = start_service(*common, name="follower", ABFAHRT_STATIC_INTERVAL="1",
                                 ABFAHRT_LEADER_TTL="3", ABFAHRT_REALTIME_INTERVAL="1")
        assert leader.get_json("/api/v1/status")["leader"]
        old_hash = leader.get_json("/api/v1/status")["static"]["feed_hash"]
        upstream.body = updated
        async with aiohttp.ClientSession() as session:

            async def static_of(service: ServiceProcess) -> str:
                return str((await static_status(session, service))["feed_hash"])

            mixed = []
            checked = 0

            async def both_swapped() -> bool:
                nonlocal checked
                runs = await static_of(follower)
                answer = await poll(session, follower.url, "/api/v1/displays/hbf-tram")
                board = json.loads(answer.body)
                if runs != old_hash:
                    checked += 1
                    heads = {d["headsign"] for d in board["departures"]}
                    if not all(h.endswith(" v2") for h in heads) or \
                            board.get("static", {}).get("feed_hash") != runs:
                        mixed.append(sorted(heads))
                    return await static_of(leader) == runs
                return False

            assert await wait_until(both_swapped, 20, every_s=0.1), (
                await static_of(leader), await static_of(follower), leader.log_tail())
            assert checked and not mixed, f"the follower served the old timetable: {mixed[:3]}"
            for service in (leader, follower):
                answer = await poll(session, service.url, "/api/v1/displays/hbf-tram")
                assert all(d["headsign"].endswith(" v2")
                           for d in json.loads(answer.body)["departures"])

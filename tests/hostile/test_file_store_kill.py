"""The embedded file store under SIGKILL (issue 15, item 10): `abfahrt serve` without Redis is
killed again and again while operators post and change notices. Afterwards every notice in the
store has its audit record (one atomic write for both), no temporary file is left behind, and
the service starts and serves every notice.
"""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path

import aiohttp

from tests.faults.conftest import StartService
from tests.faults.harness import ServiceProcess, create_token

SCHILLER = "de:07315:1002"
KILLS = 6
WRITERS = 4


async def write_until_killed(service: ServiceProcess, token: str, seconds: float) -> int:
    """WRITERS clients post notices (and patch each once) until the service is killed."""
    auth = {"Authorization": f"Bearer {token}"}
    done = 0

    async def writer(n: int) -> None:
        nonlocal done
        async with aiohttp.ClientSession(headers=auth) as session:
            k = 0
            while True:
                k += 1
                body = {"text": {"de": f"Hinweis {n}-{k} " + "x" * 300},
                        "targets": {"stops": [SCHILLER]}}
                try:
                    async with session.post(service.url + "/api/v1/notices",
                                            json=body) as response:
                        if response.status != 201:
                            continue
                        created = await response.json()
                    async with session.patch(
                            f"{service.url}/api/v1/notices/{created['id']}",
                            json={"priority": 2}, headers={"If-Match": '"1"'}) as response:
                        done += response.status == 200
                except (aiohttp.ClientError, OSError):
                    return

    tasks = [asyncio.create_task(writer(n)) for n in range(WRITERS)]
    await asyncio.sleep(seconds)
    service.kill()
    await asyncio.gather(*tasks, return_exceptions=True)
    return done


async def test_sigkill_during_writes_leaves_every_notice_with_its_audit_record(
        start_service: StartService) -> None:
    rng = random.Random(15)
    env = {"ABFAHRT_WRITE_RATE_LIMIT": "100000"}
    service = start_service(name="store", **env)
    token = create_token(service.data_dir)
    written = 0
    for _ in range(KILLS):
        written += await write_until_killed(service, token, rng.uniform(0.3, 0.9))
        service.start()
    assert written > KILLS, "the writers hardly wrote: the test proves nothing"

    folder = service.data_dir / "notices"
    leftovers = [p.name for p in folder.iterdir() if p.name.startswith(".")
                 and p.name != ".lock"]
    assert leftovers == [], f"temporary files left behind: {leftovers}"

    admin = create_token(service.data_dir, role="admin", name="Revision")
    auth = {"Authorization": f"Bearer {admin}"}
    async with aiohttp.ClientSession(headers=auth) as session:
        async with session.get(service.url + "/api/v1/notices?all=1") as response:
            notices = (await response.json())["notices"]
        async with session.get(service.url + "/api/v1/audit?limit=1000") as response:
            audit = (await response.json())["audit"]
    assert len(notices) > KILLS
    audited = {(r["notice_id"], r["after"].get("revision")) for r in audit
               if r.get("notice_id")}
    missing = [(n["id"], n.get("revision")) for n in notices
               if (n["id"], n.get("revision")) not in audited]
    assert missing == [], f"{len(missing)} notice versions without an audit record: {missing[:5]}"


def test_a_torn_last_line_is_dropped_and_the_rest_kept(tmp_path: Path) -> None:
    """A power cut can tear the last appended line; the store keeps everything before it."""
    import asyncio as aio

    from displays.notices.file_store import FileStore

    store = FileStore(tmp_path)
    record = {"id": "op-1", "revision": 1, "text": {"de": "a"}}
    aio.run(store.save_notice(record, {"id": "a1", "notice_id": "op-1"}, None))
    journal = tmp_path / "journal.jsonl"
    with journal.open("ab") as out:
        out.write(json.dumps({"notice": {"id": "op-2"}})[:20].encode())
    again = FileStore(tmp_path)
    assert list(aio.run(again.load_notices())) == ["op-1"]
    aio.run(again.save_notice({**record, "id": "op-3"}, {"id": "a3", "notice_id": "op-3"},
                              None))
    assert sorted(aio.run(FileStore(tmp_path).load_notices())) == ["op-1", "op-3"]

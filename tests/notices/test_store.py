"""The store port: a journal of whole writes, Redis with AOF surviving a restart, tokens,
revisions compared before every notice write."""

from __future__ import annotations

import asyncio
import json
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from displays.notices.auth import Role, new_token, principal_for, split_token, verify_token
from displays.notices.file_store import FileStore
from displays.notices.redis_store import RedisStore
from displays.notices.store import NoticeStore, RevisionConflict, StoreUnavailable
from displays.service.cluster.keys import Keys
from tests.redis_server import start_redis


def record(notice_id: str, text: str = "Hinweis", revision: int = 1) -> dict[str, Any]:
    return {"id": notice_id, "text": {"de": text}, "revision": revision}


async def exercise(store: NoticeStore) -> None:
    """The same contract for every implementation."""
    version = await store.initialise()
    assert version.epoch and await store.initialise() == version    # the marker is kept
    await store.save_notice(record("op-1"), {"action": "create", "notice_id": "op-1"}, None)
    await store.save_notice(record("op-1", "neu", 2), {"action": "update", "notice_id": "op-1"},
                            1)
    for stale in (1, 3, None):                 # a write that names another revision
        with pytest.raises(RevisionConflict):
            await store.save_notice(record("op-1", "alt", 2), {"action": "update"}, stale)
    with pytest.raises(RevisionConflict):     # an update of a notice that does not exist
        await store.save_notice(record("op-2", "x", 2), {"action": "update"}, 1)
    assert await store.load_notices() == {"op-1": record("op-1", "neu", 2)}
    assert await store.get_notice("op-1") == record("op-1", "neu", 2)
    assert await store.get_notice("op-2") is None
    later = await store.notices_version()
    assert later != version and not later.is_reset_of(version)
    assert [a["action"] for a in await store.load_audit()] == ["create", "update"]
    token, token_record = new_token("Leitstelle", Role.ADMIN, "2026-03-01T00:00:00+01:00")
    await store.save_token(token_record, {"action": "token-create"})
    principal = await principal_for(store, token)
    assert principal is not None and principal.role is Role.ADMIN
    assert await principal_for(store, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert await principal_for(store, "abf.unknown.secret") is None
    await store.save_token({**token_record, "revoked": "2026-03-02T00:00:00+01:00"},
                           {"action": "token-revoke"})
    assert await principal_for(store, token) is None
    await store.save_session("s1", {"token_id": token_record["id"]}, 60)
    assert await store.get_session("s1") == {"token_id": token_record["id"]}
    await store.delete_session("s1")
    assert await store.get_session("s1") is None
    # rate limits: a sliding window on the instant the caller names (the service's clock)
    t = 1_772_600_000
    assert await store.count("write:x", 60, t) == (0, 0)
    assert [(await store.hit("write:x", 60, 2, t + d))[0] for d in (0, 30, 31)] == [
        True, True, False]                                  # the refused one is not counted
    assert await store.hit("write:x", 60, 2, t + 59) == (False, 1)
    assert await store.count("write:x", 60, t + 59) == (2, 1)
    assert await store.hit("write:x", 60, 2, t + 60) == (True, 30)   # t left the window
    assert await store.count("write:x", 60, t + 60) == (2, 30)
    assert await store.count("write:y", 60, t + 60) == (0, 0)      # buckets are separate
    assert await store.count("write:x", 60, t + 200) == (0, 0)


async def test_file_store(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "notices")
    await exercise(store)
    files = sorted(p.name for p in (tmp_path / "notices").iterdir())
    assert files == [".lock", "journal.jsonl"]                      # no tmp left over
    journal = tmp_path / "notices" / "journal.jsonl"
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600
    entries = [json.loads(line) for line in journal.read_text().splitlines()]
    tokens = [e["token"] for e in entries if "token" in e]
    assert tokens and all("sha256" in t and "secret" not in t for t in tokens)
    notice_writes = [e for e in entries if "notice" in e]
    assert all(e["audit"] for e in notice_writes)          # each write with its audit record


async def test_file_store_survives_a_new_process(tmp_path: Path) -> None:
    await FileStore(tmp_path).save_notice(record("op-9"), {"action": "create"}, None)
    assert await FileStore(tmp_path).load_notices() == {"op-9": record("op-9")}


async def test_file_store_reports_a_broken_legacy_file(tmp_path: Path) -> None:
    (tmp_path / "notices.json").write_text("{not json")
    with pytest.raises(StoreUnavailable):
        await FileStore(tmp_path).load_notices()


async def test_file_store_migrates_the_files_of_earlier_versions(tmp_path: Path) -> None:
    (tmp_path / "notices.json").write_text(json.dumps({"op-1": record("op-1")}))
    (tmp_path / "tokens.json").write_text(json.dumps({"t1": {"id": "t1", "role": "admin"}}))
    (tmp_path / "audit.json").write_text(json.dumps([{"action": "create"}]))
    (tmp_path / ".notices.json.abc.tmp").write_text("half a write")    # a crash's leftover
    store = FileStore(tmp_path)
    assert await store.load_notices() == {"op-1": record("op-1")}
    assert await store.get_token("t1") == {"id": "t1", "role": "admin"}
    assert await store.load_audit() == [{"action": "create"}]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".lock", "audit.json.migrated", "journal.jsonl", "notices.json.migrated",
        "tokens.json.migrated"]


WRITER = """
import asyncio, sys
from pathlib import Path
from displays.notices.file_store import FileStore

async def main() -> None:
    store = FileStore(Path(sys.argv[1]))
    for n in range(int(sys.argv[2])):
        await store.save_notice({"id": f"n{n}", "revision": 1, "text": {"de": "x" * 3000}},
                                {"action": "create", "notice_id": f"n{n}"}, None)
asyncio.run(main())
"""


async def test_concurrent_reads_while_another_process_writes_lose_nothing(
        tmp_path: Path) -> None:
    """The service reads the journal from many worker threads at once while the CLI (another
    process) appends: every notice and audit record is seen exactly once."""
    writes = 400
    store = FileStore(tmp_path)
    await store.initialise()
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)              # switch threads often, as `abfahrt serve` does
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), str(writes)])
    try:
        while writer.poll() is None:
            await asyncio.gather(*(store.load_notices() for _ in range(16)))
            assert store.replay.offset <= (tmp_path / "journal.jsonl").stat().st_size
    finally:
        sys.setswitchinterval(interval)
        writer.wait(60)
    assert writer.returncode == 0
    seen, audit = await store.load_notices(), await store.load_audit()
    assert sorted(seen) == sorted(f"n{n}" for n in range(writes))
    assert [a["notice_id"] for a in audit] == [f"n{n}" for n in range(writes)]
    assert store.replay.offset == (tmp_path / "journal.jsonl").stat().st_size


async def test_a_lost_journal_reads_as_a_reset_store(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    before = await store.initialise()
    await store.save_notice(record("op-1"), {"action": "create"}, None)
    known = await store.notices_version()
    (tmp_path / "journal.jsonl").unlink()
    assert (await store.notices_version()).is_reset_of(known)
    again = await store.initialise()
    assert again.epoch and again.epoch != before.epoch


async def test_redis_store(redis_url: str, redis_prefix: str) -> None:
    store = RedisStore(Redis.from_url(redis_url), Keys(redis_prefix), own_client=True)
    try:
        await exercise(store)
        keys = [k.decode() for k in await store.redis.keys(f"{redis_prefix}*")]
        assert keys and all(k.startswith(redis_prefix) for k in keys)
    finally:
        await store.redis.delete(*await store.redis.keys(f"{redis_prefix}*"))
        await store.close()


async def test_redis_store_warns_without_aof(caplog: pytest.LogCaptureFixture) -> None:
    server = start_redis(appendonly=False)
    store = RedisStore(Redis.from_url(server.url), Keys("abfahrt:"), own_client=True)
    try:
        assert await store.check_persistence() is False
        assert "appendonly yes" in caplog.text
    finally:
        await store.close()
        server.stop()


async def test_notices_tokens_and_audit_survive_a_redis_restart() -> None:
    server = start_redis(appendonly=True)
    try:
        store = RedisStore(Redis.from_url(server.url), Keys("abfahrt:"), own_client=True)
        assert await store.check_persistence() is True
        await store.save_notice(record("op-1"), {"action": "create", "notice_id": "op-1"},
                                None)
        token, token_record = new_token("Leitstelle", Role.ADMIN, "2026-03-01T00:00:00+01:00")
        await store.save_token(token_record, {"action": "token-create"})
        await store.close()
        server.stop()
        server.start()
        store = RedisStore(Redis.from_url(server.url), Keys("abfahrt:"), own_client=True)
        assert await store.load_notices() == {"op-1": record("op-1")}
        assert [a["action"] for a in await store.load_audit()] == ["create", "token-create"]
        assert await principal_for(store, token) is not None
        await store.close()
    finally:
        server.stop()


async def test_redis_down_is_store_unavailable(redis_prefix: str) -> None:
    store = RedisStore(Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2),
                       Keys(redis_prefix), own_client=True)
    try:
        with pytest.raises(StoreUnavailable):
            await store.load_notices()
        with pytest.raises(StoreUnavailable):
            await store.save_notice(record("op-1"), {"action": "create"}, None)
    finally:
        await store.close()


def test_token_format_and_constant_time_check() -> None:
    token, token_record = new_token("x", Role.OPERATOR, "2026-03-01T00:00:00+01:00")
    parts = split_token(token)
    assert parts is not None and parts[0] == token_record["id"] and len(parts[1]) >= 40
    assert token_record["sha256"] != parts[1] and parts[1] not in json.dumps(token_record)
    assert verify_token(token_record, parts[1]) is not None
    assert verify_token(token_record, parts[1] + "x") is None
    assert verify_token(None, parts[1]) is None
    assert split_token("Bearer abc") is None and split_token("abf..x") is None

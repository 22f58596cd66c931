"""The store port: files written atomically, Redis with AOF surviving a restart, tokens."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from displays.notices.auth import Role, new_token, principal_for, split_token, verify_token
from displays.notices.file_store import FileStore, write_atomically
from displays.notices.redis_store import RedisStore
from displays.notices.store import NoticeStore, StoreUnavailable
from displays.service.keys import Keys
from tests.redis_server import start_redis


def record(notice_id: str, text: str = "Hinweis") -> dict[str, Any]:
    return {"id": notice_id, "text": {"de": text}}


async def exercise(store: NoticeStore) -> None:
    """The same contract for every implementation."""
    version = await store.notices_version()
    await store.save_notice(record("op-1"), {"action": "create", "notice_id": "op-1"})
    await store.save_notice(record("op-1", "neu"), {"action": "update", "notice_id": "op-1"})
    assert await store.load_notices() == {"op-1": record("op-1", "neu")}
    assert await store.notices_version() != version
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
    counts = [(await store.hit("write:x", 60))[0] for _ in range(3)]
    assert counts == [1, 2, 3]


async def test_file_store(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "notices")
    await exercise(store)
    files = sorted(p.name for p in (tmp_path / "notices").iterdir())
    assert files == [".lock", "audit.json", "notices.json", "tokens.json"]   # no tmp left over
    for name in ("audit.json", "notices.json", "tokens.json"):
        assert stat.S_IMODE((tmp_path / "notices" / name).stat().st_mode) == 0o600
    tokens = json.loads((tmp_path / "notices" / "tokens.json").read_text())
    assert all("sha256" in t and "secret" not in t for t in tokens.values())


async def test_file_store_survives_a_new_process(tmp_path: Path) -> None:
    await FileStore(tmp_path).save_notice(record("op-9"), {"action": "create"})
    assert await FileStore(tmp_path).load_notices() == {"op-9": record("op-9")}


async def test_file_store_reports_a_broken_file(tmp_path: Path) -> None:
    (tmp_path / "notices.json").write_text("{not json")
    with pytest.raises(StoreUnavailable):
        await FileStore(tmp_path).load_notices()


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "notices.json"
    write_atomically(target, b"old")
    with pytest.raises(TypeError):
        write_atomically(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["notices.json"]


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
        await store.save_notice(record("op-1"), {"action": "create", "notice_id": "op-1"})
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
            await store.save_notice(record("op-1"), {"action": "create"})
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

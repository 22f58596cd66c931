"""`abfahrt tokens`: the token is printed once as the last word; files or Redis, like serve."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from redis.asyncio import Redis

from displays.cli.main import main
from displays.notices.auth import principal_for
from displays.notices.file_store import FileStore
from displays.notices.redis_store import RedisStore
from displays.service.cluster.keys import Keys


def tokens(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["tokens", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_create_list_revoke_in_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                     ) -> None:
    where = ["--data-dir", str(tmp_path)]
    code, out, _ = tokens(capsys, "create", "--name", "Leitstelle", "--role", "admin", *where)
    assert code == 0
    token = out.split()[-1]
    store = FileStore(tmp_path / "notices")
    principal = asyncio.run(principal_for(store, token))
    assert principal is not None and principal.name == "Leitstelle"
    assert token.split(".")[2] not in (tmp_path / "notices" / "journal.jsonl").read_text()
    code, out, _ = tokens(capsys, "list", "--json", *where)
    [listed] = json.loads(out)["tokens"]
    assert listed["id"] == principal.token_id and "sha256" not in listed
    assert token.split(".")[2] not in out
    code, out, _ = tokens(capsys, "revoke", principal.token_id, *where)
    assert code == 0 and asyncio.run(principal_for(store, token)) is None
    audit = [a["action"] for a in asyncio.run(store.load_audit())]
    assert audit == ["token-create", "token-revoke"]


def test_bad_arguments_are_one_line_errors(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    where = ["--data-dir", str(tmp_path)]
    code, _, err = tokens(capsys, "create", "--name", "x", "--role", "root", *where)
    assert code == 2 and err.count("\n") == 1 and "--role" in err
    code, _, err = tokens(capsys, "create", "--name", " ", "--role", "admin", *where)
    assert code == 2 and "--name" in err
    code, _, err = tokens(capsys, "revoke", "nope", *where)
    assert code == 2 and "nope" in err


async def test_create_in_redis_via_environment(tmp_path: Path, redis_url: str,
                                               redis_prefix: str) -> None:
    env = {**os.environ, "REDIS_URL": redis_url, "ABFAHRT_REDIS_PREFIX": redis_prefix}
    result = subprocess.run([sys.executable, "-m", "displays.cli", "tokens", "create",
                             "--name", "IT", "--role", "operator"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    token = result.stdout.split()[-1]
    store = RedisStore(Redis.from_url(redis_url), Keys(redis_prefix), own_client=True)
    try:
        principal = await principal_for(store, token)
        assert principal is not None and principal.role.value == "operator"
        assert not (tmp_path / "data").exists()                 # nothing went to files
    finally:
        await store.redis.delete(*await store.redis.keys(f"{redis_prefix}*"))
        await store.close()


def test_unreachable_redis_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = tokens(capsys, "list", "--redis", "redis://127.0.0.1:1/0")
    assert code == 2 and "token store" in err


def test_create_says_which_store_and_never_uses_the_current_folder(tmp_path: Path) -> None:
    """From any folder the token lands in the one documented data folder, and says so."""
    home, elsewhere = tmp_path / "home", tmp_path / "somewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ABFAHRT_") and k not in ("REDIS_URL", "XDG_DATA_HOME",
                                                         "STATE_DIRECTORY")}
    env["HOME"] = str(home)

    def create(name: str) -> str:
        result = subprocess.run([sys.executable, "-m", "displays.cli", "tokens", "create",
                                 "--name", name, "--role", "admin"], cwd=elsewhere, env=env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout

    store = home / ".local" / "share" / "abfahrt" / "notices"
    first = create("Leitstelle")
    assert f"in the file store {store}." in first and "This is a new token store" in first
    assert (store / "journal.jsonl").exists() and not (elsewhere / "data").exists()
    second = create("Disposition")
    assert f"in the file store {store}." in second and "new token store" not in second
    principal = asyncio.run(principal_for(FileStore(store), second.split()[-1]))
    assert principal is not None and principal.name == "Disposition"


def test_the_redis_store_is_named_without_its_password() -> None:
    from displays.cli.tokens import store_name
    from displays.service.config.settings import load_settings
    settings = load_settings({}, redis_url="redis://:geheim@redis.intern:6380/2")
    assert store_name(settings) == "Redis redis://redis.intern:6380/2 (key prefix abfahrt:)"

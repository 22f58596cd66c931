"""The embedded notice store: JSON files under the data dir (notices.json, tokens.json,
audit.json, mode 0600), each rewritten atomically with tmp + fsync + os.replace and guarded by
an flock, so the CLI and the service can write side by side.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from displays.notices.store import Record, StoreUnavailable


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so a crash leaves the old or the new file, never a mix."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class FileStore:
    """JSON files in `folder`: notices.json, tokens.json, audit.json (all mode 0600)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.sessions: dict[str, tuple[float, Record]] = {}
        self.counters: dict[str, int] = {}
        self.lock = asyncio.Lock()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / ".lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _read(self, name: str, empty: Any) -> Any:
        path = self.folder / name
        try:
            return json.loads(path.read_bytes())
        except FileNotFoundError:
            return empty
        except (OSError, ValueError) as exc:
            raise StoreUnavailable(f"{path}: {exc}") from exc

    def _write(self, name: str, value: Any) -> None:
        data = json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8")
        write_atomically(self.folder / name, data)

    def _update(self, name: str, key: str, record: Record, audit: Record) -> None:
        with self._locked():
            table = self._read(name, {})
            table[key] = record
            self._write(name, table)
            log = self._read("audit.json", [])
            log.append(audit)
            self._write("audit.json", log)

    async def _run(self, func: Any, *args: Any) -> Any:
        try:
            return await asyncio.to_thread(func, *args)
        except OSError as exc:
            raise StoreUnavailable(str(exc)) from exc

    async def load_notices(self) -> dict[str, Record]:
        result: dict[str, Record] = await self._run(self._read, "notices.json", {})
        return result

    async def save_notice(self, record: Record, audit: Record) -> None:
        async with self.lock:
            await self._run(self._update, "notices.json", record["id"], record, audit)

    async def notices_version(self) -> int:
        try:
            return (self.folder / "notices.json").stat().st_mtime_ns
        except FileNotFoundError:
            return 0

    async def load_tokens(self) -> dict[str, Record]:
        result: dict[str, Record] = await self._run(self._read, "tokens.json", {})
        return result

    async def get_token(self, token_id: str) -> Record | None:
        return (await self.load_tokens()).get(token_id)

    async def save_token(self, record: Record, audit: Record) -> None:
        async with self.lock:
            await self._run(self._update, "tokens.json", record["id"], record, audit)

    async def load_audit(self) -> list[Record]:
        result: list[Record] = await self._run(self._read, "audit.json", [])
        return result

    async def get_session(self, session_id: str) -> Record | None:
        found = self.sessions.get(session_id)
        if found is None or found[0] < time.monotonic():
            self.sessions.pop(session_id, None)
            return None
        return found[1]

    async def save_session(self, session_id: str, data: Record, ttl_s: int) -> None:
        if len(self.sessions) > 10_000:      # bounded: drop expired sessions
            now = time.monotonic()
            self.sessions = {k: v for k, v in self.sessions.items() if v[0] >= now}
        self.sessions[session_id] = (time.monotonic() + ttl_s, data)

    async def delete_session(self, session_id: str) -> None:
        self.sessions.pop(session_id, None)

    async def hit(self, bucket: str, window_s: int) -> tuple[int, int]:
        now = int(time.time())
        window = now // window_s
        key = f"{bucket}:{window}"
        if len(self.counters) > 10_000:
            self.counters.clear()
        self.counters[key] = self.counters.get(key, 0) + 1
        return self.counters[key], (window + 1) * window_s - now

    async def count(self, bucket: str, window_s: int) -> tuple[int, int]:
        now = int(time.time())
        window = now // window_s
        return self.counters.get(f"{bucket}:{window}", 0), (window + 1) * window_s - now

    async def close(self) -> None:
        return None

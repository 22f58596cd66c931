"""The embedded notice store: one append-only journal under the data dir (journal.jsonl, mode
0600), guarded by an flock so the CLI and the service can write side by side.

Each write is one line — the notice (or token) together with its audit record — appended with
a single write() and an fsync, so a crash leaves the write whole or absent, never a notice
without its audit record. A line torn by a power cut is cut off before the next append; stray
temporary files of earlier versions are removed when the store is opened. The first line holds
the store's marker (`epoch`), so a journal that vanished reads as a reset store.

The journal is replayed once and then read incrementally from the last offset: a poll of the
store's version is one stat(), a token check reads only what other processes appended. Reads
run in worker threads, many at once: one thread at a time reads on (a threading lock), into a
copy of the replay that is published with one assignment, so a reader holds a replay no one
changes and no appended byte is applied twice or skipped.
Notices, tokens and audit files of earlier versions (notices.json, tokens.json, audit.json) are
migrated into the journal once.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from displays.notices.store import (
    Record,
    RevisionConflict,
    StoreUnavailable,
    StoreVersion,
    revision_of,
)

log = logging.getLogger("abfahrt.notices")
JOURNAL = "journal.jsonl"
LEGACY = ("tokens.json", "notices.json", "audit.json")


@dataclass
class Replay:
    """What the journal says, up to `offset` bytes of the file with inode `inode`."""

    inode: int = -1
    offset: int = 0
    epoch: str | None = None
    notices: dict[str, Record] = field(default_factory=dict)
    tokens: dict[str, Record] = field(default_factory=dict)
    audit: list[Record] = field(default_factory=list)

    def copy(self) -> Replay:
        """A replay to read on into (the published one is never changed)."""
        return Replay(self.inode, self.offset, self.epoch, dict(self.notices),
                      dict(self.tokens), list(self.audit))

    def apply(self, entry: dict[str, Any]) -> None:
        if "epoch" in entry and self.epoch is None:
            self.epoch = str(entry["epoch"])
        if "notice" in entry:
            self.notices[entry["notice"]["id"]] = entry["notice"]
        if "token" in entry:
            self.tokens[entry["token"]["id"]] = entry["token"]
        if entry.get("audit") is not None:
            self.audit.append(entry["audit"])


class FileStore:
    """The journal in `folder` (plus in-process sessions and rate counters)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.sessions: dict[str, tuple[float, Record]] = {}
        self.events: dict[str, list[int]] = {}     # rate-limit bucket -> instants counted
        self.lock = asyncio.Lock()
        self.replay = Replay()             # published whole, never changed afterwards
        self._reading = threading.Lock()   # one thread at a time reads on from the offset
        self._opened = False

    @property
    def journal(self) -> Path:
        return self.folder / JOURNAL

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / ".lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                if not self._opened or not self.journal.exists():
                    self._open()
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # ---- opening (under the lock) ----------------------------------------------------------
    def _open(self) -> None:
        """Remove stray temporary files, migrate legacy files, repair a torn last line."""
        for stray in self.folder.glob(".*.tmp"):
            with contextlib.suppress(OSError):
                stray.unlink()
                log.warning("removed a temporary file a crash left behind: %s", stray.name)
        if not self.journal.exists():
            self._create()
        self._repair_tail()
        self._opened = True

    def _create(self) -> None:
        entries: list[dict[str, Any]] = [{"epoch": secrets.token_hex(8)}]
        legacy = {name: self._read_legacy(name) for name in LEGACY}
        entries += [{"token": r} for r in (legacy["tokens.json"] or {}).values()]
        entries += [{"notice": r} for r in (legacy["notices.json"] or {}).values()]
        entries += [{"audit": r} for r in legacy["audit.json"] or []]
        tmp = self.folder / f".{JOURNAL}.{secrets.token_hex(4)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, b"".join(_line(e) for e in entries))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.journal)
        _sync_folder(self.folder)
        for name in LEGACY:
            if legacy[name] is not None:
                os.replace(self.folder / name, self.folder / f"{name}.migrated")
                log.info("migrated %s into %s", name, JOURNAL)

    def _read_legacy(self, name: str) -> Any:
        try:
            return json.loads((self.folder / name).read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise StoreUnavailable(f"{self.folder / name}: {exc}") from exc

    def _repair_tail(self) -> None:
        """Cut a last line without its newline (a write torn by a crash or power cut)."""
        with self.journal.open("rb+") as fh:
            size = fh.seek(0, os.SEEK_END)
            if size == 0:
                return
            fh.seek(size - 1)
            if fh.read(1) == b"\n":
                return
            keep = size
            while keep > 0:
                step = min(keep, 1 << 16)
                fh.seek(keep - step)
                block = fh.read(step)
                cut = block.rfind(b"\n")
                if cut >= 0:
                    keep = keep - step + cut + 1
                    break
                keep -= step
            log.error("%s: dropped a torn last line (%d bytes)", self.journal, size - keep)
            fh.truncate(keep)
            os.fsync(fh.fileno())

    # ---- reading ---------------------------------------------------------------------------
    def _refresh(self) -> Replay:
        """Read what was appended since the last read (all of it after a new journal)."""
        with self._reading:
            return self._read_on()

    def _read_on(self) -> Replay:
        try:
            with self.journal.open("rb") as fh:
                info = os.fstat(fh.fileno())
                replay = self.replay
                if info.st_ino != replay.inode or info.st_size < replay.offset:
                    replay = Replay(inode=info.st_ino)
                fh.seek(replay.offset)
                data = fh.read()
        except FileNotFoundError:
            self.replay = Replay()
            return self.replay
        end = data.rfind(b"\n") + 1         # an unfinished line is read next time
        if end == 0:
            self.replay = replay
            return replay
        if replay is self.replay:
            replay = replay.copy()
        for number, raw in enumerate(data[:end].splitlines()):
            try:
                replay.apply(json.loads(raw))
            except (ValueError, KeyError, TypeError) as exc:
                log.error("%s: unreadable entry skipped (line %d after offset %d): %s",
                          self.journal, number + 1, replay.offset, exc)
        replay.offset += end
        self.replay = replay
        return replay

    def _read(self) -> Replay:
        if not self._opened:
            with self._locked():
                return self._refresh()
        return self._refresh()

    # ---- writing (under the lock) ----------------------------------------------------------
    def _append(self, entry: dict[str, Any], check: Any = None) -> None:
        with self._locked():
            replay = self._refresh()
            if check is not None:
                check(replay)
            fd = os.open(self.journal, os.O_WRONLY | os.O_APPEND)
            try:
                os.write(fd, _line(entry))
                os.fsync(fd)
            finally:
                os.close(fd)
            self._refresh()

    async def _run(self, func: Any, *args: Any) -> Any:
        try:
            return await asyncio.to_thread(func, *args)
        except OSError as exc:
            raise StoreUnavailable(str(exc)) from exc

    # ---- the NoticeStore interface ---------------------------------------------------------
    async def initialise(self) -> StoreVersion:
        def start() -> Replay:
            with self._locked():            # creates the journal (and its marker) if absent
                return self._refresh()

        replay: Replay = await self._run(start)
        return StoreVersion(replay.epoch, replay.offset)

    async def notices_version(self) -> StoreVersion:
        replay: Replay = await self._run(self._read)
        return StoreVersion(replay.epoch, replay.offset)

    async def load_notices(self) -> dict[str, Record]:
        replay: Replay = await self._run(self._read)
        return dict(replay.notices)

    async def get_notice(self, notice_id: str) -> Record | None:
        return (await self.load_notices()).get(notice_id)

    async def save_notice(self, record: Record, audit: Record,
                          expected_revision: int | None) -> None:
        def check(replay: Replay) -> None:
            if revision_of(replay.notices.get(record["id"])) != expected_revision:
                raise RevisionConflict(record["id"])

        async with self.lock:
            await self._run(self._append, {"notice": record, "audit": audit}, check)

    async def load_tokens(self) -> dict[str, Record]:
        replay: Replay = await self._run(self._read)
        return dict(replay.tokens)

    async def get_token(self, token_id: str) -> Record | None:
        return (await self.load_tokens()).get(token_id)

    async def save_token(self, record: Record, audit: Record) -> None:
        async with self.lock:
            await self._run(self._append, {"token": record, "audit": audit})

    async def load_audit(self) -> list[Record]:
        replay: Replay = await self._run(self._read)
        return list(replay.audit)

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

    def _recent(self, bucket: str, window_s: int, now: int) -> list[int]:
        recent = [t for t in self.events.get(bucket, ()) if t > now - window_s]
        if recent:
            self.events[bucket] = recent
        else:
            self.events.pop(bucket, None)
        return recent

    async def hit(self, bucket: str, window_s: int, limit: int, now: int) -> tuple[bool, int]:
        recent = self._recent(bucket, window_s, now)
        if len(recent) >= limit:
            return False, _left(recent, window_s, now)
        if len(self.events) > 10_000:         # bounded: forget buckets with nothing recent
            self.events = {k: v for k, v in self.events.items() if max(v) > now - window_s}
            if len(self.events) > 10_000:
                self.events.clear()
        recent.append(now)
        self.events[bucket] = recent
        return True, _left(recent, window_s, now)

    async def count(self, bucket: str, window_s: int, now: int) -> tuple[int, int]:
        recent = self._recent(bucket, window_s, now)
        return len(recent), _left(recent, window_s, now)

    async def close(self) -> None:
        return None


def _left(events: list[int], window_s: int, now: int) -> int:
    """Seconds until the oldest of `events` leaves the window (0 without events)."""
    return max(1, min(events) + window_s - now) if events else 0


def _line(entry: dict[str, Any]) -> bytes:
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

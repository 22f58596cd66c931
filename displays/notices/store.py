"""The notice store interface: where notices, tokens, the audit log and operator sessions live.

Two implementations follow this Protocol: `file_store.FileStore` (the embedded default: one
append-only journal under the data dir) and `redis_store.RedisStore` (several instances, one
Redis); the `storage` module opens the one the settings name. Neither implementation is
imported here. The store keeps JSON records; meaning and validation live in the model.
Sessions and rate-limit counters are ephemeral; rate limits count on the instant the caller
names (the service's clock, never the wall clock), in a sliding window.

Every notice record carries a `revision` (1 when created, +1 with every write); a write names
the revision it replaces and fails with RevisionConflict when the store holds another one, so
two writers on two instances cannot overwrite each other silently. The store's version is a
marker written when it was initialised (`epoch`) and a counter of notice writes: a marker
that vanished or changed, or a counter that went back, means the store lost its data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

Record = dict[str, Any]


class StoreUnavailable(RuntimeError):
    """The store cannot be read or written right now (operator writes fail closed)."""


class RevisionConflict(Exception):
    """The store holds another revision of the notice than the write expected."""


@dataclass(frozen=True)
class StoreVersion:
    epoch: str | None        # the marker written at initialisation; None: missing (data lost)
    counter: int             # grows with every notice write

    def is_reset_of(self, known: StoreVersion) -> bool:
        """True when this version cannot follow `known`: the store lost its data since."""
        return self.epoch != known.epoch or self.counter < known.counter


class NoticeStore(Protocol):
    async def initialise(self) -> StoreVersion:
        """Write the store's marker when it has none; return the version."""
    async def notices_version(self) -> StoreVersion: ...
    async def load_notices(self) -> dict[str, Record]: ...
    async def get_notice(self, notice_id: str) -> Record | None: ...
    async def save_notice(self, record: Record, audit: Record,
                          expected_revision: int | None) -> None:
        """Save a notice and its audit record together, if the store holds revision
        `expected_revision` of it (None: it must not exist yet); else RevisionConflict."""
    async def load_tokens(self) -> dict[str, Record]: ...
    async def get_token(self, token_id: str) -> Record | None: ...
    async def save_token(self, record: Record, audit: Record) -> None: ...
    async def load_audit(self) -> list[Record]: ...
    async def get_session(self, session_id: str) -> Record | None: ...
    async def save_session(self, session_id: str, data: Record, ttl_s: int) -> None: ...
    async def delete_session(self, session_id: str) -> None: ...
    async def hit(self, bucket: str, window_s: int, limit: int, now: int) -> tuple[bool, int]:
        """Count one event at `now` unless `limit` events of `bucket` lie in the sliding window
        of the last `window_s` seconds; return (counted, seconds until the oldest leaves it).
        A refused event is not counted, so waiting that long always helps."""
    async def count(self, bucket: str, window_s: int, now: int) -> tuple[int, int]:
        """The events of `bucket` in the sliding window ending at `now`; return (count,
        seconds until the oldest leaves it, 0 when there is none)."""
    async def close(self) -> None: ...


def revision_of(record: Record | None) -> int | None:
    """The revision of a stored notice record (records written before revisions count as 1)."""
    if record is None:
        return None
    return int(record.get("revision") or 1)

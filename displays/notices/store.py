"""The notice store interface: where notices, tokens, the audit log and operator sessions live.

Two implementations follow this Protocol: `file_store.FileStore` (the embedded default: JSON
files under the data dir) and `redis_store.RedisStore` (several instances, one Redis); the
`storage` module opens the one the settings name. Neither implementation is imported here. The
store keeps JSON records; meaning and validation live in the model. Sessions and rate-limit
counters are ephemeral.
"""

from __future__ import annotations

from typing import Any, Protocol

Record = dict[str, Any]


class StoreUnavailable(RuntimeError):
    """The store cannot be read or written right now (operator writes fail closed)."""


class NoticeStore(Protocol):
    async def load_notices(self) -> dict[str, Record]: ...
    async def save_notice(self, record: Record, audit: Record) -> None:
        """Save a notice and its audit record together."""
    async def notices_version(self) -> int:
        """A number that changes whenever any instance saved a notice."""
    async def load_tokens(self) -> dict[str, Record]: ...
    async def get_token(self, token_id: str) -> Record | None: ...
    async def save_token(self, record: Record, audit: Record) -> None: ...
    async def load_audit(self) -> list[Record]: ...
    async def get_session(self, session_id: str) -> Record | None: ...
    async def save_session(self, session_id: str, data: Record, ttl_s: int) -> None: ...
    async def delete_session(self, session_id: str) -> None: ...
    async def hit(self, bucket: str, window_s: int) -> tuple[int, int]:
        """Count one event in the current fixed window; return (count, seconds left)."""
    async def count(self, bucket: str, window_s: int) -> tuple[int, int]:
        """The events counted in the current fixed window; return (count, seconds left)."""
    async def close(self) -> None: ...

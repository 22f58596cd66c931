"""The board cache: boards held in process, shared through Redis when one is configured.

A poll is answered from the in-process copy without a Redis round trip. The computing (leader)
instance writes every changed board to Redis and publishes its key; every instance drops its
in-process copy of a published key and reads it again on the next poll. When Redis is down,
the in-process copy keeps being served and `degraded` says so.

Boards in Redis are kept per static feed (`generation`, the timetable's hash): an instance
reads and invalidates only boards computed from the timetable it runs itself, so while
instances swap to a new feed one after the other, none serves another's timetable.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from displays.board.codec import BoardCodecError, board_from_plain, encode_board
from displays.board.document import BoardDocument, board_document
from displays.board.model import Board
from displays.service.cluster.keys import BOARD_TTL_S, Keys, decode, encode
from displays.service.metrics import Metrics

log = logging.getLogger(__name__)
PROBE_S = 0.5          # while Redis is down, how often it is pinged to notice it is back
PUT_BATCH = 50         # boards written to Redis per round trip


GZIP_MIN_BYTES = 1024        # smaller bodies are sent as they are
MAX_RENDERINGS = 16          # variants kept per board version (html, txt, json, gzip, …)
MAX_RENDERING_BYTES = 1 << 20  # and at most this many bytes of them (the newest always stays)


@dataclass
class CachedBoard:
    """A computed board with its ETag, plus renderings made from it on this instance.

    The renderings are an LRU bounded by count and bytes, whatever their kind (HTML, text,
    bitmap, audio): a client asking for thousands of `?rows=`/`?width=` variants only ever
    replaces older ones. The contract document (`document`) is made once per board version.
    """

    key: str
    board: Board
    etag: str
    computed_at: int
    feed_hash: str = ""               # the static feed (timetable) it was computed from
    renderings: OrderedDict[tuple[str, ...], tuple[str, bytes]] = field(
        default_factory=OrderedDict)
    rendering_bytes: int = 0
    encoded: bytes | None = field(default=None, repr=False)
    _document: BoardDocument | None = field(default=None, repr=False)
    _gzip_keys: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict, repr=False)
    # what the web layer made of a rendering to answer it (displays.web.answers.Ready), by the
    # rendering's variant and the path; dropped with the rendering
    answers: dict[tuple[tuple[str, ...], str], Any] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, key: str, board: Board) -> CachedBoard:
        """A board computed here: its document and ETag made now (off the loop)."""
        document = board_document(board)
        return cls(key=key, board=board, etag=document_etag(document), computed_at=board.at,
                   feed_hash=board.feed_hash, _document=document)

    @property
    def document(self) -> BoardDocument:
        """The departures contract document of the board."""
        if self._document is None:
            self._document = board_document(self.board)
        return self._document

    def to_bytes(self) -> bytes:
        """The board as stored in Redis (encoded once; the refresh does it off the loop)."""
        if self.encoded is None:
            head = encode({"key": self.key, "etag": self.etag, "computed_at": self.computed_at,
                           "feed_hash": self.feed_hash})
            self.encoded = head[:-1] + b',"board":' + encode_board(self.board) + b"}"
        return self.encoded

    @classmethod
    def from_bytes(cls, raw: bytes) -> CachedBoard:
        """A board another instance stored (BoardCodecError when it is not readable here)."""
        try:
            data = decode(raw)
            return cls(key=str(data["key"]), board=board_from_plain(data["board"]),
                       etag=str(data["etag"]), computed_at=int(data["computed_at"]),
                       feed_hash=str(data.get("feed_hash", "")), encoded=raw)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BoardCodecError(f"unreadable board: {exc}") from None

    @property
    def feed_label(self) -> str:
        """The static feed as the X-Static-Feed header names it."""
        return self.feed_hash[:16]

    def gzipped(self, variant: tuple[str, ...], body: bytes) -> bytes | None:
        """The gzip of a rendering (made once, kept among the renderings), or None when the
        body is too small to be worth it."""
        if len(body) < GZIP_MIN_BYTES:
            return None
        key = self._gzip_keys.get(variant)
        if key is None:
            key = self._gzip_keys[variant] = (*variant, "gzip")
        return self.rendering(key, lambda: gzip.compress(body, compresslevel=6, mtime=0))[1]

    def rendering(self, variant: tuple[str, ...], render: Callable[[], bytes]
                  ) -> tuple[str, bytes]:
        """Return (etag, body) of a rendering, made once per board version and variant."""
        found = self.renderings.get(variant)
        if found is not None:
            self.renderings.move_to_end(variant)
            return found
        body = render()
        digest = hashlib.blake2b(body, digest_size=10).hexdigest()
        found = (f'W/"{digest}"', body)
        self.renderings[variant] = found
        self.rendering_bytes += len(body)
        while len(self.renderings) > 1 and (len(self.renderings) > MAX_RENDERINGS
                                            or self.rendering_bytes > MAX_RENDERING_BYTES):
            variant_gone, (_, dropped) = self.renderings.popitem(last=False)
            self.rendering_bytes -= len(dropped)
            for key in [k for k in self.answers if k[0] == variant_gone]:
                del self.answers[key]
        return found

    def keep_answer(self, key: tuple[tuple[str, ...], str], answer: Any) -> None:
        """Keep what answers the rendering of variant `key[0]` at path `key[1]` (at most as
        many as renderings are kept, twice over: a page and its gzip are one answer)."""
        if len(self.answers) >= 2 * MAX_RENDERINGS:
            del self.answers[next(iter(self.answers))]
        self.answers[key] = answer


def document_etag(document: BoardDocument) -> str:
    """Return a weak ETag of what a board says, so a poll gets 304 while nothing changed.

    Ignored: `generated_at` (new every refresh) and the feed's header timestamp (new every
    poll of a live feed). The realtime status, every departure and every alert count.
    """
    stable: dict[str, object] = {k: v for k, v in document.items()
                                 if k not in ("generated_at", "realtime")}
    stable["realtime_status"] = document["realtime"]["status"]
    return f'W/"{hashlib.blake2b(encode(stable), digest_size=10).hexdigest()}"'


class BoardCache:
    """In-process boards, optionally backed by Redis with pub/sub invalidation."""

    def __init__(self, redis: Redis | None = None, keys: Keys | None = None,
                 origin: str = "", generation: str = "", metrics: Metrics | None = None
                 ) -> None:
        self.redis = redis
        self.keys = keys or Keys()
        self.origin = origin              # this instance; its own publications are skipped
        self.generation = generation      # the static feed the boards were computed from
        self.hot: dict[str, CachedBoard] = {}
        self.degraded = False
        self.metrics = metrics or Metrics()
        self._listener: asyncio.Task[None] | None = None
        self._probe: asyncio.Task[None] | None = None

    def _redis_failed(self, exc: Exception) -> None:
        if not self.degraded:
            log.warning("redis lost, serving the boards in memory: %s", exc)
        self.degraded = True
        if self.redis is not None and (self._probe is None or self._probe.done()):
            self._probe = asyncio.create_task(self._probe_until_ok(self.redis))

    async def _probe_until_ok(self, redis: Redis) -> None:
        """While degraded, PING every PROBE_S: an instance that neither computes nor misses
        (a follower serving from memory) must still see Redis come back at once."""
        while self.degraded:
            await asyncio.sleep(PROBE_S)
            try:
                await redis.ping()
            except (RedisError, OSError):
                continue
            self._redis_ok()

    def _redis_ok(self) -> None:
        if self.degraded:
            log.info("redis is back")
        self.degraded = False

    async def ping(self) -> bool:
        """Whether Redis answers (True without Redis); a change is logged once."""
        if self.redis is None:
            return True
        try:
            await self.redis.ping()
        except (RedisError, OSError) as exc:
            self._redis_failed(exc)
            return False
        self._redis_ok()
        return True

    def fresh(self, key: str, now: int, max_age_s: int) -> CachedBoard | None:
        """The board in this instance's memory if it was computed at most `max_age_s` before
        `now` (counted as a hit), without awaiting; else None (then `get`, which counts)."""
        board = self.peek(key, now, max_age_s)
        if board is not None:
            self.metrics.cache_hits.inc()
        return board

    def peek(self, key: str, now: int, max_age_s: int) -> CachedBoard | None:
        """`fresh` without counting: for a caller that counts a hit only when it answers
        from the board (`count_hit`)."""
        board = self.hot.get(key)
        if board is None or now - board.computed_at > max_age_s:
            return None
        return board

    def count_hit(self) -> None:
        self.metrics.cache_hits.inc()

    async def get(self, key: str) -> CachedBoard | None:
        board = self.hot.get(key)
        if board is not None:
            self.metrics.cache_hits.inc()
            return board
        self.metrics.cache_misses.inc()
        if self.redis is None:
            return None
        try:
            raw = await self.redis.get(self._shared(key))
        except (RedisError, OSError) as exc:
            self._redis_failed(exc)
            return None
        self._redis_ok()
        if raw is None:
            return None
        try:                              # a typed board is rebuilt off the loop
            board = await asyncio.to_thread(
                CachedBoard.from_bytes, raw if isinstance(raw, bytes) else raw.encode())
        except BoardCodecError as exc:
            log.warning("board %s in redis is unreadable here, computing it: %s", key, exc)
            return None
        if board.feed_hash != self.generation:
            return None                   # computed from another timetable: never served
        self.hot[key] = board
        return board

    async def put(self, boards: list[CachedBoard]) -> list[str]:
        """Store and publish new versions of boards; return the keys whose ETag changed.

        Every version replaces the last one, even with the same ETag: its instant (clock,
        countdowns) is newer, and the renderings made from the old one must not be served.
        """
        changed = [b.key for b in boards
                   if (old := self.hot.get(b.key)) is None or old.etag != b.etag]
        for board in boards:
            self.hot[board.key] = board
        if self.redis is not None and boards:
            try:
                # in batches: requests are answered between them (500 boards are ~10 MB)
                for start in range(0, len(boards), PUT_BATCH):
                    async with self.redis.pipeline(transaction=False) as pipe:
                        for board in boards[start:start + PUT_BATCH]:
                            pipe.set(self._shared(board.key), board.to_bytes(),
                                     ex=BOARD_TTL_S)
                            pipe.publish(self.keys.boards_channel,
                                         f"{self.origin} {self.generation} {board.key}")
                        await pipe.execute()
                self._redis_ok()
            except (RedisError, OSError) as exc:
                self._redis_failed(exc)
        return changed

    def _shared(self, key: str) -> str:
        return self.keys.board(f"{self.generation[:16]}:{key}")

    def set_generation(self, generation: str) -> None:
        """A new static feed: forget every board of the old one."""
        self.generation = generation
        self.hot.clear()

    def invalidate(self, key: str) -> None:
        if key == "*":
            self.hot.clear()
        else:
            self.hot.pop(key, None)

    async def listen(self, handlers: dict[str, Callable[[str], Any]],
                     is_leader: Callable[[], bool] = lambda: False) -> None:
        """Follow the invalidation channel, and hand the messages of the channels in
        `handlers` to their handler, until cancelled; reconnect after Redis outages."""
        assert self.redis is not None
        while True:
            try:
                pubsub = self.redis.pubsub()
                await pubsub.subscribe(self.keys.boards_channel, *handlers)
                self._redis_ok()
                if not is_leader():
                    # boards published while we were away are unknown: read them again
                    self.hot.clear()
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    channel = message["channel"].decode()
                    data = message["data"].decode()
                    if channel == self.keys.boards_channel:
                        origin, generation, key = [*data.split(" ", 2), "", ""][:3]
                        if origin != self.origin and generation == self.generation:
                            self.invalidate(key)
                    elif channel in handlers:
                        result = handlers[channel](data)
                        if asyncio.iscoroutine(result):
                            await result
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                self._redis_failed(exc)
                await asyncio.sleep(1.0)

    def start_listening(self, handlers: dict[str, Callable[[str], Any]],
                        is_leader: Callable[[], bool] = lambda: False) -> None:
        if self.redis is not None and self._listener is None:
            self._listener = asyncio.create_task(self.listen(handlers, is_leader))

    async def close(self) -> None:
        """Stop listening; a task that does not stop within 2 s is left behind (logged), so
        shutting down never hangs on Redis."""
        for task in (self._listener, self._probe):
            if task is None:
                continue
            task.cancel()
            _, pending = await asyncio.wait({task}, timeout=2.0)
            if pending:
                log.warning("a redis task did not stop within 2 s; leaving it")
            elif not task.cancelled():
                with contextlib.suppress(Exception):
                    task.result()
        self._listener = self._probe = None

"""The fleet of displays as the service sees it: when each pillar last polled, from which
address, how often in the last hour, and since when it is online or dark.

Every instance counts the polls it answers; with Redis the counts, last contacts and addresses
are shared (`share`), so every instance reports the whole fleet whichever instance a pillar
polls. One instance (the leader, or the only one) decides the online/offline transitions: it
logs each once — when a pillar goes dark and when it is back — counts them for /metrics and
writes the state to Redis, so a new leader continues without logging them again.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from redis.asyncio import Redis
from redis.exceptions import RedisError

from displays.service.cluster.keys import POLL_COUNT_TTL_S, Keys

log = logging.getLogger("abfahrt.displays")
MINUTE = 60


@dataclass(frozen=True)
class State:
    online: bool
    since: int                 # when it went online / dark (a dark pillar: its last poll)

    def encode(self) -> str:
        return f"{'online' if self.online else 'offline'}:{self.since}"

    @classmethod
    def decode(cls, raw: str) -> State | None:
        kind, _, since = raw.partition(":")
        if kind not in ("online", "offline") or not since.isdigit():
            return None
        return cls(kind == "online", int(since))


@dataclass
class DisplayContacts:
    offline_after_s: int
    started_at: int
    seen: dict[str, int] = field(default_factory=dict)          # last poll (epoch)
    address: dict[str, str] = field(default_factory=dict)       # client address of it
    polls_hour: dict[str, int] = field(default_factory=dict)    # polls in the last 60 minutes
    states: dict[str, State] = field(default_factory=dict)
    on_dark: Callable[[], None] = lambda: None                  # counts a transition to dark
    _minutes: dict[int, Counter[str]] = field(default_factory=dict)   # this instance's polls
    _hour_here: Counter[str] = field(default_factory=Counter)        # … summed over _minutes
    _unshared: dict[int, Counter[str]] = field(default_factory=dict)
    _seen_here: dict[str, int] = field(default_factory=dict)          # … since the last share

    def polled(self, display_id: str, address: str, now: int) -> None:
        """A display asked for its board (not a preview)."""
        self.seen[display_id] = max(self.seen.get(display_id, 0), now)
        self._seen_here[display_id] = now
        self.address[display_id] = address
        minute = now // MINUTE
        counts = self._minutes.get(minute)
        if counts is None:            # a new minute: forget the one an hour ago (once)
            for old in [m for m in self._minutes if m <= minute - 60]:
                self._hour_here.subtract(self._minutes.pop(old))
            counts = self._minutes[minute] = Counter()
        counts[display_id] += 1
        unshared = self._unshared.get(minute)
        if unshared is None:
            unshared = self._unshared[minute] = Counter()
        unshared[display_id] += 1
        hour = self._hour_here[display_id] + 1
        self._hour_here[display_id] = hour
        self.polls_hour[display_id] = hour

    def is_online(self, display_id: str, now: int) -> bool:
        last = self.seen.get(display_id)
        return last is not None and now - last <= self.offline_after_s

    def evaluate(self, display_ids: Iterable[str], now: int) -> list[tuple[str, State]]:
        """Decide the transitions since the last call; log each once; return them."""
        changes = []
        for display in display_ids:
            online = self.is_online(display, now)
            known = self.states.get(display)
            if known is not None and known.online == online:
                continue
            if known is None and not online and now - self.started_at <= self.offline_after_s:
                continue                     # just started: give it time to poll
            last = self.seen.get(display)
            state = State(online, now if online else (last or self.started_at))
            self.states[display] = state
            changes.append((display, state))
            if online and known is not None:
                log.info("display %s is back (dark for %d s)", display, now - known.since)
            elif not online:
                self.on_dark()
                log.warning("display %s went dark: %s", display,
                            f"last poll {now - last} s ago" if last else
                            "no poll since the service started")
        return changes

    async def share(self, redis: Redis, keys: Keys, now: int) -> None:
        """Push this instance's polls, pull the fleet's (raise RedisError / OSError)."""
        minutes = range(now // MINUTE - 59, now // MINUTE + 1)
        async with redis.pipeline(transaction=False) as pipe:
            for minute, counts in self._unshared.items():
                for display, n in counts.items():
                    pipe.hincrby(keys.display_polls(minute), display, n)
                pipe.expire(keys.display_polls(minute), POLL_COUNT_TTL_S)
            if self._seen_here:
                pipe.hset(keys.displays_seen,
                          mapping={k: str(v) for k, v in self._seen_here.items()})
                pipe.hset(keys.displays_address,
                          mapping={k: self.address[k] for k in self._seen_here})
            pipe.hgetall(keys.displays_seen)
            pipe.hgetall(keys.displays_address)
            pipe.hgetall(keys.displays_state)
            for minute in minutes:
                pipe.hgetall(keys.display_polls(minute))
            replies = await pipe.execute()
        self._unshared.clear()
        self._seen_here.clear()
        seen, address, states, *polls = replies[-(3 + len(minutes)):]
        for display, stamp in seen.items():
            name = display.decode()
            self.seen[name] = max(self.seen.get(name, 0), int(stamp))
        self.address.update({k.decode(): v.decode() for k, v in address.items()})
        hour: Counter[str] = Counter()
        for counts in polls:
            hour.update({k.decode(): int(v) for k, v in counts.items()})
        self.polls_hour = dict(hour)
        for display, raw in states.items():
            state = State.decode(raw.decode())
            if state is not None:
                self.states[display.decode()] = state

    async def publish_states(self, redis: Redis, keys: Keys,
                             changes: list[tuple[str, State]]) -> None:
        if changes:
            await redis.hset(keys.displays_state,
                             mapping={d: s.encode() for d, s in changes})


async def watch_displays(contacts: DisplayContacts, display_ids: list[str], now: int,
                         redis: Redis | None, keys: Keys, decides: bool) -> None:
    """Share the contacts (with Redis) and, on the deciding instance, log the transitions."""
    if redis is not None:
        try:
            await contacts.share(redis, keys, now)
        except (RedisError, OSError) as exc:
            log.warning("could not share display contacts through redis: %s", exc)
            return
    if not decides:
        return
    changes = contacts.evaluate(display_ids, now)
    if redis is not None:
        try:
            await contacts.publish_states(redis, keys, changes)
        except (RedisError, OSError) as exc:
            log.warning("could not share display states through redis: %s", exc)

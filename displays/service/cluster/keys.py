"""Every Redis key, channel, TTL and encoding of abfahrt, in one place.

All keys live under a configurable prefix (default "abfahrt:") so that several deployments — or
a test run — can share one Redis without touching each other's data.
"""

from __future__ import annotations

import json
from typing import Any

BOARD_TTL_S = 600            # a board nobody refreshes disappears after 10 min
RECENT_TTL_S = 3600          # the "recently asked stops" set is trimmed to this age
AUDIO_TTL_S = 900            # readout audio: a board's text changes at least every few minutes
SHARED_REALTIME_TTL_S = 86400  # the leader's last realtime bytes and snapshot, for followers
POLL_COUNT_TTL_S = 3900      # a display's per-minute poll counters outlive the hour they cover
SESSION_TTL_S = 8 * 3600     # an operator page session
LEADER_KEY = "leader"        # SET NX PX lock naming the computing instance
BOARDS_CHANNEL = "boards"    # pub/sub: "<instance id> <generation> <board key>" — a board changed
REALTIME_CHANNEL = "realtime"  # pub/sub: "<header timestamp> <source>" — new realtime shared
STATIC_CHANNEL = "static"    # pub/sub: "<feed hash>" — an instance swapped to a new static feed
NOTICES_CHANNEL = "notices"  # pub/sub: "<store version>" — a notice was written


class Keys:
    """Builds the keys of one deployment (one prefix)."""

    def __init__(self, prefix: str = "abfahrt:") -> None:
        self.prefix = prefix

    def board(self, board_key: str) -> str:
        """A board computed from one static feed: "<feed hash prefix>:<board key>"."""
        return f"{self.prefix}board:{board_key}"

    @property
    def leader(self) -> str:
        return self.prefix + LEADER_KEY

    @property
    def boards_channel(self) -> str:
        return self.prefix + BOARDS_CHANNEL

    @property
    def realtime_channel(self) -> str:
        return self.prefix + REALTIME_CHANNEL

    @property
    def static_channel(self) -> str:
        return self.prefix + STATIC_CHANNEL

    @property
    def notices_channel(self) -> str:
        return self.prefix + NOTICES_CHANNEL

    @property
    def displays_seen(self) -> str:
        """Hash: display id -> epoch of its last poll."""
        return self.prefix + "displays:seen"

    @property
    def displays_address(self) -> str:
        """Hash: display id -> the client address of its last poll."""
        return self.prefix + "displays:address"

    @property
    def displays_state(self) -> str:
        """Hash: display id -> "online:<since>" | "offline:<since>" (the leader decides)."""
        return self.prefix + "displays:state"

    def display_polls(self, minute: int) -> str:
        """Hash: display id -> polls in one minute (epoch // 60); expires after an hour."""
        return f"{self.prefix}displays:polls:{minute}"

    @property
    def recent_stops(self) -> str:
        """Sorted set: board key of a stop -> epoch it was last asked for."""
        return self.prefix + "stops:recent"

    def audio(self, digest: str) -> str:
        """Bytes: the audio of one readout (voice, language, text, format hashed)."""
        return f"{self.prefix}audio:{digest}"

    def realtime_snapshot(self, source: str) -> str:
        """The leader's resolved snapshot of a source (realtime.snapshot_codec), for followers."""
        return f"{self.prefix}rt:snapshot:{source}"

    def realtime_raw(self, source: str) -> str:
        """The last good GTFS-RT bytes of a source, as fetched by the leader."""
        return f"{self.prefix}rt:raw:{source}"

    @property
    def status(self) -> str:
        """JSON: the leader's feed and realtime status, for /api/v1/status on every instance."""
        return self.prefix + "status"

    @property
    def notices(self) -> str:
        """Hash: notice id -> notice JSON."""
        return self.prefix + "notices"

    @property
    def tokens(self) -> str:
        """Hash: token id -> token record JSON (hash of the secret, never the secret)."""
        return self.prefix + "tokens"

    @property
    def audit(self) -> str:
        """List: audit records JSON, oldest first."""
        return self.prefix + "audit"

    def rate(self, bucket: str) -> str:
        return f"{self.prefix}rate:{bucket}"

    # ---- operator notices (displays/notices) ---------------------------------------------
    @property
    def notices_version(self) -> str:
        """Counter: incremented with every notice write, so other instances reload notices."""
        return self.prefix + "notices:version"

    @property
    def store_epoch(self) -> str:
        """The notice store's marker, set once at initialisation: gone = the data was lost."""
        return self.prefix + "store:epoch"

    def session(self, session_id: str) -> str:
        """JSON of an operator page session (expires with SESSION_TTL_S)."""
        return f"{self.prefix}session:{session_id}"


def stop_board_key(stop_id: str, lang: str) -> str:
    """A stop's default board in `lang` (in process, and inside the Redis board key)."""
    return f"stop:{lang}:{stop_id}"


def stop_of_board_key(key: str) -> tuple[str, str] | None:
    """(lang, stop_id) of a `stop_board_key`, None for another key."""
    kind, _, rest = key.partition(":")
    lang, _, stop_id = rest.partition(":")
    return (lang, stop_id) if kind == "stop" and stop_id else None


def display_board_key(display_id: str, lang: str | None = None) -> str:
    """The display's board in its own language, or (`lang`) in another one a page asked for."""
    return f"display:{display_id}" if lang is None else f"display:{display_id}:{lang}"


def encode(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode(raw: bytes | str) -> Any:
    return json.loads(raw)

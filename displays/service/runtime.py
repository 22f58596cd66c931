"""The service's mutable shell state: the current timetable, realtime, boards, displays.

Everything the request handlers read hangs off one Runtime; jobs replace whole values (a new
Timetable, a new realtime state) in one assignment, so a handler never sees half an update.
"""

from __future__ import annotations

import datetime as dt
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from displays.board.compose import compute_board, compute_display_board, display_board_document
from displays.board.display import BoardFilter, Display
from displays.board.document import board_document, validity_document
from displays.board.lexicon import Lexicon
from displays.board.model import Board
from displays.service.clock import Clock
from displays.service.cluster.board_cache import BoardCache, CachedBoard, document_etag
from displays.service.cluster.display_contacts import DisplayContacts
from displays.service.config.settings import Settings
from displays.service.live.hub import RealtimeHub
from displays.service.loop_lag import LoopLag
from displays.service.metrics import Metrics
from displays.service.speech.audio import Speech
from displays.service.stop_search import StopSearch
from feeds import Timetable
from feeds.validity import Validity, feed_validity
from realtime.state import RealtimeState

log = logging.getLogger(__name__)


@dataclass
class FeedStatus:
    """What /api/v1/status and /metrics report about the static feed."""

    source: str
    version: str | None = None
    feed_hash: str | None = None
    loaded_at: int | None = None
    last_check: int | None = None
    error: str | None = None
    excluded: dict[str, int] = field(default_factory=dict)


class NoticeSource(Protocol):
    """What boards need of the operator notices (displays.notices.service.NoticeService)."""

    def alerts_for(self, tt: Timetable, stops: list[int], display: str | None, lang: str,
                   at: int) -> list[dict[str, Any]]:
        """The contract alerts of the notices a board of `stops` / `display` shows at `at`."""
        ...

    def all_alerts(self, lang: str, at: int) -> list[dict[str, Any]]:
        """Every notice active at `at`, as contract alerts."""
        ...

    def health(self) -> dict[str, Any]:
        """The notice store's state: {"store": "ok" | "reset" | "unavailable", ...}."""
        ...

    def wake(self) -> None:
        """Another instance wrote a notice: check the store now."""
        ...


@dataclass
class Runtime:
    settings: Settings
    tt: Timetable
    search: StopSearch
    displays: dict[str, Display]
    cache: BoardCache
    feed_status: FeedStatus
    clock: Clock = field(default_factory=Clock)
    realtime: RealtimeHub | None = None
    is_leader: bool = True
    instance_id: str = ""
    notices: NoticeSource | None = None   # operator notices, when enabled
    contacts: DisplayContacts = field(init=False)
    recent_stops: dict[str, int] = field(default_factory=dict)   # board key -> last ask
    refresh_count: int = 0
    last_refresh_ms: float = 0.0
    last_refresh_at: int = 0
    started_at: int = 0
    abbreviations: Lexicon | None = None  # the city's screen abbreviations (destinations)
    pronunciation: dict[str, Lexicon] = field(default_factory=dict)   # per language, spoken
    speech: Speech | None = None          # readout audio (engine, cache, concurrency cap)
    metrics: Metrics = field(default_factory=Metrics)
    _validity: tuple[Timetable, Validity] | None = None
    validity_logged: tuple[str, dt.date] | None = None     # (feed hash, day) last logged
    loop_lag: LoopLag = field(default_factory=LoopLag)
    # the one thread for CPU work (realtime decode and apply, board refresh): never the loop
    worker: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(
        max_workers=1, thread_name_prefix="abfahrt-worker"))

    def __post_init__(self) -> None:
        self.started_at = self.started_at or self.clock.now()
        self.contacts = DisplayContacts(self.settings.display_offline_after_s, self.started_at,
                                        on_dark=self.metrics.displays_went_dark.inc)
        self.loop_lag.record = self.metrics.loop_lag.observe

    def now(self) -> int:
        """The instant boards and notices are computed for (UTC epoch seconds)."""
        return self.clock.now()

    def validity(self) -> Validity:
        """The current timetable's validity today (kept until the day or the feed changes)."""
        today = self.clock.today(self.tt.zone)
        held = self._validity
        if held is None or held[0] is not self.tt or held[1].today != today:
            held = self._validity = (self.tt, feed_validity(self.tt, today))
        return held[1]

    def displays_online(self) -> int:
        now = self.now()
        return sum(1 for d in self.displays if self.contacts.is_online(d, now))

    def swap_timetable(self, tt: Timetable, search: StopSearch) -> None:
        """Serve `tt` from now on (`search` is its stop index, built off the loop)."""
        self.search = search
        self.tt = tt

    @property
    def realtime_state(self) -> RealtimeState | None:
        return self.realtime.state if self.realtime is not None else None

    # ---- board documents -----------------------------------------------------------------
    def stop_document(self, stop: int, at: int, window_s: int, limit: int | None,
                      flt: BoardFilter, lang: str) -> dict[str, Any]:
        return self._stop_board(stop, at, window_s, limit, flt, lang)[0]

    def _stop_board(self, stop: int, at: int, window_s: int, limit: int | None,
                    flt: BoardFilter, lang: str) -> tuple[dict[str, Any], Board]:
        board = compute_board(self.tt, self.realtime_state, [stop], at, window_s, limit, flt,
                              lang, self.settings.max_age_s)
        document = board_document(board)
        self._add_notices(document, [stop], None, lang, at)
        return document, board

    def display_document(self, display: Display, at: int) -> dict[str, Any]:
        return self._display_board(display, at)[0]

    def _display_board(self, display: Display, at: int) -> tuple[dict[str, Any], Board]:
        board = compute_display_board(self.tt, self.realtime_state, display, at,
                                      self.settings.window_min * 60, self.settings.max_age_s)
        document = display_board_document(board, display)
        stops = [i for i in (self.tt.find_stop(s) for s in display.stops) if i >= 0]
        self._add_notices(document, stops, display.id, display.lang, at)
        document["static"] = {"version": self.tt.feed_version, "feed_hash": self.tt.feed_hash}
        return document, board

    def _add_notices(self, document: dict[str, Any], stops: list[int], display: str | None,
                     lang: str, at: int) -> None:
        """Put the operator notices for the board first in its alerts."""
        if self.notices is None:
            return
        notices = self.notices.alerts_for(self.tt, stops, display, lang, at)
        if notices:
            document["alerts"] = notices + document["alerts"]

    def default_stop_board(self, stop: int, lang: str, at: int) -> CachedBoard:
        document, board = self._stop_board(stop, at, self.settings.window_min * 60,
                                           self.settings.default_limit, BoardFilter(), lang)
        return CachedBoard(key=stop_board_key(self.tt.stop_id(stop), lang), document=document,
                           etag=document_etag(document), computed_at=at,
                           timetable=validity_document(board.timetable),
                           feed_hash=self.tt.feed_hash)

    def display_board(self, display: Display, at: int, lang: str | None = None) -> CachedBoard:
        """The display's board; in `lang` when a page asks for another language than its own."""
        key = display_board_key(display.id, lang if lang != display.lang else None)
        if lang is not None and lang != display.lang:
            display = replace(display, lang=lang)
        document, board = self._display_board(display, at)
        return CachedBoard(key=key, document=document,
                           etag=document_etag(document), computed_at=at,
                           timetable=validity_document(board.timetable),
                           feed_hash=self.tt.feed_hash)


def stop_board_key(stop_id: str, lang: str) -> str:
    return f"stop:{lang}:{stop_id}"


def display_board_key(display_id: str, lang: str | None = None) -> str:
    """The display's board in its own language, or (`lang`) in another one a page asked for."""
    return f"display:{display_id}" if lang is None else f"display:{display_id}:{lang}"

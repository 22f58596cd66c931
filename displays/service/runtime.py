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

from displays.board.alert import BoardAlert
from displays.board.build import BoardRequest, compute_board, compute_display_board, display_stops
from displays.board.display import BoardFilter, Display
from displays.board.lexicon import Lexicon
from displays.board.model import Board
from displays.board.notice_board import NoticeBoard
from displays.board.notice_rules import build_scope, serving_of
from displays.service.clock import Clock
from displays.service.cluster.board_cache import BoardCache, CachedBoard
from displays.service.cluster.display_contacts import DisplayContacts
from displays.service.cluster.keys import display_board_key, stop_board_key
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


class NoticeHealth(Protocol):
    """What readiness and status need of the operator notices (the notice service)."""

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
    notices: NoticeHealth | None = None   # operator notices, when enabled
    notice_board: NoticeBoard = field(default_factory=NoticeBoard)   # what the service posts
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

    # ---- boards ----------------------------------------------------------------------------
    def request(self, window_s: int, limit: int | None = None, flt: BoardFilter | None = None,
                lang: str = "de") -> BoardRequest:
        """A board request with this service's realtime age limit and countdown horizon."""
        settings = self.settings
        return BoardRequest(window_s=window_s, limit=limit, flt=flt or BoardFilter(),
                            lang=lang, max_age_s=settings.max_age_s,
                            horizon_min=settings.countdown_horizon_min)

    def notices_for(self, stops: list[int], display: Display | None, at: int
                    ) -> tuple[BoardAlert, ...]:
        """The operator notices a board of `stops` (of `display`) shows at `at`."""
        if not self.notice_board.notices:
            return ()
        tt = self.tt
        scope = build_scope(tt, serving_of(tt), stops, display)
        return self.notice_board.for_board(scope, at, tt.zone)

    def stop_board(self, stop: int, at: int, ask: BoardRequest) -> Board:
        """The board of one stop (filtered, limited) with its notices."""
        return compute_board(self.tt, self.realtime_state, [stop], at, ask,
                             self.notices_for([stop], None, at))

    def default_stop_board(self, stop: int, lang: str, at: int) -> CachedBoard:
        ask = self.request(self.settings.window_min * 60, self.settings.default_limit,
                           lang=lang)
        return CachedBoard.of(stop_board_key(self.tt.stop_id(stop), lang),
                              self.stop_board(stop, at, ask))

    def display_board(self, display: Display, at: int, lang: str | None = None) -> CachedBoard:
        """The display's board; in `lang` when a page asks for another language than its own."""
        key = display_board_key(display.id, lang if lang != display.lang else None)
        if lang is not None and lang != display.lang:
            display = replace(display, lang=lang)
        tt = self.tt
        notices = self.notices_for(display_stops(tt, display), display, at)
        board = compute_display_board(tt, self.realtime_state, display, at,
                                      self.request(self.settings.window_min * 60), notices)
        return CachedBoard.of(key, board)

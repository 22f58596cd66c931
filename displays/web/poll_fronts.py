"""The fronts (`http.Front`) of a display's page and JSON board: its poll answered from what
is held.

A pillar polls its page, and an app the display's JSON, every few seconds: always the same
URL without a query, and nearly always answered with what was made for the board held in
memory (`answers.Ready`). Through the guard and the handler, finding that answer took two
fifths of the request's CPU over HTTP (79 µs where a bare aiohttp app serving the same bytes
takes 47; bench/RESULTS.md). A front keeps, per display, the answers of
the current second — the board they belong to, and their headers with that second's max-age
(and a page's clock) — so a poll costs a few lookups and the response; once a second, or when
the board is replaced, it looks again. Everything else goes to the guarded handler: a query,
an unknown display, one whose polls are recorded as its contact (`pillar_polls`), a starting
service, a board not held or two refreshes old, an answer not made yet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from displays.board.display import Display
from displays.service.cluster.board_cache import CachedBoard
from displays.service.cluster.keys import display_board_key
from displays.service.runtime import Runtime
from displays.service.startup import Startup
from displays.web.answers import Answers, Ready
from displays.web.api import DISPLAY_JSON_ROUTE, JSON_VARIANT, max_age, stale_after_s
from displays.web.http import Front
from displays.web.pages import DISPLAY_PAGE_ROUTE, SUFFIXES, page_variant

AnswerKey = tuple[tuple[str, ...], str]      # (variant, path): a key of CachedBoard.answers


@dataclass(frozen=True, slots=True)
class PollKey:
    """Where a display's plain poll of one route finds its answer."""

    board: str                  # the display's board in the cache
    answer: AnswerKey           # what was made for it, in CachedBoard.answers


def page_key(display: Display) -> PollKey | None:
    """A display's page as its pillar polls it (an id ending in a format suffix has none:
    the handler reads that suffix as the format)."""
    if display.id.endswith(SUFFIXES):
        return None
    variant = page_variant("html", display.lang, display.theme, display.rows, display.refresh_s)
    return PollKey(display_board_key(display.id), (variant, f"/displays/{display.id}"))


def json_key(display: Display) -> PollKey:
    """A display's JSON board as an app polls it."""
    return PollKey(display_board_key(display.id), (JSON_VARIANT, f"/api/v1/displays/{display.id}"))


@dataclass(frozen=True, slots=True)
class Held:
    """A display's answers for one second, and the board they belong to."""

    second: int
    displays: dict[str, Display]     # the configuration it was found under
    board: CachedBoard
    board_key: str
    answers: Answers


class Polls:
    """What the plain polls of one route are answered with, by display id."""

    def __init__(self, key: Callable[[Display], PollKey | None], clocked: bool) -> None:
        self._key = key
        self._clocked = clocked                  # a page: its answers carry X-Clock
        self._keys: dict[str, PollKey] = {}
        self._keys_for: dict[str, Display] | None = None
        self.held: dict[str, Held] = {}

    def renew(self, rt: Runtime, startup: Startup, display_id: str, now: int) -> Held | None:
        """The answers of this second, if the service is ready, the display's board held and
        its answer made. The board's lookup counts as one cache hit: the second's polls are
        answered without another."""
        if not startup.ready:
            return None
        if rt.displays is not self._keys_for:     # only displays whose polls need no record
            made = ((d.id, self._key(d)) for d in rt.displays.values() if not d.poll_from)
            self._keys = {i: k for i, k in made if k is not None}
            self._keys_for = rt.displays
            self.held.clear()
        key = self._keys.get(display_id)
        if key is None:
            return None
        board = rt.cache.peek(key.board, now, stale_after_s(rt))
        ready: Ready | None = None if board is None else board.answers.get(key.answer)
        if board is None or ready is None:
            self.held.pop(display_id, None)
            return None
        rt.cache.count_hit()
        answers = ready.at(max_age(rt, board, now))
        held = Held(now, rt.displays, board, key.board,
                    answers.clocked(now) if self._clocked else answers)
        self.held[display_id] = held
        return held


def display_fronts(startup: Startup) -> dict[str, Front]:
    """The fronts of the display routes, by route path."""

    def front(polls: Polls) -> Front:
        held_now = polls.held

        def answer(request: web.Request) -> web.StreamResponse | None:
            rt = startup.runtime
            if rt is None or "?" in request.raw_path:
                return None
            display_id = request.match_info["display_id"]
            now = rt.clock.now()
            held = held_now.get(display_id)
            if held is None or held.second != now or held.displays is not rt.displays \
                    or rt.cache.hot.get(held.board_key) is not held.board:
                held = polls.renew(rt, startup, display_id, now)
                if held is None:
                    return None
            return held.answers.answer(request)

        return answer

    return {DISPLAY_PAGE_ROUTE: front(Polls(page_key, clocked=True)),
            DISPLAY_JSON_ROUTE: front(Polls(json_key, clocked=False))}


def display_paths(displays: dict[str, Display] | None) -> dict[str, list[dict[str, str]]]:
    """The display routes as literal paths (`http.LiteralPath`) for each display known when
    the app is made (`abfahrt serve` reads displays.toml first): a poll is then routed by one
    lookup."""
    values = [{"display_id": display_id} for display_id in displays or {}]
    return {DISPLAY_PAGE_ROUTE: values, DISPLAY_JSON_ROUTE: values}

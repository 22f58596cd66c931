"""Cut long notice text into pages a screen shows whole, one after another (never a marquee).

Pages break between words; a single word longer than a page is cut (it cannot be shown whole
anywhere). Pages turn per notice: each refresh period starts with the next notice, and a
notice's own pages turn from one visit to the next, so a screen that reloads (meta refresh,
e-paper) still shows every notice and every page in turn, and one long notice (at most
MAX_PAGES_PER_NOTICE pages) never hides the others for long.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

CONTROL = {"Cc", "Cf", "Cs", "Co", "Cn"}
MAX_PAGES_PER_NOTICE = 4     # one notice never takes the box for longer than this


class Page(str):
    """A page of notice text; `lang` names its language when it is not the board's (a German
    notice on an English board), so the page can say so (HTML `lang`)."""

    lang: str | None

    def __new__(cls, text: str, lang: str | None = None) -> Page:
        page = super().__new__(cls, text)
        page.lang = lang
        return page


def plain(text: str) -> str:
    """Return `text` as one line of plain text: NFC, no control characters, single spaces."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(" " if unicodedata.category(c) in CONTROL else c for c in text)
    return " ".join(text.split())


def split_pages(text: str, max_chars: int, cap: int | None = None) -> list[str]:
    """Return `text` in pages of at most `max_chars` characters, broken between words.

    Several pages end in "(2/3)"; room for that is kept on every page. With `cap`, at most
    that many pages: the last one then ends in "…" (the text boards and the readout have the
    whole text).
    """
    text = plain(text)
    if len(text) <= max_chars:
        return [text] if text else []
    room = max(max_chars - 8, 8)
    pages: list[str] = []
    current = ""
    for word in text.split(" "):
        while len(word) > room:                 # a word longer than a page is cut
            if current:
                pages.append(current)
                current = ""
            pages.append(word[: room - 1] + "…")
            word = word[room - 1:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= room:
            current = candidate
        else:
            pages.append(current)
            current = word
    if current:
        pages.append(current)
    if cap is not None and len(pages) > cap:
        pages = pages[:cap]
        pages[-1] += " …"                       # the room kept for "(n/n)" holds it
    return [f"{page} ({i}/{len(pages)})" for i, page in enumerate(pages, 1)]


def notice_turn(page_counts: Sequence[int], at: int, period_s: int) -> tuple[int, int]:
    """(notice, page) that lead the refresh period of `at`: period k starts with notice
    k mod n, at the page of it this visit shows. Every count must be at least 1."""
    period = at // max(period_s, 1)
    notice = period % len(page_counts)
    return notice, (period // len(page_counts)) % page_counts[notice]


def notice_cycle(notices: Sequence[Sequence[str]], at: int, period_s: int
                 ) -> tuple[str, ...]:
    """The pages of all notices for the refresh period of `at`, in the order a box turns them.

    Each period starts with the next notice (period k with notice k mod n), so a long notice
    cannot hold the others back; that notice starts at the page this visit shows (its pages
    turn from one visit to the next, so a screen that shows one page per refresh, e-paper,
    shows all in time); then the other notices follow in order, each from its first page.
    """
    pages = [list(p) for p in notices if p]
    if not pages:
        return ()
    start, visit = notice_turn([len(p) for p in pages], at, period_s)
    first = pages[start]
    cycle = first[visit:] + first[:visit]
    for k in range(1, len(pages)):
        cycle += pages[(start + k) % len(pages)]
    return tuple(cycle)


def turn(pages: Sequence[str], at: int, period_s: int) -> tuple[str, ...]:
    """Return the pages rotated so that each refresh period starts with the next page."""
    if len(pages) < 2:
        return tuple(pages)
    start = (at // max(period_s, 1)) % len(pages)
    return (*pages[start:], *pages[:start])

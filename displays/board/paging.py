"""Cut long notice text into pages a screen shows whole, one after another (never a marquee).

Pages break between words; a single word longer than a page is cut (it cannot be shown whole
anywhere). Which page comes first turns with the refresh period, so a screen that reloads
(meta refresh, e-paper) still shows every page in turn.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

CONTROL = {"Cc", "Cf", "Cs", "Co", "Cn"}


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


def split_pages(text: str, max_chars: int) -> list[str]:
    """Return `text` in pages of at most `max_chars` characters, broken between words.

    Several pages end in "(2/3)"; room for that is kept on every page.
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
    return [f"{page} ({i}/{len(pages)})" for i, page in enumerate(pages, 1)]


def turn(pages: Sequence[str], at: int, period_s: int) -> tuple[str, ...]:
    """Return the pages rotated so that each refresh period starts with the next page."""
    if len(pages) < 2:
        return tuple(pages)
    start = (at // max(period_s, 1)) % len(pages)
    return (*pages[start:], *pages[:start])

"""Text boards for LED matrices: a pillar as plain lines of a fixed width.

Each departure is one line: line number, destination, platform, then the countdown (and, on
signs of at least `DELAY_FROM` characters, the scheduled time with its delay). Notices are
wrapped over as many lines as they need, never cut. `MIN_TEXT_WIDTH` is the narrowest sign a
row still fits on; narrower requests are refused (HTTP 400) rather than widened.
"""

from __future__ import annotations

import textwrap
import unicodedata

from displays.board.pillar import Pillar, Row
from displays.board.wording import label

MIN_TEXT_WIDTH = 20          # line (3) + destination (≥ 6) + platform (2) + "in 13 min" (9)
DELAY_FROM = 32              # from this width a row also shows "14:48+3"


def fit(text: str, width: int) -> str:
    """Cut text to `width` characters (umlaut-safe: counts characters, not bytes)."""
    text = unicodedata.normalize("NFC", text)
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def wrap(text: str, width: int) -> list[str]:
    """Return `text` wrapped to `width` (words longer than a line are split)."""
    return textwrap.wrap(unicodedata.normalize("NFC", text), width, break_on_hyphens=False) \
        or [""]


def tail_of(row: Row, width: int) -> str:
    """What a row says on the right: countdown (or status), and "14:48+3" on wide signs."""
    tail = row.status_text if row.status in ("cancelled", "skipped") else row.when
    if row.delay and width >= DELAY_FROM and row.status != "cancelled":
        tail = f"{tail} {row.scheduled}{row.delay}"
    return tail or ""


def row_lines(rows: tuple[Row, ...], width: int) -> list[str]:
    """Departures as lines of `width` characters in aligned columns: line, destination,
    platform, countdown. The destination gives way; nothing else is ever cut."""
    tails = [tail_of(r, width) for r in rows]
    tail_w = max((len(t) for t in tails), default=0)
    plat_w = max((len((r.platform or "")[:3]) for r in rows), default=0)
    room = max(width - 4 - (plat_w + 1 if plat_w else 0) - (tail_w + 1), 1)
    lines = []
    for row, tail in zip(rows, tails, strict=True):
        cells = f"{fit(row.line, 3):<3} {fit(row.destination, room):<{room}}"
        if plat_w:
            cells += f" {(row.platform or '')[:3]:<{plat_w}}"
        lines.append(fit(f"{cells} {tail:>{tail_w}}", width))
    return lines


def text_board(pillar: Pillar, width: int, notes: tuple[str, ...] = ()) -> str:
    """Render a pillar as plain text lines of at most `width` characters (LED matrices).

    `notes` are extra last lines (the demo label).
    """
    clock = f" {pillar.clock}"
    lines = [fit(pillar.title, width - len(clock)) + clock]
    for message in (*pillar.takeover, *pillar.alternate):
        lines += wrap(message.text, width)
    if not pillar.takeover:
        lines += row_lines(pillar.rows, width)
        if not pillar.rows:
            lines.append(fit(label(pillar.lang, "no_departures"), width))
    for text in pillar.ticker_texts:
        lines += wrap(text, width)
    lines += wrap(pillar.status_line, width)
    lines.extend(fit(note, width) for note in notes)
    return "\n".join(lines) + "\n"

"""Text boards for LED matrices: a pillar as plain lines of a fixed width.

Each departure is one line: line number, destination, platform, then the countdown (and, on
signs of at least `DELAY_FROM` characters, the scheduled time with its delay). Notices are
wrapped over as many lines as they need, never cut, unless the sign has a line budget
(`lines`): then they are paged into what the departures leave. `MIN_TEXT_WIDTH` is the
narrowest sign a row still fits on with a readable destination; narrower requests are refused
(HTTP 400) rather than widened.
"""

from __future__ import annotations

import textwrap
import unicodedata

from displays.board.paging import MAX_PAGES_PER_NOTICE, notice_turn
from displays.board.pillar import Pillar, Row
from displays.board.wording import label

# line (3) + destination (6 letters and "…") + platform (3) + "hält nicht" (10), three spaces
MIN_TEXT_WIDTH = 26
MIN_DESTINATION = 7          # a row's destination keeps 6 letters and "…" (a long status gives)
DELAY_FROM = 32              # from this width a row also shows "14:48+3"
MIN_LINES = 4                # a line budget: title, a notice line, a departure, the status
MAX_LINES = 200
MIN_ROWS = 2                 # departures a line budget always keeps (when it has them)


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
    tail = row.when_text
    if row.delay and width >= DELAY_FROM and row.status != "cancelled":
        tail = f"{tail} {row.scheduled}{row.delay}"
    return tail or ""


def row_lines(rows: tuple[Row, ...], width: int) -> list[str]:
    """Departures as lines of `width` characters in aligned columns: line, destination,
    platform, countdown. The destination gives way; nothing else is ever cut."""
    tails = [tail_of(r, width) for r in rows]
    plat_w = max((len((r.platform or "")[:3]) for r in rows), default=0)
    fixed = 4 + (plat_w + 1 if plat_w else 0)
    tail_w = min(max((len(t) for t in tails), default=0),
                 max(width - fixed - MIN_DESTINATION - 1, 1))   # a long status gives way
    room = max(width - fixed - (tail_w + 1), 1)
    lines = []
    for row, tail in zip(rows, tails, strict=True):
        cells = f"{fit(row.line, 3):<3} {fit(row.destination, room):<{room}}"
        if plat_w:
            cells += f" {(row.platform or '')[:3]:<{plat_w}}"
        lines.append(fit(f"{cells} {fit(tail, tail_w):>{tail_w}}", width))
    return lines


def text_board(pillar: Pillar, width: int, notes: tuple[str, ...] = (),
               lines: int | None = None) -> str:
    """Render a pillar as plain text lines of at most `width` characters (LED matrices).

    `notes` are extra last lines (the demo label). With `lines` (a sign's line budget, at
    least MIN_LINES) the board never has more lines: see `budget_board`.
    """
    if lines is not None:
        return "\n".join(budget_board(pillar, width, notes, max(lines, MIN_LINES))) + "\n"
    clock = f" {pillar.clock}"
    lines_out = [fit(pillar.title, width - len(clock)) + clock]
    lines_out += _notices_and_rows(pillar, width)
    lines_out += wrap(pillar.status_line, width)
    lines_out.extend(fit(note, width) for note in notes)
    return "\n".join(lines_out) + "\n"


def _notices_and_rows(pillar: Pillar, width: int) -> list[str]:
    lines: list[str] = []
    for message in (*pillar.takeover, *pillar.alternate):
        lines += wrap(message.text, width)
    if not pillar.takeover:
        lines += row_lines(pillar.rows, width)
        if not pillar.rows:
            lines.append(fit(label(pillar.lang, "no_departures"), width))
    for text in pillar.ticker_texts:
        lines += wrap(text, width)
    return lines


def budget_board(pillar: Pillar, width: int, notes: tuple[str, ...], lines: int) -> list[str]:
    """The board in at most `lines` lines: title, status line and notes take one line each;
    at least MIN_ROWS departures stay (fewer only on the smallest signs); the notices share
    what is left, paged per notice like the pillar (each refresh period the next notice,
    its pages in turn, at most MAX_PAGES_PER_NOTICE), the departures fill the rest."""
    clock = f" {pillar.clock}"
    head = [fit(pillar.title, width - len(clock)) + clock]
    foot = [fit(pillar.status_line, width), *(fit(note, width) for note in notes)]
    room = max(lines - len(head) - len(foot), 1)
    rows = [] if pillar.takeover else (row_lines(pillar.rows, width) or
                                       [fit(label(pillar.lang, "no_departures"), width)])
    notices = [(m.text, True) for m in (*pillar.takeover, *pillar.alternate)] + \
        [(text, False) for text in pillar.ticker_texts]
    keep = min(len(rows), MIN_ROWS, max(room - 1, 1)) if notices else len(rows)
    budget = room - keep
    shown: list[str] = []
    before = True
    if notices and budget > 0:
        pages = []
        for text, _ in notices:
            wrapped = wrap(text, width)
            chunks = [wrapped[i:i + budget] for i in range(0, len(wrapped), budget)]
            if len(chunks) > MAX_PAGES_PER_NOTICE:
                chunks = chunks[:MAX_PAGES_PER_NOTICE]
                chunks[-1][-1] = fit(chunks[-1][-1] + " …", width)
            pages.append(chunks)
        notice, page = notice_turn([len(p) for p in pages], pillar.at, pillar.refresh_s)
        shown, before = pages[notice][page], notices[notice][1]
    rows = rows[: room - len(shown)]
    body = shown + rows if before else rows + shown
    return head + body + foot

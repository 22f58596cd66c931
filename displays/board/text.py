"""Text boards for LED matrices: a pillar as plain lines of a fixed width."""

from __future__ import annotations

import unicodedata

from displays.board.pillar import Pillar
from displays.board.wording import label


def fit(text: str, width: int) -> str:
    """Cut text to `width` characters (umlaut-safe: counts characters, not bytes)."""
    text = unicodedata.normalize("NFC", text)
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def text_board(pillar: Pillar, width: int, notes: tuple[str, ...] = ()) -> str:
    """Render a pillar as plain text lines of at most `width` characters (LED matrices).

    `notes` are extra last lines (the demo label).
    """
    lines = [fit(f"{pillar.title}  {pillar.clock}", width)]
    for message in (*pillar.takeover, *pillar.alternate):
        lines += [fit(message.header, width)] + ([fit(message.description, width)]
                                                 if message.description else [])
    for row in () if pillar.takeover else pillar.rows:
        tail = row.status_text or row.when
        if row.delay and row.status == "scheduled":
            tail = f"{row.delay} {tail}"
        head = fit(f"{row.line:<4}{row.destination}", max(width - len(tail) - 1, 1))
        lines.append(fit(f"{head:<{width - len(tail) - 1}} {tail}", width))
    if not pillar.rows and not pillar.takeover:
        lines.append(fit(label(pillar.lang, "no_departures"), width))
    lines.extend(fit(t, width) for t in pillar.ticker)
    if pillar.status_line:
        lines.append(fit(pillar.status_line, width))
    lines.extend(fit(note, width) for note in notes)
    return "\n".join(lines) + "\n"

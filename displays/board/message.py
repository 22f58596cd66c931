"""A notice's header and description as one text, by the one rule every board follows: when the
description repeats the header (it starts with it, or with what is left of a header that was cut
and ended with "…"), the description alone is shown and said; else both, joined."""

from __future__ import annotations

from displays.board.paging import plain


def repeats(header: str, description: str) -> bool:
    """Whether `description` already says `header` (a cut header counts without its "…")."""
    head = plain(header).removesuffix("…").rstrip()
    return not head or plain(description).startswith(head)


def whole_text(header: str, description: str | None, separator: str) -> str:
    """Header and description as one text, the header left out when the description repeats it."""
    if not description:
        return header
    if repeats(header, description):
        return description
    return f"{header}{separator}{description}"

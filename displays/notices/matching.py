"""Which notices a board shows at an instant, over `Notice` records (the operator pages list
and preview them); the rules themselves live with the boards (`displays.board.notice_rules`),
so a board and the notice pages can never disagree. Pure: the instant is an argument.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from displays.board import notice_rules
from displays.board.notice_board import board_order as order_of
from displays.board.notice_rules import BoardScope
from displays.notices.model import Notice, Status


def is_active(notice: Notice, at: int, zone: ZoneInfo) -> bool:
    """True when a published notice is shown at `at` (validity, weekdays, daily window)."""
    return notice.status is Status.PUBLISHED and notice.schedule.shows(at, zone)


def applies_to(notice: Notice, scope: BoardScope) -> bool:
    """True when the notice targets this board."""
    return notice_rules.applies_to(notice.targets, scope)


def board_order(notice: Notice) -> tuple[int, int, int, str]:
    """Most urgent first; at equal priority takeover, alternate, ticker; then newest first."""
    return order_of(notice.priority, notice.display, notice.updated, notice.id)

"""The operator notices as boards read them: a snapshot the notice service publishes.

The notice service (displays/notices) posts every published notice as a `PostedNotice` (its
board alert, targets and schedule) and hands the whole `NoticeBoard` to the runtime whenever
the notices, the timetable or the hour change; board building reads it and never calls the
notice service. Pure: the instant and the timetable are arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from displays.board.alert import BoardAlert, Placement
from displays.board.notice_rules import BoardScope, Schedule, Targets, applies_to

PLACEMENT_ORDER = {Placement.TAKEOVER: 0, Placement.ALTERNATE: 1, Placement.TICKER: 2}


def board_order(priority: int, placement: Placement, updated: int, notice_id: str
                ) -> tuple[int, int, int, str]:
    """Most urgent first; at equal priority takeover, alternate, ticker; then newest first."""
    return (priority, PLACEMENT_ORDER[placement], -updated, notice_id)


@dataclass(frozen=True, slots=True)
class PostedNotice:
    """A published notice: what boards show (its alert), where, and when."""

    alert: BoardAlert
    targets: Targets
    schedule: Schedule
    updated: int

    @property
    def order(self) -> tuple[int, int, int, str]:
        return board_order(self.alert.priority, self.alert.placement, self.updated,
                           self.alert.id)


@dataclass(frozen=True)
class NoticeBoard:
    """Every published notice, in board order, as of `posted_at` (its alerts' periods were
    expanded then; the notice service posts again at least every hour)."""

    notices: tuple[PostedNotice, ...] = ()
    posted_at: int = 0
    feed_hash: str = ""               # the timetable the informed entities were named from

    def for_board(self, scope: BoardScope, at: int, zone: ZoneInfo) -> tuple[BoardAlert, ...]:
        """The notices a board of `scope` shows at `at`, most urgent first."""
        return tuple(n.alert for n in self.notices
                     if n.schedule.shows(at, zone) and applies_to(n.targets, scope))

    def active(self, at: int, zone: ZoneInfo) -> tuple[BoardAlert, ...]:
        """Every notice shown somewhere at `at`."""
        return tuple(n.alert for n in self.notices if n.schedule.shows(at, zone))

    def current(self, at: int) -> tuple[BoardAlert, ...]:
        """Every notice not yet over at `at` (active now or later), by id: what is published
        as open data (the GTFS-RT alerts export, SIRI SituationExchange)."""
        return tuple(n.alert for n in sorted(self.notices, key=lambda n: n.alert.id)
                     if not n.schedule.is_over(at))

"""What a departure's time column says, as a value: now, in N minutes, a clock time, every N
minutes, cancelled, skipped. Every screen and the readout word the same value
(`displays.board.wording.when_text`, the readout's `spoken_when`, the page's script)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from feeds import Departure


class WhenKind(StrEnum):
    """What a departure's time column says."""

    NOW = "now"                  # it leaves within the minute
    MINUTES = "minutes"          # in `minutes` min (within the countdown horizon)
    CLOCK = "clock"              # beyond the horizon: the clock time of `epoch`
    EVERY = "every"              # a frequency-based trip without prediction: every `minutes` min
    CANCELLED = "cancelled"
    SKIPPED = "skipped"          # the trip runs but does not stop here


@dataclass(frozen=True, slots=True)
class When:
    kind: WhenKind
    epoch: int                   # the effective departure (predicted, else scheduled)
    minutes: int = 0             # MINUTES: minutes until it; EVERY: the headway in minutes

    @property
    def counts_down(self) -> bool:
        """Whether the column is a countdown a screen moves on by itself (now / in N min)."""
        return self.kind in (WhenKind.NOW, WhenKind.MINUTES)


def when_of(dep: Departure, at: int, horizon_min: int) -> When:
    """The time column of `dep` on a board at `at`: now, in N minutes up to `horizon_min`
    minutes, the clock time beyond; a frequency-based trip without prediction shows its
    headway; a cancelled or skipped departure says so."""
    effective = dep.effective
    if dep.status == "cancelled":
        return When(WhenKind.CANCELLED, effective)
    if dep.status == "skipped":
        return When(WhenKind.SKIPPED, effective)
    if dep.headway_s is not None and not dep.realtime:
        return When(WhenKind.EVERY, effective, dep.headway_s // 60)
    minutes = (effective - at) // 60
    if minutes <= 0:
        return When(WhenKind.NOW, effective)
    if minutes <= horizon_min:
        return When(WhenKind.MINUTES, effective, minutes)
    return When(WhenKind.CLOCK, effective)

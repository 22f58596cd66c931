"""Progress of long work (a timetable build): phases and counts, reported through a callback.

The builder calls `progress(Progress(...))` at phase changes and every chunk of rows; it never
formats anything. `ProgressPrinter` is a reporter for a terminal or a log: one line per phase
and at most one line every few seconds (the clock it reads is the caller's, injected).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a build is: `phase` (e.g. "stop_times"), `done` of `total` units (total estimated).

    Phases, in order: "open" (done/total: none; unit: the member being opened), "tables",
    "stop_times" (rows), "region" (only with a region), "build", "trips", "index", "calendar",
    "write", "done". `total` is None when unknown; for stop_times it is estimated from the member's
    inflated size and grows if the estimate was low.
    """

    phase: str
    done: int = 0
    total: int | None = None
    unit: str = "rows"

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return min(self.done / self.total, 1.0)

    def describe(self) -> str:
        """Return a short human text, e.g. "stop_times 1,234,000 of ~4,400,000 rows (28%)"."""
        if self.total is None and not self.done:
            return self.phase
        text = f"{self.phase} {self.done:,}"
        if self.total:
            text += f" of ~{self.total:,} {self.unit} ({self.fraction or 0:.0%})"
        else:
            text += f" {self.unit}"
        return text


ProgressCallback = Callable[[Progress], None]


def no_progress(_: Progress) -> None:
    """The default callback: report nothing."""


class ProgressPrinter:
    """Write a build's progress as lines: on every phase change and every `every_s` seconds.

    `write` receives one line (print, or a logger's info); `clock` returns seconds (the caller's
    monotonic clock: the core never reads one itself).
    """

    def __init__(self, write: Callable[[str], object], clock: Callable[[], float],
                 every_s: float = 3.0) -> None:
        self.write = write
        self.every_s = every_s
        self.clock = clock
        self.phase: str | None = None
        self.last = float("-inf")
        self.latest: Progress | None = None

    def __call__(self, progress: Progress) -> None:
        self.latest = progress
        now = self.clock()
        if progress.phase != self.phase or now - self.last >= self.every_s:
            self.phase, self.last = progress.phase, now
            self.write(f"timetable build: {progress.describe()}")

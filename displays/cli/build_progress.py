"""A timetable build's progress on the command line: a bar on a terminal, lines otherwise.

Both go to stderr (stdout carries the command's answer, e.g. the JSON document). On a terminal
one line is redrawn in place (at most ten times a second) and ended when the build is done;
anywhere else (a log, a pipe) `feeds.progress.ProgressPrinter` writes a line on each phase
change and every few seconds. A build shorter than `QUIET_S` (a small feed) shows nothing.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from feeds.progress import Progress, ProgressCallback, ProgressPrinter

BAR_WIDTH = 24
REDRAW_S = 0.1
LOG_EVERY_S = 3.0
QUIET_S = 1.0           # a build is shown once it has run this long


class ProgressBar:
    """Draw the build's phase and a bar of its rows in one terminal line."""

    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.clock = clock
        self.last = float("-inf")
        self.phase: str | None = None
        self.width = 0

    def __call__(self, event: Progress) -> None:
        now = self.clock()
        if event.phase == self.phase and event.phase != "done" and now - self.last < REDRAW_S:
            return
        self.phase, self.last = event.phase, now
        line = f"timetable build: {bar(event)}"
        self.stream.write("\r" + line.ljust(self.width))
        self.width = len(line)
        if event.phase == "done":
            self.stream.write("\n")
        self.stream.flush()


def bar(event: Progress) -> str:
    """`stop_times [#########...............]  38% 1,234,000 of ~3,200,000 rows`."""
    fraction = event.fraction
    if fraction is None:
        return event.describe()
    filled = round(fraction * BAR_WIDTH)
    return (f"{event.phase} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {fraction:4.0%} "
            f"{event.done:,} of ~{event.total:,} {event.unit}")


class AfterQuiet:
    """Forward events to `show` once `quiet_s` have passed since the first event."""

    def __init__(self, show: ProgressCallback, quiet_s: float = QUIET_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.show = show
        self.quiet_s = quiet_s
        self.clock = clock
        self.started: float | None = None
        self.shown = False

    def __call__(self, event: Progress) -> None:
        now = self.clock()
        if self.started is None:
            self.started = now
        if not self.shown and now - self.started < self.quiet_s:
            return
        self.shown = True
        self.show(event)


def cli_progress(stream: TextIO | None = None, quiet_s: float = QUIET_S) -> ProgressCallback:
    """The progress reporter for a command: a bar on a terminal, else a line every few
    seconds; nothing for a build that ends within `quiet_s`."""
    out = stream if stream is not None else sys.stderr
    if out.isatty():
        return AfterQuiet(ProgressBar(out), quiet_s)

    def write(line: str) -> None:
        print(f"abfahrt: {line}", file=out, flush=True)

    return AfterQuiet(ProgressPrinter(write, time.monotonic, every_s=LOG_EVERY_S), quiet_s)

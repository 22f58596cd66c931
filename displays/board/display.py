"""What a display asks of its board: which stops, which departures, how many, in which style."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class BoardFilter:
    """Filters a board by route, direction and platform code (empty = no filter)."""

    routes: frozenset[str] = frozenset()
    direction: int | None = None
    platforms: frozenset[str] = frozenset()
    per_line: int = 0                     # at most this many departures per route (0 = no cap)

    @property
    def empty(self) -> bool:
        return not (self.routes or self.platforms or self.per_line) and self.direction is None


@dataclass(frozen=True)
class Display:
    id: str
    name: str
    stops: tuple[str, ...]
    filter: BoardFilter
    rows: int = 8
    lang: str = "de"
    theme: str = "lcd"
    refresh_s: int = 30
    line_width: int = 40                  # characters per line in the .txt rendering
    lines: int | None = None              # the .txt rendering's line budget (an LED sign)
    title: str | None = None              # what riders read as the heading (else the stop name)
    audio: bool = True                    # the pillar has a speaker: offer the spoken readout
    readout_rows: int = 4                 # departures the readout speaks
    # how the pillar proves a poll is its own (web.pillar_polls): the networks it polls from,
    # the key its polls carry (`?key=`); never shown to riders
    poll_from: tuple[str, ...] = ()
    poll_key: str | None = field(default=None, repr=False)

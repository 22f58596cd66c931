"""The board: what one stop's (or display's) screen says at an instant, as typed values.

Every rendering is a function of a `Board`: the contract JSON (`document`), the pillar page,
text and bitmap (`pillar`), the spoken readout (`readout`), the GTFS-RT alerts export and the
standards' XML. Times are instants (UTC epochs); each departure carries its `When` (what its
time column says), the realtime freshness is one enum, every alert (upstream or operator notice)
carries its texts in every language it has, its periods, severity and informed entities.
Built by pure functions (`displays.board.build`) with the instant as an argument.
"""

from __future__ import annotations

from dataclasses import dataclass

from displays.board.alert import BoardAlert
from displays.board.when import When
from feeds import Departure
from feeds.validity import Validity
from realtime.freshness import Freshness


@dataclass(frozen=True, slots=True)
class BoardDeparture:
    """One listed departure and what its time column says."""

    dep: Departure
    when: When


@dataclass(frozen=True, slots=True)
class BoardDisplay:
    """The configured display a board is for, as its screens and readout need it."""

    id: str
    name: str
    title: str                   # the heading riders read (the display's title, else the stop)
    lang: str
    theme: str
    refresh_s: int
    platforms: tuple[str, ...]   # its Haltebereich (platform codes), sorted; () = every platform
    audio: bool                  # the pillar has a speaker
    readout_rows: int            # departures the readout speaks


@dataclass(frozen=True)
class Board:
    stop_id: str
    stop_name: str
    timezone: str
    at: int                              # UTC epoch (s) the board was computed for
    window_s: int
    departures: tuple[BoardDeparture, ...]
    freshness: Freshness = Freshness.UNAVAILABLE
    feed_timestamp: int | None = None    # the oldest header of the sources that predict
    sources: tuple[tuple[str, Freshness], ...] = ()   # every realtime source, its freshness
    alerts: tuple[BoardAlert, ...] = ()  # operator notices first, then upstream alerts
    lang: str = "de"                     # the language the board is shown in
    timetable: Validity | None = None    # the feed's validity as this board reports it
    display: BoardDisplay | None = None  # the configured display it is for, if any
    feed_version: str | None = None      # the static feed it was computed from
    feed_hash: str = ""
    realtime_errors: tuple[tuple[str, str], ...] = ()   # (source, why) not read (CLI)

    @property
    def live(self) -> bool:
        return self.freshness is Freshness.LIVE

    @property
    def title(self) -> str:
        return self.display.title if self.display is not None else self.stop_name

"""What a standard's request asks of a stop's board, in the board's terms, whichever standard
asked: the stop, the instant and window, the rows, the line and direction, the language."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from displays.board.display import BoardFilter
from displays.board.wording import LANGUAGES
from displays.standards.request import RequestError


@dataclass(frozen=True, slots=True)
class BoardQuery:
    stop_ref: str                      # a stop or station id as in the JSON API
    at: int | None = None              # UTC epoch; None: now
    window_s: int | None = None        # None: the service's default window
    limit: int | None = None           # departures wanted; None: the service's default rows
    routes: frozenset[str] = frozenset()   # route ids or short names (LineRef)
    direction: int | None = None       # GTFS direction_id
    lang: str | None = None            # "de" or "en"; None: the service's default language

    @property
    def default_board(self) -> bool:
        """Whether the stop's default board answers it (cached; rows up to its own are cut
        from it): now, the default window, no line or direction."""
        return (self.at is None and self.window_s is None and not self.routes
                and self.direction is None)

    @property
    def board_filter(self) -> BoardFilter:
        return BoardFilter(routes=self.routes, direction=self.direction)


def board_language(requested: Iterable[str]) -> str | None:
    """The first requested language a board is shown in ("de-DE" counts as "de")."""
    for tag in requested:
        primary = tag.split("-")[0].lower()
        if primary in LANGUAGES:
            return primary
    return None


def direction_id(name: str, raw: str | None) -> int | None:
    """A direction as GTFS numbers it: 0 or 1; "outbound" / "inbound" (any case) as 0 / 1, as
    GTFS reads direction_id."""
    if raw is None:
        return None
    words = {"0": 0, "1": 1, "outbound": 0, "inbound": 1}
    found = words.get(raw.lower())
    if found is None:
        raise RequestError(f"{name}: {raw!r} is not a direction (0 or 1, outbound or inbound)")
    return found


@dataclass(frozen=True, slots=True)
class LocationQuery:
    """A location search: stops by name (`name`), or the stop a reference names (`ref`)."""

    name: str | None = None
    ref: str | None = None
    limit: int = 10


@dataclass(frozen=True, slots=True)
class FoundStop:
    """A stop or station a location search found, as the standards describe a place."""

    id: str
    name: str
    lat: float
    lon: float
    station: bool                 # a station (StopPlace), else a stop or platform (StopPoint)
    route_types: tuple[int, ...] = ()   # of the routes that serve it (its modes)

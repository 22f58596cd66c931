"""The displays file (TOML): which pillar shows which stops, filtered how, in which style.

Validated with pydantic before the feed is loaded: every error of the file at once (the key,
the value, what is allowed), unknown keys too ("refersh" → did you mean 'refresh'?). Whether
the stops exist is checked against the timetable once it is loaded (`unknown_stops`).

To add a display key: a field of `DisplayEntry` (and, if boards use it, of `Display`).
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from displays.board.display import BoardFilter, Display
from displays.board.text import MAX_LINES, MIN_LINES, MIN_TEXT_WIDTH
from displays.board.themes import THEMES
from displays.service.config.errors import ConfigError, Location, format_errors
from feeds import Timetable

DisplayId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
StopId = Annotated[str, StringConstraints(min_length=1, max_length=256)]


class DisplayConfigError(ConfigError):
    """The displays file is unreadable or names something that cannot work."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        super().__init__(f"displays file {path}", problems)


def _theme(name: str) -> str:
    if name not in THEMES:
        raise ValueError(f"must be one of {', '.join(THEMES)}")
    return name


def _network(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value.strip(), strict=False))
    except ValueError:
        raise ValueError("an IP address or network, e.g. 10.20.0.0/16 or 2001:db8::/48") \
            from None


def _poll_key(value: str) -> str:
    if not _KEY.match(value):
        raise ValueError("16 to 128 letters, digits, '-' or '_' (e.g. from "
                         "`python3 -c 'import secrets; print(secrets.token_urlsafe(24))'`)")
    return value


_KEY = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
Network = Annotated[str, AfterValidator(_network)]
PollKey = Annotated[str, AfterValidator(_poll_key)]


class DisplayEntry(BaseModel):
    """One `[displays.ID]` table; the keys a display may have, with their bounds."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    name: str | None = None
    stops: Annotated[list[StopId], Field(min_length=1)]
    platforms: list[str | int] = []
    routes: list[str | int] = []
    direction: Literal[0, 1] | None = None
    rows: Annotated[int, Field(ge=1, le=50)] = 8
    per_line: Annotated[int, Field(ge=0, le=50)] = 0
    lang: Literal["de", "en"] = "de"
    theme: Annotated[str, AfterValidator(_theme)] = "lcd"
    refresh: Annotated[int, Field(ge=5, le=3600)] = 30
    line_width: Annotated[int, Field(ge=MIN_TEXT_WIDTH, le=200)] = 40
    lines: Annotated[int, Field(ge=MIN_LINES, le=MAX_LINES)] | None = None
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                            max_length=120)] | None = None
    audio: bool = True
    readout: Annotated[int, Field(ge=1, le=10)] = 4
    # a poll counts as the pillar's contact only from these networks, else only with its key
    address: Annotated[list[Network], Field(max_length=32)] = []
    key: PollKey | None = None

    def display(self, display_id: str) -> Display:
        return Display(
            id=display_id, name=self.name or display_id, stops=tuple(self.stops),
            filter=BoardFilter(routes=frozenset(map(str, self.routes)),
                               direction=self.direction,
                               platforms=frozenset(map(str, self.platforms)),
                               per_line=self.per_line),
            rows=self.rows, lang=self.lang, theme=self.theme, refresh_s=self.refresh,
            line_width=self.line_width, lines=self.lines, title=self.title, audio=self.audio,
            readout_rows=self.readout, poll_from=tuple(self.address), poll_key=self.key)


class DisplaysFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    displays: dict[DisplayId, DisplayEntry] = {}


ID_RULE = "an id is 1 to 64 letters, digits, '-', '_' or '.', starting with a letter or digit"


def _where(loc: Location) -> str:
    if loc[-1] == "[key]":
        return f"[displays.{loc[1]}]"
    return ".".join(str(part) for part in loc)


def _known(parent: Location) -> list[str]:
    return list(DisplayEntry.model_fields) if len(parent) == 2 else list(DisplaysFile.model_fields)


def load_displays(path: Path) -> dict[str, Display]:
    """Return the displays of a TOML file by id; raise DisplayConfigError listing every problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DisplayConfigError(path, [exc.strerror or str(exc)]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DisplayConfigError(path, [f"not valid TOML: {exc}"]) from None
    try:
        parsed = DisplaysFile.model_validate(data)
    except ValidationError as exc:
        problems = format_errors(exc, _where, _known,
                                 rules={"string_pattern_mismatch": ID_RULE})
        raise DisplayConfigError(path, problems) from None
    return {key: entry.display(key) for key, entry in parsed.displays.items()}


def unknown_stops(displays: dict[str, Display], tt: Timetable) -> list[str]:
    """One line per display stop the timetable does not know."""
    return [f"displays.{d.id}.stops: {stop!r} is not a stop of the timetable"
            for d in displays.values() for stop in d.stops if tt.find_stop(stop) < 0]


def default_displays_file() -> Path:
    return Path(__file__).resolve().parents[2] / "demo" / "displays.toml"

"""The displays file (TOML): which pillar shows which stops, filtered how, in which style."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from displays.board.display import BoardFilter, Display
from displays.board.text import MIN_TEXT_WIDTH
from displays.board.themes import THEMES

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class DisplayConfigError(ValueError):
    """The displays file is unreadable or names something that cannot work."""


def _display(display_id: str, raw: dict[str, Any]) -> Display:
    where = f"displays.{display_id}"
    if not _ID.match(display_id):
        raise DisplayConfigError(f"{where}: id must be letters, digits, '-', '_' or '.'")
    stops = raw.get("stops")
    if not isinstance(stops, list) or not stops or not all(isinstance(s, str) for s in stops):
        raise DisplayConfigError(f"{where}.stops: a non-empty list of stop ids is required")
    lang = raw.get("lang", "de")
    theme = raw.get("theme", "lcd")
    if lang not in ("de", "en"):
        raise DisplayConfigError(f"{where}.lang: must be 'de' or 'en'")
    if theme not in THEMES:
        raise DisplayConfigError(f"{where}.theme: must be one of {', '.join(THEMES)}")
    direction = raw.get("direction")
    if direction not in (None, 0, 1):
        raise DisplayConfigError(f"{where}.direction: must be 0 or 1")

    def number(key: str, default: int, low: int, high: int) -> int:
        value = raw.get(key, default)
        if not isinstance(value, int) or not low <= value <= high:
            raise DisplayConfigError(f"{where}.{key}: a whole number from {low} to {high}")
        return value

    return Display(
        id=display_id, name=str(raw.get("name", display_id)), stops=tuple(stops),
        filter=BoardFilter(routes=frozenset(map(str, raw.get("routes", []))),
                           direction=direction,
                           platforms=frozenset(map(str, raw.get("platforms", []))),
                           per_line=number("per_line", 0, 0, 50)),
        rows=number("rows", 8, 1, 50), lang=lang, theme=theme,
        refresh_s=number("refresh", 30, 5, 3600),
        line_width=number("line_width", 40, MIN_TEXT_WIDTH, 200),
        title=_text(raw, "title", where), audio=_flag(raw, "audio", where),
        readout_rows=number("readout", 4, 1, 10))


def _text(raw: dict[str, Any], key: str, where: str) -> str | None:
    value = raw.get(key)
    if value is not None and (not isinstance(value, str) or not value.strip()
                              or len(value) > 120):
        raise DisplayConfigError(f"{where}.{key}: a text of 1 to 120 characters")
    return value.strip() if value else None


def _flag(raw: dict[str, Any], key: str, where: str) -> bool:
    value = raw.get(key, True)
    if not isinstance(value, bool):
        raise DisplayConfigError(f"{where}.{key}: true or false")
    return value


def load_displays(path: Path) -> dict[str, Display]:
    """Return the displays of a TOML file by id; raise DisplayConfigError naming the problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DisplayConfigError(f"{path}: {exc}") from exc
    section = data.get("displays", {})
    if not isinstance(section, dict):
        raise DisplayConfigError(f"{path}: [displays] must be a table of displays")
    return {key: _display(key, value) for key, value in section.items()}


def default_displays_file() -> Path:
    return Path(__file__).resolve().parent.parent / "demo" / "displays.toml"

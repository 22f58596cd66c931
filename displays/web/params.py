"""Parse and bound request parameters (shared by the HTTP handlers and the CLI)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from displays.board.display import BoardFilter

MAX_PARAM_LEN = 200
EARLIEST, LATEST = 0, 32503680000 - 7 * 86400   # 1970 … a week before 3000: ISO stays 4-digit


class ParamError(ValueError):
    """A request parameter is malformed or out of range; the message names it.

    One rule for every parameter: a value outside its documented range is refused (400,
    code `invalid_parameter`, `parameter` naming it), never silently clamped.
    """

    def __init__(self, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.parameter = parameter or message.split(":", 1)[0].strip()


def parse_instant(text: str, zone: ZoneInfo) -> int:
    """Return the epoch of an ISO 8601 instant; without an offset it is agency local time."""
    if len(text) > 64:
        raise ParamError("at: too long")
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ParamError(f"at: not an ISO 8601 date-time: {text!r}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    try:
        epoch = int(value.timestamp())
    except (OverflowError, ValueError):
        epoch = -1
    if not EARLIEST <= epoch <= LATEST:
        raise ParamError(f"at: {text!r} is outside 1970–2999")
    return epoch


def parse_int(query: Mapping[str, str], name: str, default: int, low: int, high: int
              ) -> int:
    """Return an integer parameter (`default` when absent); out of range is a ParamError."""
    value = parse_optional_int(query, name, low, high)
    return default if value is None else value


def parse_optional_int(query: Mapping[str, str], name: str, low: int, high: int
                       ) -> int | None:
    """Return an integer parameter, None when absent; out of range is a ParamError."""
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw[:20])
    except ValueError:
        raise ParamError(f"{name}: must be a whole number") from None
    if not low <= value <= high:
        raise ParamError(f"{name}: must be between {low} and {high}")
    return value


def parse_float(query: Mapping[str, str], name: str, low: float, high: float) -> float:
    raw = query.get(name)
    if raw is None or raw == "":
        raise ParamError(f"{name}: required")
    try:
        value = float(raw[:32])
    except ValueError:
        raise ParamError(f"{name}: must be a number") from None
    if not low <= value <= high:  # also rejects nan
        raise ParamError(f"{name}: must be between {low} and {high}")
    return value


def parse_filter(query: Mapping[str, str]) -> BoardFilter:
    """Return the route/direction/platform filter of a request (comma-separated lists)."""
    def items(name: str) -> frozenset[str]:
        raw = query.get(name, "")
        if len(raw) > MAX_PARAM_LEN:
            raise ParamError(f"{name}: too long")
        return frozenset(v.strip() for v in raw.split(",") if v.strip())

    direction = parse_optional_int(query, "direction", 0, 1)
    return BoardFilter(routes=items("route"), direction=direction, platforms=items("platform"))


def negotiate_lang(query: Mapping[str, str], accept_language: str | None, default: str = "de"
                   ) -> str:
    """Return "de" or "en": ?lang= wins, then the best Accept-Language, then the default."""
    lang = query.get("lang")
    if lang:
        if lang not in ("de", "en"):
            raise ParamError("lang: must be 'de' or 'en'")
        return lang
    if accept_language:
        ranked = []
        for part in accept_language.split(",")[:20]:
            tag, _, q = part.strip().partition(";q=")
            try:
                weight = float(q) if q else 1.0
            except ValueError:
                weight = 0.0
            primary = tag.strip().lower().split("-")[0]
            if primary in ("de", "en"):
                ranked.append((weight, primary))
        if ranked:
            return max(ranked, key=lambda r: r[0])[1]   # first listed wins a tie
    return default

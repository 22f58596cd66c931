"""Turn untrusted notice input (a JSON object or a merged PATCH) into a `Notice`, or say why not.

Every problem names its field (`text.de`, `targets.stops[2]`, `valid_until`); nothing is
silently dropped except read-only fields a client echoes back (id, author, created, updated).
Text is plain: NFC-normalised, control and bidi-override characters removed, never parsed as
markup — escaping is the renderer's job. Links must be https.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from displays.board.alert import DEFAULT_PRIORITY, Placement
from displays.board.notice_rules import DailyWindow, RouteTarget, Targets
from displays.notices.model import LANGUAGES, Cause, Effect, Notice, Severity, Status

MAX_HEADER = 200
MAX_TEXT = 2000
MAX_AUDIO = 2000
MAX_URL = 500
MAX_TARGETS = 500
MAX_ID = 256
YEARS = (2000, 2100)        # instants a notice may name (local and UTC year), inclusive
WRITABLE = frozenset({"text", "header", "audio_text", "url", "targets", "valid_from",
                      "valid_until", "weekdays", "daily", "priority", "display", "cause",
                      "effect", "severity", "status"})
READ_ONLY = frozenset({"id", "author", "created", "updated", "source", "revision"})
_BIDI = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
E = TypeVar("E", bound=StrEnum)


class NoticeInvalid(ValueError):
    """Notice input that cannot be accepted; `errors` lists (field, message), first is `field`."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        self.field = errors[0][0]
        super().__init__("; ".join(f"{f}: {m}" for f, m in errors))


@dataclass(frozen=True)
class Catalog:
    """What targets may name: the current timetable's stops and routes, the configured displays."""

    has_stop: Callable[[str], bool]
    has_route: Callable[[str], bool]
    displays: frozenset[str]


def clean_text(value: str, single_line: bool = False) -> str:
    """NFC-normalise, drop control and bidi-override characters, trim; keep line breaks."""
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\t", " "))
    text = text.translate(_BIDI)
    text = "".join(c for c in text if c == "\n" or unicodedata.category(c) != "Cc")
    if single_line:
        text = " ".join(text.split())
    return "\n".join(line.rstrip() for line in text.strip().split("\n"))


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON merge patch: objects merge, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


class _Reader:
    """Collects every problem of one input so the answer can name them all."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []

    def fail(self, name: str, message: str) -> None:
        self.errors.append((name, message))

    def texts(self, raw: Any, name: str, limit: int, single_line: bool = False
              ) -> dict[str, str]:
        if raw is None:
            return {}
        if isinstance(raw, str):
            raw = {"de": raw}
        if not isinstance(raw, dict):
            self.fail(name, "an object of language -> text, e.g. {\"de\": \"…\"}")
            return {}
        out: dict[str, str] = {}
        for lang, value in raw.items():
            where = f"{name}.{lang}"
            if lang not in LANGUAGES:
                self.fail(where, f"unsupported language (use {' or '.join(LANGUAGES)})")
            elif value is None:
                continue
            elif not isinstance(value, str):
                self.fail(where, "must be text")
            else:
                text = clean_text(value, single_line)
                if len(text) > limit:
                    self.fail(where, f"at most {limit} characters (got {len(text)})")
                elif text:
                    out[lang] = text
        return out

    def instant(self, raw: Any, name: str, zone: ZoneInfo) -> int | None:
        if raw is None:
            return None
        if not isinstance(raw, str) or len(raw) > 64:
            self.fail(name, "an ISO 8601 date-time, e.g. 2026-03-01T06:00:00+01:00")
            return None
        try:
            value = dt.datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
        except ValueError:
            self.fail(name, f"not an ISO 8601 date-time: {raw[:64]!r}")
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)      # local (agency) time
        years: tuple[int, ...]
        try:
            epoch = int(value.timestamp())
            years = (value.year, dt.datetime.fromtimestamp(epoch, zone).year,
                     dt.datetime.fromtimestamp(epoch, dt.UTC).year)
        except (ValueError, OverflowError, OSError):
            years = (0,)
        if not all(YEARS[0] <= year <= YEARS[1] for year in years):
            self.fail(name, f"a date-time in the years {YEARS[0]} to {YEARS[1]}")
            return None
        return epoch

    def choice(self, raw: Any, name: str, enum: type[E], default: E) -> E:
        if raw is None:
            return default
        try:
            return enum(raw)
        except ValueError:
            allowed = ", ".join(e.value for e in enum)
            self.fail(name, f"unknown value {str(raw)[:40]!r} (one of {allowed})")
            return default

    def url(self, raw: Any) -> str | None:
        if raw is None or raw == "":
            return None
        if not isinstance(raw, str) or len(raw) > MAX_URL:
            self.fail("url", f"an https:// link of at most {MAX_URL} characters")
            return None
        parts = urlsplit(raw.strip())
        if (parts.scheme.lower() != "https" or not parts.netloc
                or any(c.isspace() or unicodedata.category(c) == "Cc" for c in raw.strip())):
            self.fail("url", "only https:// links are allowed")
            return None
        return raw.strip()

    def weekdays(self, raw: Any) -> tuple[int, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list) or not all(
                isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 7 for d in raw):
            self.fail("weekdays", "a list of weekdays 1 (Monday) to 7 (Sunday)")
            return ()
        return tuple(sorted(set(raw)))

    def daily(self, raw: Any) -> DailyWindow | None:
        if raw is None:
            return None
        if not isinstance(raw, dict) or set(raw) - {"from", "until"}:
            self.fail("daily", "an object {\"from\": \"HH:MM\", \"until\": \"HH:MM\"}")
            return None
        minutes = []
        for key in ("from", "until"):
            match = _HHMM.match(raw.get(key) or "") if isinstance(raw.get(key), str) else None
            value = int(match[1]) * 60 + int(match[2]) if match else -1
            if not 0 <= value <= (1440 if key == "until" else 1439):
                self.fail(f"daily.{key}", "a local time HH:MM (00:00 to 23:59, until up to 24:00)")
            minutes.append(value)
        if min(minutes) >= 0 and minutes[0] == minutes[1]:
            self.fail("daily.until", "must differ from daily.from")
        return DailyWindow(minutes[0], minutes[1]) if min(minutes) >= 0 else None

    def priority(self, raw: Any) -> int:
        if raw is None:
            return DEFAULT_PRIORITY
        if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 5:
            self.fail("priority", "a whole number from 1 (most urgent) to 5")
            return DEFAULT_PRIORITY
        return raw

    def ids(self, raw: Any, name: str, exists: Callable[[str], bool], what: str
            ) -> tuple[str, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list) or len(raw) > MAX_TARGETS:
            self.fail(name, f"a list of at most {MAX_TARGETS} {what} ids")
            return ()
        out: list[str] = []
        for i, value in enumerate(raw):
            if not isinstance(value, str) or not value or len(value) > MAX_ID:
                self.fail(f"{name}[{i}]", f"a {what} id")
            elif not exists(value):
                self.fail(f"{name}[{i}]", f"unknown {what} {value[:64]!r}")
            elif value not in out:
                out.append(value)
        return tuple(out)

    def routes(self, raw: Any, catalog: Catalog) -> tuple[RouteTarget, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list) or len(raw) > MAX_TARGETS:
            self.fail("targets.routes", f"a list of at most {MAX_TARGETS} routes")
            return ()
        out: list[RouteTarget] = []
        for i, item in enumerate(raw):
            where = f"targets.routes[{i}]"
            if isinstance(item, str):
                item = {"id": item}
            if not isinstance(item, dict) or set(item) - {"id", "direction"}:
                self.fail(where, "an object {\"id\": ROUTE_ID, \"direction\": 0|1|null}")
                continue
            route_id, direction = item.get("id"), item.get("direction")
            if not isinstance(route_id, str) or not route_id or len(route_id) > MAX_ID:
                self.fail(f"{where}.id", "a route id")
            elif not catalog.has_route(route_id):
                self.fail(f"{where}.id", f"unknown route {route_id[:64]!r}")
            elif direction is not None and (isinstance(direction, bool)
                                            or direction not in (0, 1)):
                self.fail(f"{where}.direction", "0, 1 or null (both directions)")
            elif (target := RouteTarget(route_id, direction)) not in out:
                out.append(target)
        return tuple(out)

    def targets(self, raw: Any, catalog: Catalog) -> Targets:
        if not isinstance(raw, dict) or set(raw) - {"all", "stops", "routes", "displays"}:
            self.fail("targets", "an object with all, stops, routes and/or displays")
            return Targets()
        every = raw.get("all", False)
        if not isinstance(every, bool):
            self.fail("targets.all", "true or false")
            every = False
        targets = Targets(
            all=every, stops=self.ids(raw.get("stops"), "targets.stops", catalog.has_stop,
                                      "stop"),
            routes=self.routes(raw.get("routes"), catalog),
            displays=self.ids(raw.get("displays"), "targets.displays",
                              catalog.displays.__contains__, "display"))
        if targets.is_empty and not any(f.startswith("targets") for f, _ in self.errors):
            self.fail("targets", "name at least one stop, route or display, or set all: true")
        return targets


def parse_notice(body: Any, *, catalog: Catalog, zone: ZoneInfo, now: int, notice_id: str,
                 author: str, created: int | None = None) -> Notice:
    """Return a validated Notice from input; raise NoticeInvalid naming every bad field.

    `created` is None for a new notice (a new one may not be withdrawn; without `valid_from`
    it starts `now`); for an update it is the original creation time.
    """
    if not isinstance(body, dict):
        raise NoticeInvalid([("body", "a JSON object")])
    r = _Reader()
    for key in sorted(set(body) - WRITABLE - READ_ONLY):
        r.fail(key, "unknown field")
    text = r.texts(body.get("text"), "text", MAX_TEXT)
    if "de" not in text and not any(f.startswith("text.de") for f, _ in r.errors):
        r.fail("text.de", "German text is required")
    header = r.texts(body.get("header"), "header", MAX_HEADER, single_line=True)
    audio = r.texts(body.get("audio_text"), "audio_text", MAX_AUDIO)
    targets = r.targets(body.get("targets"), catalog)
    valid_from = r.instant(body.get("valid_from"), "valid_from", zone)
    valid_until = r.instant(body.get("valid_until"), "valid_until", zone)
    start = now if valid_from is None else valid_from
    if valid_until is not None and valid_until <= start:
        r.fail("valid_until", "must be after valid_from")
    status = r.choice(body.get("status"), "status", Status, Status.PUBLISHED)
    if created is None and status is Status.WITHDRAWN:
        r.fail("status", "a new notice is draft or published")
    notice = Notice(
        id=notice_id, text=text, targets=targets, valid_from=start, valid_until=valid_until,
        header=header, audio_text=audio, url=r.url(body.get("url")),
        weekdays=r.weekdays(body.get("weekdays")), daily=r.daily(body.get("daily")),
        priority=r.priority(body.get("priority")),
        display=r.choice(body.get("display"), "display", Placement, Placement.TICKER),
        cause=r.choice(body.get("cause"), "cause", Cause, Cause.UNKNOWN_CAUSE),
        effect=r.choice(body.get("effect"), "effect", Effect, Effect.UNKNOWN_EFFECT),
        severity=r.choice(body.get("severity"), "severity", Severity,
                          Severity.UNKNOWN_SEVERITY),
        status=status, author=author, created=now if created is None else created, updated=now)
    if r.errors:
        raise NoticeInvalid(r.errors)
    return notice


def writable_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a stored notice's JSON a PATCH merges into."""
    return {k: v for k, v in data.items() if k in WRITABLE}

"""Operator notices as records: what a notice says, where and when it is shown, who wrote it.

A notice is plain text (never HTML) in German, optionally English, with a separate text for the
audio readout. It targets everything, stops or stations, routes (optionally one direction) or
displays; it is valid from an instant, optionally until one (exclusive), optionally only on some
weekdays (1 = Monday … 7 = Sunday) and inside a daily window of local (agency) time.

Priority 1 is the most urgent, 5 the least (the default is 3); boards list notices by priority.
The header is the explicit `header` when given, else the first line of the text (see
`displays.notices.alerts`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from displays.board.alert import DEFAULT_PRIORITY, Placement
from displays.board.document import iso
from displays.board.notice_rules import DailyWindow, RouteTarget, Schedule, Targets

LANGUAGES = ("de", "en")


class Status(StrEnum):
    DRAFT = "draft"            # saved, shown nowhere
    PUBLISHED = "published"    # shown while valid
    WITHDRAWN = "withdrawn"    # taken back; the record and its audit trail stay


class Cause(StrEnum):
    """GTFS-RT Alert.Cause."""

    UNKNOWN_CAUSE = "UNKNOWN_CAUSE"
    OTHER_CAUSE = "OTHER_CAUSE"
    TECHNICAL_PROBLEM = "TECHNICAL_PROBLEM"
    STRIKE = "STRIKE"
    DEMONSTRATION = "DEMONSTRATION"
    ACCIDENT = "ACCIDENT"
    HOLIDAY = "HOLIDAY"
    WEATHER = "WEATHER"
    MAINTENANCE = "MAINTENANCE"
    CONSTRUCTION = "CONSTRUCTION"
    POLICE_ACTIVITY = "POLICE_ACTIVITY"
    MEDICAL_EMERGENCY = "MEDICAL_EMERGENCY"
    SPECIAL_EVENT = "SPECIAL_EVENT"


class Effect(StrEnum):
    """GTFS-RT Alert.Effect."""

    NO_SERVICE = "NO_SERVICE"
    REDUCED_SERVICE = "REDUCED_SERVICE"
    SIGNIFICANT_DELAYS = "SIGNIFICANT_DELAYS"
    DETOUR = "DETOUR"
    ADDITIONAL_SERVICE = "ADDITIONAL_SERVICE"
    MODIFIED_SERVICE = "MODIFIED_SERVICE"
    OTHER_EFFECT = "OTHER_EFFECT"
    UNKNOWN_EFFECT = "UNKNOWN_EFFECT"
    STOP_MOVED = "STOP_MOVED"
    NO_EFFECT = "NO_EFFECT"
    ACCESSIBILITY_ISSUE = "ACCESSIBILITY_ISSUE"


class Severity(StrEnum):
    """GTFS-RT Alert.SeverityLevel."""

    UNKNOWN_SEVERITY = "UNKNOWN_SEVERITY"
    INFO = "INFO"
    WARNING = "WARNING"
    SEVERE = "SEVERE"


@dataclass(frozen=True)
class Notice:
    id: str
    text: Mapping[str, str]                   # language -> plain text; "de" always present
    targets: Targets
    valid_from: int                           # epoch seconds, inclusive
    valid_until: int | None = None            # epoch seconds, exclusive; None = no end
    header: Mapping[str, str] = field(default_factory=dict)
    audio_text: Mapping[str, str] = field(default_factory=dict)
    url: str | None = None                    # https only
    weekdays: tuple[int, ...] = ()            # ISO weekdays; () = every day
    daily: DailyWindow | None = None
    priority: int = DEFAULT_PRIORITY
    display: Placement = Placement.TICKER
    cause: Cause = Cause.UNKNOWN_CAUSE
    effect: Effect = Effect.UNKNOWN_EFFECT
    severity: Severity = Severity.UNKNOWN_SEVERITY
    status: Status = Status.PUBLISHED
    author: str = ""
    created: int = 0
    updated: int = 0
    revision: int = 1                         # +1 with every write (compare-and-set, ETag)

    @property
    def schedule(self) -> Schedule:
        """When it is shown (if published)."""
        return Schedule(self.valid_from, self.valid_until, self.weekdays, self.daily)

    def is_over(self, at: int) -> bool:
        """True once the validity has ended (a withdrawn notice is over too)."""
        return self.status is Status.WITHDRAWN or self.schedule.is_over(at)


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def targets_dict(targets: Targets) -> dict[str, Any]:
    return {
        "all": targets.all, "stops": list(targets.stops),
        "routes": [{"id": r.id, "direction": r.direction} for r in targets.routes],
        "displays": list(targets.displays),
    }


def notice_dict(notice: Notice, zone: ZoneInfo, public: bool = False) -> dict[str, Any]:
    """Return the JSON shape of a notice; `public` leaves out author, status and timestamps."""
    out: dict[str, Any] = {
        "id": notice.id,
        "text": dict(notice.text),
        "audio_text": dict(notice.audio_text),
        "targets": targets_dict(notice.targets),
        "valid_from": iso(notice.valid_from, zone),
        "valid_until": iso(notice.valid_until, zone) if notice.valid_until is not None else None,
        "weekdays": list(notice.weekdays),
        "daily": ({"from": hhmm(notice.daily.start), "until": hhmm(notice.daily.end)}
                  if notice.daily else None),
        "priority": notice.priority,
        "display": notice.display.value,
        "cause": notice.cause.value,
        "effect": notice.effect.value,
        "severity": notice.severity.value,
        "url": notice.url,
    }
    if notice.header:
        out["header"] = dict(notice.header)
    if not public:
        out.update({"status": notice.status.value, "author": notice.author,
                    "created": iso(notice.created, zone), "updated": iso(notice.updated, zone),
                    "revision": notice.revision})
    return out


def _epoch(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).timestamp())


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def notice_from_dict(data: Mapping[str, Any]) -> Notice:
    """Rebuild a stored notice (a `notice_dict` written by this service; not user input)."""
    targets = data["targets"]
    daily = data.get("daily")
    return Notice(
        id=data["id"], text=dict(data["text"]),
        targets=Targets(all=bool(targets.get("all")), stops=tuple(targets.get("stops", ())),
                        routes=tuple(RouteTarget(r["id"], r.get("direction"))
                                     for r in targets.get("routes", ())),
                        displays=tuple(targets.get("displays", ()))),
        valid_from=_epoch(data["valid_from"]),
        valid_until=_epoch(data["valid_until"]) if data.get("valid_until") else None,
        header=dict(data.get("header") or {}), audio_text=dict(data.get("audio_text") or {}),
        url=data.get("url"), weekdays=tuple(data.get("weekdays") or ()),
        daily=DailyWindow(_minutes(daily["from"]), _minutes(daily["until"])) if daily else None,
        priority=int(data.get("priority", DEFAULT_PRIORITY)),
        display=Placement(data.get("display", "ticker")),
        cause=Cause(data.get("cause", "UNKNOWN_CAUSE")),
        effect=Effect(data.get("effect", "UNKNOWN_EFFECT")),
        severity=Severity(data.get("severity", "UNKNOWN_SEVERITY")),
        status=Status(data.get("status", "published")), author=data.get("author", ""),
        created=_epoch(data["created"]), updated=_epoch(data["updated"]),
        revision=int(data.get("revision") or 1))

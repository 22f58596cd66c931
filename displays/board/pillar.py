"""Turn a board document into what a pillar shows: rows of words, a ticker, a readout.

Works on the contract document (the one view-model), so HTML, text and JSON agree. German board
conventions: "sofort", "in 3 min", the clock time beyond a horizon, "+3" delay, "fällt aus",
"Steig"/"Gleis", a highlighted platform change, "Stand 14:32 – Fahrplandaten" when not live.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from displays.board.wording import clock, countdown, label

RAIL_TYPES = {2, 100, 101, 102, 103, 106, 109}   # boards say "Gleis" for trains


@dataclass(frozen=True)
class Row:
    line: str
    colour: str | None
    text_colour: str | None
    destination: str
    when: str               # "sofort", "in 4 min", "14:52"
    scheduled: str          # "14:48"
    delay: str | None       # "+3"
    status: str             # scheduled | cancelled | skipped | added
    status_text: str | None
    platform: str | None
    platform_label: str
    platform_changed: bool
    wheelchair: bool | None
    approximate: bool
    realtime: bool
    epoch: int              # effective departure, for the optional countdown script


@dataclass(frozen=True)
class Message:
    """An alert or notice as a pillar shows it outside the ticker."""

    header: str
    description: str | None


@dataclass(frozen=True)
class Pillar:
    title: str
    lang: str
    clock: str
    rows: tuple[Row, ...]
    ticker: tuple[str, ...]
    takeover: tuple[Message, ...]   # full-screen notices: shown instead of the departures
    alternate: tuple[Message, ...]  # notices shown in turn with the departures
    status_line: str | None     # "Stand 14:32 – Fahrplandaten" when realtime is not live
    live: bool
    speech: str                 # the readout for blind riders
    minute: str                 # the board's instant to the minute (ISO), shown in the page


def _epoch(iso: str) -> int:
    return int(dt.datetime.fromisoformat(iso).timestamp())


def build_row(dep: dict[str, Any], at: int, zone: ZoneInfo, lang: str, horizon_min: int) -> Row:
    route = dep["route"]
    scheduled = _epoch(dep["scheduled"])
    effective = _epoch(dep["predicted"]) if dep["predicted"] else scheduled
    delay = dep.get("delay_s")
    status = dep["status"]
    status_text = {"cancelled": label(lang, "cancelled"), "skipped": label(lang, "skipped"),
                   "added": label(lang, "added")}.get(status)
    when = countdown(effective, at, zone, lang, horizon_min)
    if dep.get("frequency") and not dep["realtime"]:
        when = label(lang, "every", n=dep["frequency"]["headway_s"] // 60)
    return Row(
        line=route["short_name"] or route["long_name"] or route["id"],
        colour=route["color"], text_colour=route["text_color"],
        destination=dep["headsign"] or "", when=when, scheduled=clock(scheduled, zone),
        delay=f"{delay // 60:+d}" if delay is not None and abs(delay) >= 60 else None,
        status=status, status_text=status_text, platform=dep["platform"],
        platform_label=label(lang, "track" if route["type"] in RAIL_TYPES else "platform"),
        platform_changed=dep["platform_changed"], wheelchair=dep["wheelchair_accessible"],
        approximate=dep["approximate"], realtime=dep["realtime"], epoch=effective)


def _speech(title: str, rows: tuple[Row, ...], lang: str, notices: list[str]) -> str:
    """The readout: the stop, operator notices first (their audio text), then departures."""
    parts = [f"{title}."] + [n if n.endswith(".") else f"{n}." for n in notices]
    if not rows:
        return " ".join([*parts, f"{label(lang, 'no_departures')}."])
    word_line = label(lang, "line")
    for row in rows[:5]:
        if row.status == "cancelled":
            parts.append(f"{word_line} {row.line} {row.destination}, {row.scheduled}: "
                         f"{label(lang, 'cancelled')}.")
            continue
        where = f", {row.platform_label} {row.platform}" if row.platform else ""
        parts.append(f"{word_line} {row.line} {row.destination}{where}: {row.when}.")
    return " ".join(parts)


def timetable_line(document: dict[str, Any], lang: str) -> str | None:
    """The plain line a board shows when its timetable is not valid today (else None)."""
    status = (document.get("timetable") or {}).get("status", "valid")
    return None if status == "valid" else label(lang, f"timetable_{status}")


def build_pillar(document: dict[str, Any], lang: str, zone: ZoneInfo, horizon_min: int = 20,
                 rows: int | None = None) -> Pillar:
    """Return the pillar view of a board document, in `lang`, clock times in `zone`."""
    at = _epoch(document["generated_at"])
    tz = zone
    departures = document["departures"][:rows] if rows else document["departures"]
    built = tuple(build_row(d, at, tz, lang, horizon_min) for d in departures)
    title = document.get("display", {}).get("name") or document["stop"]["name"]
    live = document["realtime"]["status"] == "live"
    status_line = timetable_line(document, lang) or (
        None if live else label(lang, "schedule_only", time=clock(at, tz)))
    by_kind: dict[str, list[Message]] = {"takeover": [], "alternate": [], "ticker": []}
    for alert in document["alerts"]:
        header = alert.get("header") or alert.get("description") or ""
        if header:
            kind = alert.get("display") if alert.get("display") in by_kind else "ticker"
            detail = alert.get("description") if alert.get("header") else None
            by_kind[kind].append(Message(header, detail))
    spoken = [a.get("audio") or a.get("header") or "" for a in document["alerts"]
              if a.get("source") == "operator"]
    return Pillar(title=title, lang=lang, clock=clock(at, tz), rows=built,
                  ticker=tuple(m.header for m in by_kind["ticker"]),
                  takeover=tuple(by_kind["takeover"]), alternate=tuple(by_kind["alternate"]),
                  status_line=status_line, live=live,
                  speech=_speech(title, built, lang, [s for s in spoken if s]),
                  minute=dt.datetime.fromtimestamp(at - at % 60, tz).isoformat())


"""Turn a board document into what a pillar shows: rows of words, notices in pages, a status.

Works on the contract document (the one view-model), so HTML, text, bitmap, readout and JSON
agree. German board conventions: "sofort", "in 3 min", the clock time beyond a horizon, the
delay beside the scheduled clock time only ("14:48 +3": the countdown already includes it),
"ca." only for approximate timetable times, "Steig"/"Gleis", a marked platform change, a status
line that is always there ("Echtzeit · Stand 14:32" or "Stand 14:32 – Fahrplandaten").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from displays.board.lexicon import Lexicon
from displays.board.message import whole_text
from displays.board.paging import MAX_PAGES_PER_NOTICE, Page, notice_cycle, plain, split_pages
from displays.board.themes import badge_class
from displays.board.wording import clock, countdown, label

RAIL_TYPES = {2, 100, 101, 102, 103, 106, 109}   # boards say "Gleis" for trains
SHORTEN_FROM = 20            # destinations longer than this use the abbreviated form
# Characters a notice page may hold: (portrait, landscape). Type is a share of the screen
# height (board.css), so a line holds about (width/height − padding) / (0.58 em × size) glyphs
# whatever the resolution: ~40 in a portrait ticker, ~70 in a 5:4 landscape one. Portrait pages
# fit the narrowest portrait screen (3:5), landscape pages the narrowest landscape one (5:4),
# with room for uneven line breaks; the browser test measures every page whole on both.
TICKER_PAGE_CHARS = (110, 200)      # three ticker lines
NOTICE_PAGE_CHARS = (120, 240)      # the alternate notice panel (four lines)
TAKEOVER_PAGE_CHARS = (360, 600)    # the rows area
DEFAULT_PRIORITY = 3                # a notice without one (upstream alerts)


@dataclass(frozen=True)
class Row:
    line: str
    colour: str | None
    text_colour: str | None
    destination: str        # as shown: abbreviated when long
    full_destination: str   # the feed's headsign (for the readout and screen readers)
    when: str               # "sofort", "in 4 min", "14:52" (effective: delay included)
    scheduled: str          # "14:48"
    delay: str | None       # "+3": shown only beside the scheduled time
    status: str             # scheduled | cancelled | skipped | added
    status_text: str | None
    platform: str | None
    platform_label: str     # "Steig" / "Gleis"
    platform_changed: bool
    wheelchair: bool | None
    approximate: bool       # "ca.": an approximate timetable time, never a prediction
    realtime: bool
    rail: bool
    epoch: int              # effective departure, for the countdown script
    delay_s: int | None = None

    @property
    def badge(self) -> str | None:
        """The line badge's CSS class (route colours), None without a route colour."""
        return badge_class(self.colour, self.text_colour) if self.colour else None

    @property
    def destination_parts(self) -> list[str]:
        """The destination split after each "/" (a line may break there, never inside a word)."""
        parts = self.destination.split("/")
        return [p + "/" for p in parts[:-1]] + [parts[-1]]


@dataclass(frozen=True)
class Message:
    """An alert or notice as a pillar shows it outside the ticker."""

    header: str
    description: str | None
    lang: str | None = None     # the text's language when it is not the board's
    priority: int = DEFAULT_PRIORITY   # 1 is the most urgent (operator notices)

    @property
    def text(self) -> str:
        """Header and description as one text (the description alone when it repeats it)."""
        return whole_text(self.header, self.description, ": ")


@dataclass(frozen=True)
class Pillar:
    title: str
    lang: str
    clock: str
    rows: tuple[Row, ...]
    ticker: tuple[str, ...]         # ticker pages, in the order they are shown
    takeover: tuple[Message, ...]   # full-screen notices: shown instead of the departures
    alternate: tuple[Message, ...]  # notices in a panel beside the departures
    status_line: str                # always on screen
    live: bool
    minute: str                     # the board's instant to the minute (ISO), shown in the page
    at: int = 0                     # the board's instant (UTC epoch), for the clock script
    platform_header: str = ""       # "Steig", "Gleis" or "Steig/Gleis"
    takeover_pages: tuple[str, ...] = ()
    alternate_pages: tuple[str, ...] = ()
    # the same notices in the larger pages of a landscape screen (shown there instead)
    ticker_wide: tuple[str, ...] = ()
    takeover_pages_wide: tuple[str, ...] = ()
    alternate_pages_wide: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()  # the display's Haltebereich (platform codes), if any
    ticker_texts: tuple[str, ...] = ()  # the ticker notices whole (text boards, readout)
    audio: bool = True              # the display has a speaker (a "Vorlesen" button)
    refresh_s: int = 30

    def for_landscape(self) -> Pillar:
        """This pillar with the notice pages a landscape screen shows (larger pages)."""
        return replace(self, ticker=self.ticker_wide, takeover_pages=self.takeover_pages_wide,
                       alternate_pages=self.alternate_pages_wide)


def _epoch(iso: str) -> int:
    return int(dt.datetime.fromisoformat(iso).timestamp())


def build_row(dep: dict[str, Any], at: int, zone: ZoneInfo, lang: str, horizon_min: int,
              abbreviations: Lexicon | None = None) -> Row:
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
    full = plain(dep["headsign"] or "")
    shown = full
    if abbreviations is not None and len(full) > SHORTEN_FROM:
        shown = abbreviations.apply(full)
    rail = route["type"] in RAIL_TYPES
    return Row(
        line=route["short_name"] or route["long_name"] or route["id"],
        colour=route["color"], text_colour=route["text_color"],
        destination=shown, full_destination=full, when=when, scheduled=clock(scheduled, zone),
        delay=(f"{delay // 60:+d}" if delay is not None and abs(delay) >= 60
               and status in ("scheduled", "added") else None),
        status=status, status_text=status_text, platform=dep["platform"],
        platform_label=label(lang, "track" if rail else "platform"),
        platform_changed=dep["platform_changed"], wheelchair=dep["wheelchair_accessible"],
        approximate=dep["approximate"] and not dep["realtime"], realtime=dep["realtime"],
        rail=rail, epoch=effective, delay_s=delay)


def platform_header(rows: tuple[Row, ...], lang: str) -> str:
    """The platform column's heading: "Gleis" for rail, "Steig" for buses and trams."""
    kinds = {r.rail for r in rows}
    if kinds == {True}:
        return label(lang, "track")
    if kinds == {True, False} and label(lang, "track") != label(lang, "platform"):
        return f"{label(lang, 'platform')}/{label(lang, 'track')}"
    return label(lang, "platform")


def status_line(document: dict[str, Any], lang: str, at: int, zone: ZoneInfo) -> str:
    """The line that is always on screen: an invalid timetable, live data, or timetable only."""
    if (invalid := timetable_line(document, lang)) is not None:
        return invalid
    if document["realtime"]["status"] == "live":
        return label(lang, "live_as_of", time=clock(at, zone))
    return label(lang, "schedule_only", time=clock(at, zone))


def _messages(document: dict[str, Any], lang: str) -> dict[str, list[Message]]:
    by_kind: dict[str, list[Message]] = {"takeover": [], "alternate": [], "ticker": []}
    for alert in document["alerts"]:
        header = plain(alert.get("header") or alert.get("description") or "")
        if header:
            kind = alert.get("display") if alert.get("display") in by_kind else "ticker"
            detail = plain(alert.get("description") or "") if alert.get("header") else None
            other = alert.get("lang")
            priority = alert.get("priority")
            by_kind[kind].append(Message(
                header, detail or None, other if other and other != lang else None,
                priority if isinstance(priority, int) else DEFAULT_PRIORITY))
    for messages in by_kind.values():
        messages.sort(key=lambda m: m.priority)     # stable: the feed's order within one
    return by_kind


def timetable_line(document: dict[str, Any], lang: str) -> str | None:
    """The plain line a board shows when its timetable is not valid today (else None)."""
    status = (document.get("timetable") or {}).get("status", "valid")
    return None if status == "valid" else label(lang, f"timetable_{status}")


def build_pillar(document: dict[str, Any], lang: str, zone: ZoneInfo, horizon_min: int = 20,
                 rows: int | None = None, abbreviations: Lexicon | None = None,
                 refresh_s: int = 30) -> Pillar:
    """Return the pillar view of a board document, in `lang`, clock times in `zone`.

    Notice pages turn with `refresh_s`: each period starts with the next notice (the most
    urgent first in the order), so every notice and page gets its turn on screens that reload.
    """
    at = _epoch(document["generated_at"])
    departures = document["departures"][:rows] if rows else document["departures"]
    built = tuple(build_row(d, at, zone, lang, horizon_min, abbreviations) for d in departures)
    display = document.get("display") or {}
    title = display.get("title") or display.get("name") or document["stop"]["name"]
    by_kind = _messages(document, lang)

    def pages(messages: list[Message], size: int) -> tuple[str, ...]:
        return notice_cycle([[Page(p, m.lang) for p in split_pages(m.text, size,
                                                                  MAX_PAGES_PER_NOTICE)]
                             for m in messages], at, refresh_s)

    def wide(kind: str, sizes: tuple[int, int]) -> tuple[str, ...]:
        return pages(by_kind[kind], sizes[1])

    return Pillar(
        title=plain(title), lang=lang, clock=clock(at, zone), rows=built,
        ticker=pages(by_kind["ticker"], TICKER_PAGE_CHARS[0]),
        takeover=tuple(by_kind["takeover"]), alternate=tuple(by_kind["alternate"]),
        status_line=status_line(document, lang, at, zone),
        live=document["realtime"]["status"] == "live",
        minute=dt.datetime.fromtimestamp(at - at % 60, zone).isoformat(), at=at,
        platform_header=platform_header(built, lang),
        takeover_pages=pages(by_kind["takeover"], TAKEOVER_PAGE_CHARS[0]),
        alternate_pages=pages(by_kind["alternate"], NOTICE_PAGE_CHARS[0]),
        ticker_wide=wide("ticker", TICKER_PAGE_CHARS),
        takeover_pages_wide=wide("takeover", TAKEOVER_PAGE_CHARS),
        alternate_pages_wide=wide("alternate", NOTICE_PAGE_CHARS),
        platforms=tuple(display.get("platforms") or ()),
        ticker_texts=tuple(m.text for m in by_kind["ticker"]),
        audio=bool(display.get("audio", True)), refresh_s=refresh_s)

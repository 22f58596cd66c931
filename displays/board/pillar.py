"""Turn a board into what a pillar shows: rows of words, notices in pages, a status.

HTML, text, bitmap and readout are all made from this view of the one `Board`, so they agree.
German board conventions: a countdown ("in 3 min"), the clock time beyond a horizon, the
delay beside the scheduled clock time only ("14:48 +3": the countdown already includes it),
"ca." only for approximate timetable times, "Steig"/"Gleis", a marked platform change, a status
line that is always there ("Echtzeit · Stand 14:32" or "Stand 14:32 – Fahrplandaten").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from displays.board.alert import DEFAULT_PRIORITY, Placement
from displays.board.lexicon import Lexicon
from displays.board.message import whole_text
from displays.board.model import Board, BoardDeparture
from displays.board.paging import MAX_PAGES_PER_NOTICE, Page, notice_cycle, plain, split_pages
from displays.board.themes import badge_class
from displays.board.when import When
from displays.board.wording import clock, label, when_text

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


@dataclass(frozen=True)
class Row:
    line: str
    colour: str | None
    text_colour: str | None
    destination: str        # as shown: abbreviated when long
    full_destination: str   # the feed's headsign (for the readout and screen readers)
    when: When              # what the time column says (effective: delay included)
    when_text: str          # ... in words (`wording.when_text`): "in 4 min", "14:52", …
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
    delay_s: int | None = None

    @property
    def epoch(self) -> int:
        """The effective departure (the page's script counts down to it)."""
        return self.when.epoch

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


def build_row(listed: BoardDeparture, zone: ZoneInfo, lang: str,
              abbreviations: Lexicon | None = None) -> Row:
    dep = listed.dep
    route = dep.route
    status = dep.status
    status_text = {"cancelled": label(lang, "cancelled"), "skipped": label(lang, "skipped"),
                   "added": label(lang, "added")}.get(status)
    full = plain(dep.headsign or "")
    shown = full
    if abbreviations is not None and len(full) > SHORTEN_FROM:
        shown = abbreviations.apply(full)
    rail = route.type in RAIL_TYPES
    delay = dep.delay_s
    return Row(
        line=route.short_name or route.long_name or route.id,
        colour=route.color, text_colour=route.text_color,
        destination=shown, full_destination=full, when=listed.when,
        when_text=when_text(listed.when, lang, zone), scheduled=clock(dep.scheduled, zone),
        delay=(f"{delay // 60:+d}" if delay is not None and abs(delay) >= 60
               and status in ("scheduled", "added") else None),
        status=status, status_text=status_text, platform=dep.platform,
        platform_label=label(lang, "track" if rail else "platform"),
        platform_changed=dep.platform_changed, wheelchair=dep.wheelchair_accessible,
        approximate=dep.approximate and not dep.realtime, realtime=dep.realtime,
        rail=rail, delay_s=delay)


def platform_header(rows: tuple[Row, ...], lang: str) -> str:
    """The platform column's heading: "Gleis" for rail, "Steig" for buses and trams."""
    kinds = {r.rail for r in rows}
    if kinds == {True}:
        return label(lang, "track")
    if kinds == {True, False} and label(lang, "track") != label(lang, "platform"):
        return f"{label(lang, 'platform')}/{label(lang, 'track')}"
    return label(lang, "platform")


def status_line(board: Board, lang: str, zone: ZoneInfo) -> str:
    """The line that is always on screen: an invalid timetable, live data, or timetable only."""
    if (invalid := timetable_line(board, lang)) is not None:
        return invalid
    if board.live:
        return label(lang, "live_as_of", time=clock(board.at, zone))
    return label(lang, "schedule_only", time=clock(board.at, zone))


def _messages(board: Board, lang: str) -> dict[Placement, list[Message]]:
    by_kind: dict[Placement, list[Message]] = {kind: [] for kind in Placement}
    for alert in board.alerts:
        words = alert.words(lang)
        header = plain(words.header or words.description or "")
        if header:
            detail = plain(words.description or "") if words.header else None
            other = words.shown if words.shown and words.shown != lang else None
            by_kind[alert.placement].append(Message(header, detail or None, other,
                                                    alert.priority))
    for messages in by_kind.values():
        messages.sort(key=lambda m: m.priority)     # stable: the feed's order within one
    return by_kind


def timetable_line(board: Board, lang: str) -> str | None:
    """The plain line a board shows when its timetable is not valid today (else None)."""
    validity = board.timetable
    if validity is None or validity.status == "valid":
        return None
    return label(lang, f"timetable_{validity.status}")


def build_pillar(board: Board, lang: str, rows: int | None = None,
                 abbreviations: Lexicon | None = None, refresh_s: int = 30) -> Pillar:
    """Return the pillar view of a board in `lang`, clock times in the board's zone.

    Notice pages turn with `refresh_s`: each period starts with the next notice (the most
    urgent first in the order), so every notice and page gets its turn on screens that reload.
    """
    zone = ZoneInfo(board.timezone)
    at = board.at
    departures = board.departures[:rows] if rows else board.departures
    built = tuple(build_row(d, zone, lang, abbreviations) for d in departures)
    by_kind = _messages(board, lang)

    def pages(messages: list[Message], size: int) -> tuple[str, ...]:
        return notice_cycle([[Page(p, m.lang) for p in split_pages(m.text, size,
                                                                  MAX_PAGES_PER_NOTICE)]
                             for m in messages], at, refresh_s)

    def both(kind: Placement, sizes: tuple[int, int]) -> tuple[tuple[str, ...], ...]:
        return pages(by_kind[kind], sizes[0]), pages(by_kind[kind], sizes[1])

    ticker, ticker_wide = both(Placement.TICKER, TICKER_PAGE_CHARS)
    takeover, takeover_wide = both(Placement.TAKEOVER, TAKEOVER_PAGE_CHARS)
    alternate, alternate_wide = both(Placement.ALTERNATE, NOTICE_PAGE_CHARS)
    display = board.display
    return Pillar(
        title=plain(board.title), lang=lang, clock=clock(at, zone), rows=built,
        ticker=ticker, takeover=tuple(by_kind[Placement.TAKEOVER]),
        alternate=tuple(by_kind[Placement.ALTERNATE]),
        status_line=status_line(board, lang, zone), live=board.live,
        minute=dt.datetime.fromtimestamp(at - at % 60, zone).isoformat(), at=at,
        platform_header=platform_header(built, lang),
        takeover_pages=takeover, alternate_pages=alternate,
        ticker_wide=ticker_wide, takeover_pages_wide=takeover_wide,
        alternate_pages_wide=alternate_wide,
        platforms=display.platforms if display is not None else (),
        ticker_texts=tuple(m.text for m in by_kind[Placement.TICKER]),
        audio=display.audio if display is not None else True, refresh_s=refresh_s)

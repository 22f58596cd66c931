"""A notice as boards carry it: its board alert (texts per language, periods, informed
entities), and the `NoticeBoard` snapshot the service posts to the runtime.

Header: the notice's explicit header in the language shown, else the first line of its text
(cut to 200 characters with an ellipsis); the description is then the rest of the text (or the
whole text when there is an explicit header or the first line was cut: boards then show and say
the description alone, by the rule in `displays.board.message`). English falls back to German
when a notice has no English text (`BoardAlert.words`).

Periods: the validity, or, for a weekday or daily pattern, one period per shown stretch over
the next `PATTERN_DAYS` days from the instant the notice is posted (the service posts again at
least every hour, so the horizon rolls forward); a pattern with no stretch inside that horizon
has no periods and is not published as open data. Informed entities: all → every agency; a
display → its stops, with its routes when it filters by route; stops and routes as targeted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import replace
from zoneinfo import ZoneInfo

from displays.board.alert import AlertSource, BoardAlert
from displays.board.build import named
from displays.board.display import Display
from displays.board.notice_board import NoticeBoard, PostedNotice
from displays.notices.model import LANGUAGES, Notice, Status
from displays.notices.validation import MAX_HEADER
from feeds import Timetable
from realtime.records import EntitySelector, TimeRange, Translation

PATTERN_DAYS = 14
DAY = 86_400


def header_and_description(notice: Notice, lang: str) -> tuple[str, str | None]:
    shown = lang if lang in notice.text else "de"
    text = notice.text[shown]
    explicit = notice.header.get(shown)
    if explicit:
        return explicit, text
    first, _, rest = text.partition("\n")
    first = first.strip()
    if len(first) > MAX_HEADER:
        return first[: MAX_HEADER - 1].rstrip() + "…", text
    return first, rest.strip() or None


def _local(day: dt.date, minutes: int, zone: ZoneInfo) -> int:
    day = day + dt.timedelta(days=minutes // 1440)
    minutes %= 1440
    return int(dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), zone).timestamp())


def active_periods(notice: Notice, at: int, zone: ZoneInfo) -> list[tuple[int, int | None]]:
    """Return (start, end) ranges (end exclusive, None = open) when the notice is shown."""
    if not notice.weekdays and notice.daily is None:
        return [(notice.valid_from, notice.valid_until)]
    begin = max(at, notice.valid_from) - DAY
    first = dt.datetime.fromtimestamp(begin, zone).date()
    horizon = max(at, notice.valid_from) + PATTERN_DAYS * DAY
    until = horizon if notice.valid_until is None else min(horizon, notice.valid_until)
    window = notice.daily
    ranges: list[tuple[int, int | None]] = []
    for offset in range(PATTERN_DAYS + 2):
        day = first + dt.timedelta(days=offset)
        if notice.weekdays and day.isoweekday() not in notice.weekdays:
            continue
        if window is None:
            start, end = _local(day, 0, zone), _local(day, 1440, zone)
        else:
            start = _local(day, window.start, zone)
            end = _local(day, window.end + (1440 if window.wraps else 0), zone)
        start, end = max(start, notice.valid_from), min(end, until)
        if start >= end:
            continue
        if ranges and ranges[-1][1] == start:          # whole days in a row: one range
            ranges[-1] = (ranges[-1][0], end)
        else:
            ranges.append((start, end))
    return ranges


def informed_entities(notice: Notice, tt: Timetable, displays: Mapping[str, Display]
                      ) -> tuple[EntitySelector, ...]:
    """The GTFS-RT selectors of what the notice targets."""
    targets = notice.targets
    out: list[EntitySelector] = []
    if targets.all:
        agencies = sorted({a.id for a in tt.agencies if a.id})
        out += ([EntitySelector(agency_id=a) for a in agencies] if agencies
                else [EntitySelector(route_type=t) for t in sorted({r.type for r in tt.routes})])
    out += [EntitySelector(stop_id=s) for s in targets.stops]
    out += [EntitySelector(route_id=r.id, direction_id=r.direction) for r in targets.routes]
    for display_id in targets.displays:
        display = displays.get(display_id)
        if display is None:
            continue
        routes = [r.id for r in tt.routes if display.filter.routes
                  and (r.id in display.filter.routes
                       or (r.short_name or "") in display.filter.routes)]
        for stop in display.stops:
            out += ([EntitySelector(route_id=r, stop_id=stop) for r in routes] if routes
                    else [EntitySelector(stop_id=stop)])
    return tuple(dict.fromkeys(out))


def notice_alert(notice: Notice) -> BoardAlert:
    """The board alert of a notice: its texts per language, how and how urgently pillars show
    it (without periods and entities: see `posted_alert`)."""
    langs = [lang for lang in LANGUAGES if lang in notice.text]
    texts = {lang: header_and_description(notice, lang) for lang in langs}
    return BoardAlert(
        id=notice.id, source=AlertSource.OPERATOR,
        header=tuple(Translation(texts[lang][0], lang) for lang in langs),
        description=tuple(Translation(texts[lang][1] or "", lang) for lang in langs),
        url=(Translation(notice.url),) if notice.url else (),
        audio=tuple(Translation(notice.audio_text[lang], lang) for lang in LANGUAGES
                    if lang in notice.audio_text),
        effect=notice.effect.value, severity=notice.severity.value,
        cause=notice.cause.value, placement=notice.display, priority=notice.priority,
        version=notice.revision, created=notice.created)


def posted_alert(notice: Notice, tt: Timetable, displays: Mapping[str, Display], at: int
                 ) -> BoardAlert:
    """The board alert of a notice as posted at `at`, with its periods (rolling from `at`)
    and informed entities."""
    return replace(notice_alert(notice),
                   periods=tuple(TimeRange(s, e) for s, e in active_periods(notice, at, tt.zone)),
                   entities=named(informed_entities(notice, tt, displays), tt))


def post_notices(notices: Iterable[Notice], tt: Timetable, displays: Mapping[str, Display],
                 at: int) -> NoticeBoard:
    """The published notices as boards read them, in board order."""
    posted = [PostedNotice(posted_alert(n, tt, displays, at), n.targets, n.schedule,
                           n.updated)
              for n in notices if n.status is Status.PUBLISHED]
    return NoticeBoard(tuple(sorted(posted, key=lambda p: p.order)), posted_at=at,
                       feed_hash=tt.feed_hash)

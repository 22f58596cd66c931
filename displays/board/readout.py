"""The spoken readout of a board, as data: plain text and SSML, German and English.

Pure: a board in, sentences out. It reads what the board shows and nothing else: the
stop (and the display's Haltebereich), whether the times are live, the next departures (4 by
default) as "Linie 50 nach Hechtsheim, Bürgerhaus, in 3 Minuten, 2 Minuten später als geplant,
Steig L", then the operator notices (their own audio text where given) and the upstream alerts.
A takeover notice replaces the departures on the board, so then the readout has none either.

Everything the voice gets passes the city's pronunciation lexicon (data) and a normaliser:
no abbreviation, slash, clock time "14:52", "min" or "+3" reaches the synthesiser. Numbers are
written as eSpeak NG reads them well ("eine Minute", "14 Uhr 5"). Free text is capped and
stripped of markup and control characters, so a hostile notice cannot stretch or break it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from displays.board.alert import AlertSource
from displays.board.lexicon import Lexicon
from displays.board.model import Board
from displays.board.paging import plain
from displays.board.pillar import Row, build_pillar, timetable_line
from displays.board.when import When, WhenKind
from displays.board.wording import SPOKEN, clock, label, spoken

DEFAULT_COUNT = 4
NOTICE_CHARS = 400           # one notice is read up to this many characters
MAX_CHARS = 2400             # the whole readout never exceeds this (about three minutes)
CLOCK = re.compile(r"\b([01]?\d|2[0-3]|24(?=[:.]00))[:.]([0-5]\d)\b(?:\s*Uhr\b)?")
MARKUP = re.compile(r"[<>&{}\[\]\\|*_#~^`\"]")
SSML_LANG = {"de": "de-DE", "en": "en-GB"}

@dataclass(frozen=True)
class Readout:
    """What the voice says: sentences in order; `notices` start at index `first_notice`."""

    lang: str
    sentences: tuple[str, ...]
    first_notice: int
    # per notice sentence: its text's language when not the readout's (else None)
    notice_langs: tuple[str | None, ...] = ()

    @property
    def text(self) -> str:
        return " ".join(self.sentences)

    @property
    def ssml(self) -> str:
        """The readout as SSML within what eSpeak NG takes: speak, p, s, break, say-as; a
        notice in another language is an <s xml:lang> (eSpeak NG switches its voice there)."""
        head = [f"<s>{escape(s)}</s>" for s in self.sentences[: self.first_notice]]
        notices = []
        prefix = spoken(self.lang, "notice", text="")
        for i, sentence in enumerate(self.sentences[self.first_notice:]):
            other = self.notice_langs[i] if i < len(self.notice_langs) else None
            if other and sentence.startswith(prefix):
                notices.append(f"<p><s>{escape(prefix.strip())}</s><s xml:lang="
                               f'"{SSML_LANG.get(other, other)}">'
                               f"{escape(sentence[len(prefix):])}</s></p>")
            else:
                notices.append(f"<p>{escape(sentence)}</p>")
        return (f'<speak version="1.0" xml:lang="{SSML_LANG[self.lang]}">'
                f"<p>{''.join(head)}</p>{''.join(notices)}</speak>")


def spoken_clock(text: str, lang: str) -> str:
    """"14:05" -> "14 Uhr 5", "14:00" -> "14 Uhr" (eSpeak NG says "14 Uhr null fünf")."""
    def say(match: re.Match[str]) -> str:
        hours, minutes = int(match.group(1)), int(match.group(2))
        if minutes == 0:
            return spoken(lang, "clock_full", h=hours)
        m = f"oh {minutes}" if lang == "en" and minutes < 10 else str(minutes)
        return spoken(lang, "clock", h=hours, m=m)
    return CLOCK.sub(say, text)


def speakable(text: str, lang: str, lexicon: Lexicon | None, limit: int = NOTICE_CHARS) -> str:
    """Return free text as the voice should get it: plain, capped, lexicon applied, no slash,
    no clock time, no "+3", no markup."""
    text = plain(MARKUP.sub(" ", text))
    if len(text) > limit:
        text = text[: limit].rsplit(" ", 1)[0] + " …"
    if lexicon is not None:
        text = lexicon.apply(text)
    text = spoken_clock(text, lang)
    text = re.sub(r"\+\s?(\d+)", r"plus \1", text)
    text = re.sub(r"\s*[/()]\s*", ", ", text)
    text = re.sub(r"(,\s*)+", ", ", text)
    text = re.sub(r"([.!?:;])\s*,", r"\1", text)
    text = re.sub(r",\s*([.!?:;])", r"\1", text).strip(" ,")
    return re.sub(r"\s+", " ", text)


def _minutes(n: int, lang: str, one: str, many: str) -> str:
    return spoken(lang, one) if n == 1 else spoken(lang, many, n=n)


def spoken_when(when: When, lang: str, zone: ZoneInfo) -> str:
    """A departure's time column as the voice says it ("in 3 Minuten", "um 14 Uhr 5")."""
    if when.kind is WhenKind.EVERY:
        return spoken(lang, "every", n=when.minutes)
    if when.kind is WhenKind.NOW:
        return label(lang, "now")
    if when.kind is WhenKind.MINUTES:
        return _minutes(when.minutes, lang, "in_one", "in_n")
    return spoken(lang, "at", time=spoken_clock(clock(when.epoch, zone), lang))


def departure_sentence(row: Row, lang: str, lexicon: Lexicon | None, board_live: bool,
                       zone: ZoneInfo) -> str:
    """One departure as a sentence (without its full stop)."""
    line = speakable(row.line, lang, lexicon)
    who = spoken(lang, "line", line=line) if re.fullmatch(r"[\d ]+[a-zA-Z]?", row.line) \
        else line
    parts = [f"{spoken(lang, 'added')}, {who}" if row.status == "added" else who]
    destination = speakable(row.full_destination, lang, lexicon)
    if destination:
        parts[0] += " " + spoken(lang, "to", destination=destination)
    if row.status == "cancelled":
        parts += [spoken(lang, "planned", time=spoken_clock(row.scheduled, lang)),
                  spoken(lang, "cancelled")]
        return ", ".join(parts)
    if row.status == "skipped":
        return ", ".join([*parts, spoken(lang, "skipped")])
    when = spoken_when(row.when, lang, zone)
    parts.append(f"{spoken(lang, 'approx')} {when}" if row.approximate else when)
    if row.delay_s is not None and row.realtime and abs(row.delay_s) >= 60:
        late = abs(row.delay_s) // 60
        parts.append(_minutes(late, lang, "late_one", "late_n") if row.delay_s > 0
                     else _minutes(late, lang, "early_one", "early_n"))
    if board_live and not row.realtime:
        parts.append(spoken(lang, "scheduled_row"))
    if row.platform:
        code = speakable(row.platform, lang, None)
        key = ("changed_" if row.platform_changed else "") + ("track" if row.rail else "platform")
        parts.append(spoken(lang, key, code=code))
    return ", ".join(parts)


def build_readout(board: Board, lang: str, lexicon: Lexicon | None = None,
                  count: int | None = None, lexicons: Mapping[str, Lexicon] | None = None
                  ) -> Readout:
    """Return the readout of a board in `lang` ("de" or "en").

    A notice in another language (a German notice on an English board) is spoken with that
    language's lexicon (`lexicons`) and clock words, and marked in the SSML."""
    lang = lang if lang in SPOKEN else "de"
    display = board.display
    count = count or (display.readout_rows if display is not None else DEFAULT_COUNT)
    pillar = build_pillar(board, lang, count)
    intro = spoken(lang, "stop", name=speakable(pillar.title, lang, lexicon))
    if pillar.platforms:
        codes = [speakable(c, lang, None) for c in pillar.platforms]
        joined = codes[0] if len(codes) == 1 else \
            f"{', '.join(codes[:-1])} {spoken(lang, 'and')} {codes[-1]}"
        intro += ", " + spoken(lang, "platforms", codes=joined)
    sentences = [intro + "."]
    if (invalid := timetable_line(board, lang)) is not None:
        sentences.append(speakable(invalid, lang, lexicon).rstrip(".") + ".")
    live = pillar.live
    if not live:
        sentences.append(spoken(lang, "not_live"))
    if not pillar.takeover:
        zone = ZoneInfo(board.timezone)
        said = [departure_sentence(r, lang, lexicon, live, zone) + "."
                for r in pillar.rows[:count]]
        sentences += said or [spoken(lang, "none")]
    first_notice = len(sentences)
    operator = [a for a in board.alerts if a.source is AlertSource.OPERATOR]
    upstream = [a for a in board.alerts if a.source is not AlertSource.OPERATOR]
    notice_langs: list[str | None] = []
    for alert in (*operator, *upstream):
        words = alert.words(lang)
        said_in = words.audio_lang
        other = said_in if said_in in SPOKEN and said_in != lang else None
        text = speakable(words.audio, other or lang,
                         (lexicons or {}).get(other) if other else lexicon)
        if text:
            sentences.append(spoken(lang, "notice", text=text.rstrip(".") + "."))
            notice_langs.append(other)
    total, kept = 0, list[str]()
    for sentence in sentences:
        total += len(sentence) + 1
        if total > MAX_CHARS and kept:
            break
        kept.append(sentence)
    return Readout(lang=lang, sentences=tuple(kept), first_notice=min(first_notice, len(kept)),
                   notice_langs=tuple(notice_langs))

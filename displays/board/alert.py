"""An alert as boards carry it: an upstream GTFS-RT alert or an operator notice, with its texts
in every language it has, its periods, severity and informed entities.

`words(lang)` picks what a board in `lang` shows and says, by one rule for both kinds: the
header as GTFS-RT picks a translation (`realtime.alerts.pick`: exact language tag, primary
subtag, the untagged text, else the first one); the description and the link in the header's
language when they have it (so a board never mixes languages within one alert), else picked by
the same rule. The spoken text is the alert's own audio text in the board's language, else in
German (the boards' first language), else header and description.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from displays.board.message import whole_text
from displays.board.wording import LANGUAGES
from realtime.alerts import pick
from realtime.records import EntitySelector, TimeRange, Translation

DEFAULT_PRIORITY = 3            # a notice without one, and every upstream alert


class AlertSource(StrEnum):
    GTFS_RT = "gtfs-rt"
    OPERATOR = "operator"


class Placement(StrEnum):
    """Where a pillar shows an alert (Golemio infotexts: inline / general / general-alternate)."""

    TICKER = "ticker"           # in the ticker under the departures
    TAKEOVER = "takeover"       # instead of the departures
    ALTERNATE = "alternate"     # in a panel beside the departures


@dataclass(frozen=True, slots=True)
class NamedEntity:
    """An informed entity with the names riders know it by (None where the timetable has none)."""

    selector: EntitySelector
    route_short_name: str | None = None
    stop_name: str | None = None


@dataclass(frozen=True, slots=True)
class AlertText:
    """What a board in `lang` shows and says of an alert."""

    lang: str
    header: str | None
    description: str | None
    shown: str | None           # the language the words are in (None: the feed does not say)
    url: str | None
    audio: str                  # what the readout says
    audio_lang: str | None      # the language of `audio` (None: as `shown`)


@dataclass(frozen=True, slots=True)
class BoardAlert:
    id: str
    source: AlertSource
    header: tuple[Translation, ...] = ()
    description: tuple[Translation, ...] = ()
    url: tuple[Translation, ...] = ()
    audio: tuple[Translation, ...] = ()       # a spoken text of its own (operator notices)
    effect: str | None = None
    severity: str | None = None
    cause: str | None = None
    placement: Placement = Placement.TICKER
    priority: int = DEFAULT_PRIORITY          # 1 is the most urgent
    periods: tuple[TimeRange, ...] = ()       # when it is active (none: while it is listed)
    entities: tuple[NamedEntity, ...] = ()
    version: int = 1                          # a notice's revision (GTFS-RT alerts have none)
    created: int | None = None                # when a notice was written (UTC epoch)

    def is_active(self, at: int) -> bool:
        return not self.periods or any(p.contains(at) for p in self.periods)

    def words(self, lang: str) -> AlertText:
        header = pick(self.header, lang)
        tag = header.language if header is not None else None
        description = _same_language(self.description, tag) or pick(self.description, lang)
        url = _same_language(self.url, tag) or pick(self.url, lang)
        head = _text(header)
        detail = _text(description)
        spoken = _tagged(self.audio, lang) or _tagged(self.audio, LANGUAGES[0])
        shown = primary(tag)
        if spoken is not None and spoken.text:
            audio, audio_lang = spoken.text, primary(spoken.language)
        else:
            audio = whole_text(head, detail, ". ") if head else (detail or "")
            audio_lang = shown
        return AlertText(lang=lang, header=head, description=detail, shown=shown,
                         url=_text(url), audio=audio, audio_lang=audio_lang)


def primary(tag: str | None) -> str | None:
    """"de-DE" -> "de"; None stays None."""
    return tag.split("-")[0].lower() if tag else None


def _same_language(translations: tuple[Translation, ...], tag: str | None
                   ) -> Translation | None:
    return next((t for t in translations if t.language == tag), None) if translations else None


def _tagged(translations: tuple[Translation, ...], tag: str | None) -> Translation | None:
    return next((t for t in translations if primary(t.language) == primary(tag)), None)


def _text(translation: Translation | None) -> str | None:
    return (translation.text or None) if translation is not None else None

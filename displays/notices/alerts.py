"""A notice as a board alert (the departures contract: id, header, description, effect,
severity, source) plus the `display` and `priority` extras the pillars use.

Header: the notice's explicit header in the language shown, else the first line of its text
(cut to 200 characters with an ellipsis); the description is then the rest of the text (or the
whole text when there is an explicit header or the first line was cut: boards then show and say
the description alone, by the rule in `displays.board.message`). English falls back to German
when a notice has no English text; `lang` and `audio_lang` say which language is shown and
said, so a board marks text in another language than its own (HTML `lang`, SSML `xml:lang`).
"""

from __future__ import annotations

from typing import Any

from displays.board.message import whole_text
from displays.notices.model import Notice
from displays.notices.validation import MAX_HEADER


def notice_language(notice: Notice, lang: str) -> str:
    """The language the notice is shown in for a board in `lang`."""
    return lang if lang in notice.text else "de"


def header_and_description(notice: Notice, lang: str) -> tuple[str, str | None]:
    shown = notice_language(notice, lang)
    text = notice.text[shown]
    explicit = notice.header.get(shown)
    if explicit:
        return explicit, text
    first, _, rest = text.partition("\n")
    first = first.strip()
    if len(first) > MAX_HEADER:
        return first[: MAX_HEADER - 1].rstrip() + "…", text
    return first, rest.strip() or None


def audio_language(notice: Notice, lang: str) -> str:
    """The language the readout says the notice in, for a board in `lang`."""
    if notice.audio_text:
        if lang in notice.audio_text:
            return lang
        if "de" in notice.audio_text:
            return "de"
    return notice_language(notice, lang)


def audio_text(notice: Notice, lang: str) -> str:
    """What the readout says: the audio text, else header and description."""
    shown = lang if lang in notice.audio_text else "de"
    if shown in notice.audio_text:
        return notice.audio_text[shown]
    header, description = header_and_description(notice, lang)
    return whole_text(header, description, ". ")


def notice_alert(notice: Notice, lang: str) -> dict[str, Any]:
    """Return the contract alert dict of a notice in `lang`."""
    header, description = header_and_description(notice, lang)
    return {"id": notice.id, "header": header, "description": description,
            "effect": notice.effect.value, "severity": notice.severity.value,
            "source": "operator", "display": notice.display.value,
            "priority": notice.priority, "audio": audio_text(notice, lang),
            "lang": notice_language(notice, lang), "audio_lang": audio_language(notice, lang)}

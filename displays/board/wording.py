"""What a board says, in German first and English: labels, status words, the time column
(`when_text`, one rule for every screen; the page's script gets its words from the page) and the
spoken readout's phrases (`spoken`)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from displays.board.when import When, WhenKind

LANGUAGES = ("de", "en")

LABELS: dict[str, dict[str, str]] = {
    "de": {
        "line": "Linie", "destination": "Ziel", "departure": "Abfahrt", "platform": "Steig",
        "track": "Gleis", "now": "sofort", "in_min": "in {n} min", "cancelled": "fällt aus",
        "skipped": "hält nicht", "added": "Zusatzfahrt", "no_departures": "Keine Abfahrten",
        "schedule_only": "Stand {time} – Fahrplandaten", "live": "Echtzeit",
        "live_as_of": "Echtzeit · Stand {time}", "planned": "planmäßig",
        "wheelchair": "barrierefrei", "platform_changed": "Wechsel", "approx": "ca.",
        "on_request": "Halt auf Anforderung", "demo": "Demodaten – kein echter Fahrplan",
        "every": "alle {n} min", "delay": "Verspätung", "pause": "Anhalten",
        "read_aloud": "Vorlesen", "search": "Suchen",
        "stops": "Haltestellen", "displays": "Anzeigen", "online": "online",
        "offline": "offline", "never": "noch nie", "find_stop": "Haltestelle suchen",
        "timetable_expired": "Fahrplandaten abgelaufen – bitte Aushang beachten",
        "timetable_not_yet_valid": "Fahrplandaten noch nicht gültig – bitte Aushang beachten",
        "timetable_no_service": "Keine Fahrplandaten – bitte Aushang beachten",
        "timetable_no_service_today": "Heute kein Fahrbetrieb an dieser Haltestelle",
    },
    "en": {
        "line": "Line", "destination": "Destination", "departure": "Departure",
        "platform": "Platform", "track": "Platform", "now": "now", "in_min": "in {n} min",
        "cancelled": "cancelled", "skipped": "does not stop", "added": "extra service",
        "no_departures": "No departures", "schedule_only": "As of {time} – timetable data",
        "live": "live", "live_as_of": "Live · as of {time}", "planned": "scheduled",
        "wheelchair": "step-free", "platform_changed": "changed",
        "approx": "approx.", "on_request": "request stop",
        "demo": "Demo data – not a real timetable", "every": "every {n} min",
        "delay": "delay", "pause": "Pause", "read_aloud": "Read aloud",
        "search": "Search", "stops": "Stops",
        "displays": "Displays", "online": "online", "offline": "offline", "never": "never",
        "find_stop": "Find a stop",
        "timetable_expired": "Timetable data expired – please see the printed timetable",
        "timetable_not_yet_valid": "Timetable data not yet valid – please see the printed "
                                   "timetable",
        "timetable_no_service": "No timetable data – please see the printed timetable",
        "timetable_no_service_today": "No service at this stop today",
    },
}


def label(lang: str, key: str, **values: object) -> str:
    text = LABELS.get(lang, LABELS["de"])[key]
    return text.format(**values) if values else text


def clock(epoch: int, zone: ZoneInfo) -> str:
    return dt.datetime.fromtimestamp(epoch, zone).strftime("%H:%M")


def when_text(when: When, lang: str, zone: ZoneInfo) -> str:
    """A departure's time column as a screen shows it: "sofort", "in 4 min", "14:52",
    "alle 10 min", "fällt aus", "hält nicht"."""
    kind = when.kind
    if kind is WhenKind.NOW:
        return label(lang, "now")
    if kind is WhenKind.MINUTES:
        return label(lang, "in_min", n=when.minutes)
    if kind is WhenKind.EVERY:
        return label(lang, "every", n=when.minutes)
    if kind is WhenKind.CANCELLED:
        return label(lang, "cancelled")
    if kind is WhenKind.SKIPPED:
        return label(lang, "skipped")
    return clock(when.epoch, zone)


def countdown_words(lang: str) -> dict[str, str]:
    """The words a page's script moves a countdown on with (it reads them from the page)."""
    return {"now": label(lang, "now"), "minutes": label(lang, "in_min", n="{n}")}


def spoken(lang: str, key: str, **values: object) -> str:
    """A phrase of the spoken readout in `lang` ("de" or "en")."""
    return SPOKEN[lang][key].format(**values)


SPOKEN: dict[str, dict[str, str]] = {
    "de": {"stop": "Haltestelle {name}", "platforms": "Steig {codes}", "and": "und",
           "line": "Linie {line}", "to": "nach {destination}",
           "in_one": "in einer Minute", "in_n": "in {n} Minuten", "at": "um {time}",
           "every": "alle {n} Minuten", "approx": "etwa",
           "late_one": "eine Minute später als geplant",
           "late_n": "{n} Minuten später als geplant",
           "early_one": "eine Minute früher als geplant",
           "early_n": "{n} Minuten früher als geplant", "platform": "Steig {code}",
           "track": "Gleis {code}", "changed_platform": "heute von Steig {code}",
           "changed_track": "heute von Gleis {code}", "cancelled": "fällt aus",
           "planned": "planmäßig {time}", "skipped": "hält heute nicht hier",
           "added": "Zusatzfahrt", "scheduled_row": "nach Fahrplan",
           "not_live": "Keine Echtzeitdaten, Angaben nach Fahrplan.",
           "none": "Zurzeit keine Abfahrten.", "notice": "Hinweis: {text}",
           "clock": "{h} Uhr {m}", "clock_full": "{h} Uhr"},
    "en": {"stop": "Stop {name}", "platforms": "platform {codes}", "and": "and",
           "line": "Line {line}", "to": "to {destination}",
           "in_one": "in one minute", "in_n": "in {n} minutes", "at": "at {time}",
           "every": "every {n} minutes", "approx": "about", "late_one": "one minute late",
           "late_n": "{n} minutes late", "early_one": "one minute early",
           "early_n": "{n} minutes early", "platform": "platform {code}",
           "track": "platform {code}", "changed_platform": "today from platform {code}",
           "changed_track": "today from platform {code}", "cancelled": "cancelled",
           "planned": "scheduled {time}", "skipped": "does not stop here today",
           "added": "extra service", "scheduled_row": "timetable time",
           "not_live": "No live data, times from the timetable.",
           "none": "No departures at the moment.", "notice": "Notice: {text}",
           "clock": "{h} {m}", "clock_full": "{h} o'clock"},
}

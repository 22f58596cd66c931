"""What a board says, in German first and English: countdowns, labels, status words."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

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


def countdown(effective: int, at: int, zone: ZoneInfo, lang: str = "de",
              horizon_min: int = 20) -> str:
    """Return "sofort", "in 4 min", or the clock time beyond `horizon_min` minutes."""
    minutes = (effective - at) // 60
    if minutes <= 0:
        return label(lang, "now")
    if minutes <= horizon_min:
        return label(lang, "in_min", n=minutes)
    return clock(effective, zone)


def clock(epoch: int, zone: ZoneInfo) -> str:
    return dt.datetime.fromtimestamp(epoch, zone).strftime("%H:%M")

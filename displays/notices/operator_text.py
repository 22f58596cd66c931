"""The words of the operator page, German first and English (`?lang=en`)."""

from __future__ import annotations

from typing import Any

TEXT: dict[str, dict[str, str]] = {
    "de": {
        "title": "Betriebshinweise", "sign_in": "Anmelden", "sign_out": "Abmelden",
        "token": "Zugangsschlüssel (Token)", "signed_in_as": "Angemeldet als",
        "bad_token": "Unbekannter oder gesperrter Zugangsschlüssel.",
        "too_many": "Zu viele Versuche. Bitte in einer Minute erneut.",
        "expired": "Die Sitzung ist abgelaufen. Bitte neu anmelden.",
        "csrf": "Das Formular ist veraltet. Bitte die Seite neu laden.",
        "active": "Aktive Hinweise", "scheduled": "Geplante Hinweise", "drafts": "Entwürfe",
        "none": "Keine.", "new": "Neuer Hinweis", "text_de": "Text (Deutsch, Pflicht)",
        "text_en": "Text (Englisch)", "header_de": "Überschrift (Deutsch, optional)",
        "header_en": "Überschrift (Englisch, optional)", "audio_de": "Ansagetext (Deutsch)",
        "audio_en": "Ansagetext (Englisch)", "targets": "Wo anzeigen",
        "all": "Überall", "stops": "Haltestellen", "routes": "Linien",
        "displays": "Anzeigen", "both_directions": "beide Richtungen",
        "direction": "Richtung", "when": "Wann", "valid_from": "Gültig ab (leer = sofort)",
        "valid_until": "Gültig bis (leer = unbefristet)", "weekdays": "Wochentage",
        "daily_from": "Täglich von", "daily_until": "bis", "how": "Wie",
        "priority": "Priorität (1 = am dringendsten)", "display": "Darstellung",
        "ticker": "Laufband", "takeover": "Vollbild", "alternate": "im Wechsel",
        "cause": "Ursache", "effect": "Auswirkung", "severity": "Schwere",
        "url": "Link (https)", "status": "Status", "published": "veröffentlicht",
        "draft": "Entwurf", "withdrawn": "zurückgezogen", "preview": "Vorschau",
        "create": "Veröffentlichen / speichern", "withdraw": "Zurückziehen",
        "created": "Hinweis gespeichert.", "withdrawn_msg": "Hinweis zurückgezogen.",
        "errors": "Bitte korrigieren:", "preview_of": "Vorschau der Anzeige",
        "from": "ab", "until": "bis", "open_end": "unbefristet", "by": "von",
        "where": "Ziel", "language": "English", "prio": "Priorität", "platform": "Steig",
        "store_reset": "Achtung: Der Hinweisspeicher hat seine Daten verloren und wurde am {at} "
                       "zurückgesetzt. Die bekannten Hinweise wurden wiederhergestellt; "
                       "Zugangsschlüssel von vorher gelten nicht mehr – bitte neue erstellen "
                       "(abfahrt tokens create).",
        "conflict": "Der Hinweis wurde inzwischen geändert (von jemand anderem). Nichts wurde "
                    "überschrieben: bitte den aktuellen Stand prüfen und erneut ändern.",
    },
    "en": {
        "title": "Operator notices", "sign_in": "Sign in", "sign_out": "Sign out",
        "token": "Access token", "signed_in_as": "Signed in as",
        "bad_token": "Unknown or revoked token.",
        "too_many": "Too many attempts. Please try again in a minute.",
        "expired": "Your session has expired. Please sign in again.",
        "csrf": "This form is out of date. Please reload the page.",
        "active": "Active notices", "scheduled": "Scheduled notices", "drafts": "Drafts",
        "none": "None.", "new": "New notice", "text_de": "Text (German, required)",
        "text_en": "Text (English)", "header_de": "Header (German, optional)",
        "header_en": "Header (English, optional)", "audio_de": "Audio text (German)",
        "audio_en": "Audio text (English)", "targets": "Where",
        "all": "Everywhere", "stops": "Stops", "routes": "Routes",
        "displays": "Displays", "both_directions": "both directions",
        "direction": "direction", "when": "When", "valid_from": "Valid from (empty = now)",
        "valid_until": "Valid until (empty = no end)", "weekdays": "Weekdays",
        "daily_from": "Daily from", "daily_until": "until", "how": "How",
        "priority": "Priority (1 = most urgent)", "display": "Display as",
        "ticker": "ticker", "takeover": "full screen", "alternate": "alternating",
        "cause": "Cause", "effect": "Effect", "severity": "Severity",
        "url": "Link (https)", "status": "Status", "published": "published",
        "draft": "draft", "withdrawn": "withdrawn", "preview": "Preview",
        "create": "Publish / save", "withdraw": "Withdraw",
        "created": "Notice saved.", "withdrawn_msg": "Notice withdrawn.",
        "errors": "Please correct:", "preview_of": "Preview of the board",
        "from": "from", "until": "until", "open_end": "no end", "by": "by",
        "where": "Target", "language": "Deutsch", "prio": "priority", "platform": "platform",
        "store_reset": "Warning: the notice store lost its data and was reset at {at}. The "
                       "known notices were restored; tokens from before no longer work – "
                       "please create new ones (abfahrt tokens create).",
        "conflict": "This notice was changed meanwhile (by someone else). Nothing was "
                    "overwritten: please check its current state and change it again.",
    },
}
WEEKDAYS = {"de": ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"],
            "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]}


def words(lang: str) -> dict[str, Any]:
    return {**TEXT[lang], "weekday_names": WEEKDAYS[lang]}

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
        "direction": "Richtung", "when": "Wann", "valid_from": "Gültig ab (leer = ab jetzt)",
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
        "no_revision": "Das Formular nennt keinen gültigen Stand des Hinweises. Nichts wurde "
                       "geändert: bitte den aktuellen Stand prüfen und erneut speichern.",
        "withdrawn_final": "Dieser Hinweis ist zurückgezogen und kann nicht mehr geändert "
                           "werden. Nichts wurde gespeichert: bitte einen neuen anlegen.",
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
        "no_revision": "This form does not name a valid revision of the notice. Nothing was "
                       "changed: please check its current state and save again.",
        "withdrawn_final": "This notice is withdrawn and cannot be changed any more. Nothing "
                           "was saved: please create a new one.",
    },
}
ENUM_LABELS: dict[str, dict[str, dict[str, str]]] = {
    "de": {
        "cause": {"UNKNOWN_CAUSE": "unbekannt", "OTHER_CAUSE": "sonstige Ursache",
                  "TECHNICAL_PROBLEM": "technische Störung", "STRIKE": "Streik",
                  "DEMONSTRATION": "Demonstration", "ACCIDENT": "Unfall",
                  "HOLIDAY": "Feiertag", "WEATHER": "Wetter", "MAINTENANCE": "Wartung",
                  "CONSTRUCTION": "Baustelle", "POLICE_ACTIVITY": "Polizeieinsatz",
                  "MEDICAL_EMERGENCY": "medizinischer Notfall",
                  "SPECIAL_EVENT": "Veranstaltung"},
        "effect": {"NO_SERVICE": "kein Betrieb", "REDUCED_SERVICE": "eingeschränkter Betrieb",
                   "SIGNIFICANT_DELAYS": "erhebliche Verspätungen", "DETOUR": "Umleitung",
                   "ADDITIONAL_SERVICE": "zusätzliche Fahrten",
                   "MODIFIED_SERVICE": "geänderter Fahrplan", "OTHER_EFFECT": "sonstige Auswirkung",
                   "UNKNOWN_EFFECT": "unbekannt", "STOP_MOVED": "Haltestelle verlegt",
                   "NO_EFFECT": "keine Auswirkung",
                   "ACCESSIBILITY_ISSUE": "Barrierefreiheit eingeschränkt"},
        "severity": {"UNKNOWN_SEVERITY": "unbekannt", "INFO": "Information",
                     "WARNING": "Warnung", "SEVERE": "schwerwiegend"},
    },
    "en": {
        "cause": {"UNKNOWN_CAUSE": "unknown", "OTHER_CAUSE": "other cause",
                  "TECHNICAL_PROBLEM": "technical problem", "STRIKE": "strike",
                  "DEMONSTRATION": "demonstration", "ACCIDENT": "accident",
                  "HOLIDAY": "holiday", "WEATHER": "weather", "MAINTENANCE": "maintenance",
                  "CONSTRUCTION": "construction", "POLICE_ACTIVITY": "police activity",
                  "MEDICAL_EMERGENCY": "medical emergency", "SPECIAL_EVENT": "special event"},
        "effect": {"NO_SERVICE": "no service", "REDUCED_SERVICE": "reduced service",
                   "SIGNIFICANT_DELAYS": "significant delays", "DETOUR": "detour",
                   "ADDITIONAL_SERVICE": "additional service",
                   "MODIFIED_SERVICE": "modified service", "OTHER_EFFECT": "other effect",
                   "UNKNOWN_EFFECT": "unknown", "STOP_MOVED": "stop moved",
                   "NO_EFFECT": "no effect", "ACCESSIBILITY_ISSUE": "accessibility issue"},
        "severity": {"UNKNOWN_SEVERITY": "unknown", "INFO": "information",
                     "WARNING": "warning", "SEVERE": "severe"},
    },
}
MORE: dict[str, dict[str, str]] = {
    "de": {
        "search": "Haltestelle, Linie oder Anzeige suchen", "search_button": "Suchen",
        "search_hint": "z. B. „hbf“, „Höfchen“, „50“ oder den Namen einer Anzeige",
        "found": "{n} Treffer für „{q}“", "nothing_found": "Nichts gefunden für „{q}“.",
        "add": "Hinzufügen", "remove": "{label} entfernen", "chosen": "Gewählte Ziele",
        "none_chosen": "Noch kein Ziel gewählt.", "both": "beide Richtungen",
        "boards": "Betroffene Anzeigen und Haltestellen", "more_boards": "und {n} weitere",
        "preview_board": "Vorschau", "gtfs_rt": "GTFS-RT-Darstellung (Open Data)",
        "text_pair": "Anzeigetext und Ansagetext", "save": "Änderungen speichern",
        "edit": "Ansehen und bearbeiten", "history": "Verlauf",
        "confirm_title": "Hinweis zurückziehen?",
        "confirm_text": "„{header}“ verschwindet umgehend von allen Anzeigen. Der Eintrag und "
                        "sein Verlauf bleiben erhalten.",
        "confirm_yes": "Ja, zurückziehen", "cancel": "Abbrechen", "back": "Zurück zur Übersicht",
        "updated_msg": "Änderungen gespeichert.", "revision": "Stand",
        "action_create": "erstellt", "action_update": "geändert",
        "action_withdraw": "zurückgezogen", "action_restore": "wiederhergestellt",
        "changed": "geändert", "when_col": "Wann", "who_col": "Wer", "what_col": "Was",
        "fleet": "Anzeigen (Flotte)", "fleet_title": "Anzeigen: wer ist dunkel?",
        "filter": "Filtern", "filter_text": "Haltestelle oder Anzeige", "state": "Zustand",
        "state_all": "alle", "online": "online", "offline": "offline",
        "online_since": "online seit {t}", "offline_since": "dunkel seit {t}",
        "never": "noch nie abgefragt", "last_poll": "Letzter Abruf",
        "polls_hour": "Abrufe/Stunde", "address": "Adresse", "theme": "Darstellung",
        "language_col": "Sprache", "stop": "Haltestelle", "display_col": "Anzeige",
        "current_board": "Aktuelle Anzeige", "open_board": "Anzeige öffnen",
        "shown": "{n} von {total} Anzeigen, {off} dunkel", "notices_nav": "Hinweise",
    },
    "en": {
        "search": "Search a stop, route or display", "search_button": "Search",
        "search_hint": "e.g. “hbf”, “Höfchen”, “50” or a display's name",
        "found": "{n} results for “{q}”", "nothing_found": "Nothing found for “{q}”.",
        "add": "Add", "remove": "Remove {label}", "chosen": "Chosen targets",
        "none_chosen": "No target chosen yet.", "both": "both directions",
        "boards": "Affected displays and stops", "more_boards": "and {n} more",
        "preview_board": "Preview", "gtfs_rt": "GTFS-RT rendering (open data)",
        "text_pair": "Display text and audio text", "save": "Save changes",
        "edit": "View and edit", "history": "History",
        "confirm_title": "Withdraw this notice?",
        "confirm_text": "“{header}” disappears from every display at once. The record and its "
                        "history are kept.",
        "confirm_yes": "Yes, withdraw", "cancel": "Cancel", "back": "Back to the overview",
        "updated_msg": "Changes saved.", "revision": "revision",
        "action_create": "created", "action_update": "changed",
        "action_withdraw": "withdrawn", "action_restore": "restored",
        "changed": "changed", "when_col": "When", "who_col": "Who", "what_col": "What",
        "fleet": "Displays (fleet)", "fleet_title": "Displays: which are dark?",
        "filter": "Filter", "filter_text": "Stop or display", "state": "State",
        "state_all": "all", "online": "online", "offline": "offline",
        "online_since": "online since {t}", "offline_since": "dark since {t}",
        "never": "never polled", "last_poll": "Last poll",
        "polls_hour": "Polls/hour", "address": "Address", "theme": "Theme",
        "language_col": "Language", "stop": "Stop", "display_col": "Display",
        "current_board": "Current board", "open_board": "Open the board",
        "shown": "{n} of {total} displays, {off} dark", "notices_nav": "Notices",
    },
}
WEEKDAYS = {"de": ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"],
            "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]}


def words(lang: str) -> dict[str, Any]:
    return {**TEXT[lang], **MORE[lang], "weekday_names": WEEKDAYS[lang],
            "enum": ENUM_LABELS[lang]}

"""The operator page's notice form: the notice body a submitted form means, the values to put
back into it (after a search, a preview or an error, nothing typed is lost), the values of a
stored notice to edit, the chosen targets after an "add" or "remove", and the preview of one
board with the draft notice on it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from multidict import MultiDict, MultiMapping

from displays.board.alert import AlertSource, BoardAlert, Placement
from displays.board.pillar import Pillar, build_pillar
from displays.notices.alerts import posted_alert
from displays.notices.export import alert_entity
from displays.notices.matching import board_order
from displays.notices.model import LANGUAGES, Notice, hhmm
from displays.notices.service import NoticeService
from displays.notices.validation import WRITABLE
from displays.service.runtime import Runtime

PREVIEW_ROWS = 6
TARGET_FIELDS = ("stops", "routes", "displays")
FIELDS = ("text_de", "text_en", "header_de", "header_en", "audio_de", "audio_en",
          "valid_from", "valid_until", "daily_from", "daily_until", "priority", "display",
          "cause", "effect", "severity", "url", "status", "q")
DEFAULTS = {"priority": "3", "display": "ticker", "cause": "UNKNOWN_CAUSE",
            "effect": "UNKNOWN_EFFECT", "severity": "WARNING",
            "status": "published"}


def _texts(form: MultiMapping[str], prefix: str) -> dict[str, str]:
    return {lang: form.get(f"{prefix}_{lang}", "") for lang in LANGUAGES
            if form.get(f"{prefix}_{lang}", "").strip()}


def form_body(form: MultiMapping[str]) -> dict[str, Any]:
    """The API body a submitted form means (validation happens in parse_notice)."""
    routes: list[dict[str, Any]] = []
    for value in form.getall("routes", []):
        route_id, _, direction = str(value).partition("|")
        routes.append({"id": route_id,
                       "direction": int(direction) if direction in ("0", "1") else None})
    body: dict[str, Any] = {
        "text": {"de": form.get("text_de", ""), **_texts(form, "text")},
        "header": _texts(form, "header") or None,
        "audio_text": _texts(form, "audio") or None,
        "targets": {"all": form.get("all") == "1",
                    "stops": [str(s) for s in form.getall("stops", [])],
                    "routes": routes,
                    "displays": [str(d) for d in form.getall("displays", [])]},
        "valid_from": form.get("valid_from") or None,
        "valid_until": form.get("valid_until") or None,
        "weekdays": sorted({int(d) for d in form.getall("weekdays", []) if str(d).isdigit()})
        or None,
        "priority": int(form["priority"]) if str(form.get("priority", "")).isdigit() else None,
        "url": form.get("url") or None,
    }
    if form.get("daily_from") or form.get("daily_until"):
        body["daily"] = {"from": form.get("daily_from", ""), "until": form.get("daily_until", "")}
    for key in ("display", "cause", "effect", "severity", "status"):
        body[key] = form.get(key) or None
    return {k: v for k, v in body.items() if v is not None}


def replacement(body: Mapping[str, Any]) -> dict[str, Any]:
    """A merge patch that makes a stored notice exactly what the form says: every writable
    field the form leaves empty is deleted, every language it leaves empty too."""
    patch: dict[str, Any] = {key: body.get(key) for key in WRITABLE}
    for key in ("text", "header", "audio_text"):
        given = body.get(key) or {}
        patch[key] = {lang: given.get(lang) for lang in LANGUAGES}
    return patch


def with_targets(form: MultiMapping[str], add: str | None, remove: str | None
                 ) -> MultiDict[str]:
    """The form with one target ("stops:ID", "routes:ID|0", "displays:ID") added or removed."""
    out: MultiDict[str] = MultiDict(form)
    for change, adding in ((add, True), (remove, False)):
        kind, _, value = (change or "").partition(":")
        if kind not in TARGET_FIELDS or not value:
            continue
        kept = [v for v in out.getall(kind, []) if v != value]
        out.popall(kind, None)
        for v in [*kept, *([value] if adding else [])]:
            out.add(kind, v)
    return out


def form_values(form: MultiMapping[str] | None) -> dict[str, Any]:
    """What to put back into the form (a new form: the defaults)."""
    if form is None:
        return {**DEFAULTS, "selected": [], "weekdays": set(), "all": False}
    values: dict[str, Any] = {key: str(form.get(key, "")) for key in FIELDS}
    for key, default in DEFAULTS.items():
        values[key] = values[key] or default
    values["all"] = form.get("all") == "1"
    values["selected"] = [(k, str(v)) for k in TARGET_FIELDS for v in form.getall(k, [])]
    values["weekdays"] = {str(d) for d in form.getall("weekdays", [])}
    return values


def notice_form(notice: Notice, zone: Any) -> MultiDict[str]:
    """The form fields of a stored notice (to edit it)."""
    def local(epoch: int | None) -> str:
        return dt.datetime.fromtimestamp(epoch, zone).strftime("%Y-%m-%dT%H:%M") if epoch \
            else ""

    form: MultiDict[str] = MultiDict()
    for prefix, texts in (("text", notice.text), ("header", notice.header),
                          ("audio", notice.audio_text)):
        for lang in LANGUAGES:
            form[f"{prefix}_{lang}"] = texts.get(lang, "")
    form.update({"valid_from": local(notice.valid_from), "valid_until": local(notice.valid_until),
                 "daily_from": hhmm(notice.daily.start) if notice.daily else "",
                 "daily_until": hhmm(notice.daily.end) if notice.daily else "",
                 "priority": str(notice.priority), "display": notice.display.value,
                 "cause": notice.cause.value, "effect": notice.effect.value,
                 "severity": notice.severity.value, "url": notice.url or "",
                 "status": notice.status.value, "all": "1" if notice.targets.all else ""})
    for day in notice.weekdays:
        form.add("weekdays", str(day))
    for stop in notice.targets.stops:
        form.add("stops", stop)
    for route in notice.targets.routes:
        form.add("routes", route.id + (f"|{route.direction}" if route.direction is not None
                                       else ""))
    for display in notice.targets.displays:
        form.add("displays", display)
    return form


@dataclass(frozen=True)
class Preview:
    key: str                                         # the board shown ("display:…", "stop:…")
    pillar: Pillar
    takeover: tuple[tuple[str, str | None], ...]     # (header, description) shown full width


def preview_board(rt: Runtime, service: NoticeService, notice: Notice, lang: str, at: int,
                  key: str) -> Preview | None:
    """The pillar of the board `key` with the draft notice on it as it would be published."""
    tt = rt.tt
    kind, _, ident = key.partition(":")
    display = rt.displays.get(ident) if kind == "display" else None
    stop = tt.find_stop(ident) if kind == "stop" else -1
    if display is not None:
        board = rt.display_board(display, at).board
        lang = display.lang
    elif stop >= 0:
        board = rt.stop_board(stop, at, rt.request(rt.settings.window_min * 60, PREVIEW_ROWS,
                                                   lang=lang))
    else:
        return None
    draft = posted_alert(notice, tt, rt.displays, at)
    shown = [a for a in board.alerts if a.source is AlertSource.OPERATOR and a.id != notice.id]
    others = [a for a in board.alerts if a.source is not AlertSource.OPERATOR]
    ordered = sorted([*shown, draft], key=_alert_order(service, notice))
    pillar = build_pillar(replace(board, alerts=(*ordered, *others)), lang, PREVIEW_ROWS)
    takeover = [a.words(lang) for a in ordered if a.placement is Placement.TAKEOVER]
    return Preview(key, pillar, tuple((w.header or "", w.description) for w in takeover))


def gtfs_rt_rendering(rt: Runtime, notice: Notice, at: int) -> str:
    """The notice as it will appear in /gtfs-rt/alerts.pb?format=json (an empty object when it
    has nothing to publish yet, e.g. a draft)."""
    entity = alert_entity(posted_alert(notice, rt.tt, rt.displays, at))
    return json.dumps(entity or {}, ensure_ascii=False, indent=2)


def _alert_order(service: NoticeService, candidate: Notice
                 ) -> Callable[[BoardAlert], tuple[int, int, int, str]]:
    known: Mapping[str, Notice] = {**service.notices, candidate.id: candidate}

    def key(alert: BoardAlert) -> tuple[int, int, int, str]:
        notice = known.get(alert.id)
        return board_order(notice) if notice is not None else (9, 9, 0, alert.id)
    return key

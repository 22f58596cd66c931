"""The operator page's form: the choices it offers (from the timetable), the notice body a
submitted form means, and the board preview of a candidate notice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from multidict import MultiMapping

from displays.board.display import BoardFilter
from displays.board.pillar import Pillar, build_pillar
from displays.notices.alerts import notice_alert
from displays.notices.matching import board_order
from displays.notices.model import Notice
from displays.notices.service import NoticeService
from displays.service.runtime import Runtime

PREVIEW_ROWS = 6
FIELDS = ("text_de", "text_en", "header_de", "header_en", "audio_de", "audio_en",
          "valid_from", "valid_until", "daily_from", "daily_until", "priority", "display",
          "cause", "effect", "severity", "url", "status")


def choices(rt: Runtime, service: NoticeService) -> dict[str, Any]:
    """Stops (stations and stops without one), routes with each direction, displays."""
    tt = rt.tt
    stops = sorted(({"id": tt.stop_id(i), "name": tt.stop_name[i]}
                    for i in rt.search.candidates), key=lambda s: (s["name"], s["id"]))
    directions: dict[str, set[int]] = {}
    for pairs in service.serving(tt).values():
        for route_id, direction in pairs:
            if direction >= 0:
                directions.setdefault(route_id, set()).add(direction)
    routes = [{"id": r.id, "name": " ".join(x for x in (r.short_name, r.long_name) if x) or r.id,
               "directions": sorted(directions.get(r.id, ()))} for r in tt.routes]
    displays = [{"id": d.id, "name": d.name} for d in rt.displays.values()]
    return {"stops": stops, "routes": routes, "displays": displays}


def _texts(form: MultiMapping[str], prefix: str) -> dict[str, str]:
    return {lang: form.get(f"{prefix}_{lang}", "") for lang in ("de", "en")
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


def form_values(form: MultiMapping[str] | None) -> dict[str, Any]:
    """What to put back into the form after a preview or an error (nothing is lost)."""
    if form is None:
        return {"selected": set(), "weekdays": set()}
    values: dict[str, Any] = {key: str(form.get(key, "")) for key in FIELDS}
    values["all"] = form.get("all") == "1"
    values["selected"] = {f"{k}:{v}" for k in ("stops", "routes", "displays")
                          for v in form.getall(k, [])}
    values["weekdays"] = {str(d) for d in form.getall("weekdays", [])}
    return values


@dataclass(frozen=True)
class Preview:
    pillar: Pillar
    takeover: tuple[tuple[str, str | None], ...]     # (header, description) shown full width


def preview_board(rt: Runtime, service: NoticeService, notice: Notice, lang: str, at: int
                  ) -> Preview | None:
    """The pillar of the first board the notice targets, with the notice on it as published."""
    tt = rt.tt
    targets = notice.targets
    stop = next((i for i in (tt.find_stop(s) for s in targets.stops) if i >= 0), -1)
    display = next((rt.displays[d] for d in targets.displays if d in rt.displays), None)
    if stop < 0 and display is None and targets.routes:
        route_ids = {r.id for r in targets.routes}
        stop = next((s for s, pairs in sorted(service.serving(tt).items())
                     if any(r in route_ids for r, _ in pairs)), -1)
    if stop < 0 and display is None:
        display = next(iter(rt.displays.values()), None)
    if display is not None:
        document = rt.display_document(display, at)
        lang = display.lang
    elif stop >= 0:
        document = rt.stop_document(stop, at, rt.settings.window_min * 60, PREVIEW_ROWS,
                                    BoardFilter(), lang)
    else:
        return None
    shown = [a for a in document["alerts"] if a["source"] == "operator" and a["id"] != notice.id]
    others = [a for a in document["alerts"] if a["source"] != "operator"]
    ordered = sorted([*shown, notice_alert(notice, lang)], key=_alert_order(service, notice))
    document = {**document, "alerts": ordered + others}
    pillar = build_pillar(document, lang, tt.zone, rt.settings.countdown_horizon_min,
                          PREVIEW_ROWS)
    return Preview(pillar, tuple((a["header"], a["description"]) for a in ordered
                                 if a.get("display") == "takeover"))


def _alert_order(service: NoticeService, candidate: Notice) -> Any:
    known: Mapping[str, Notice] = {**service.notices, candidate.id: candidate}

    def key(alert: dict[str, Any]) -> Any:
        notice = known.get(alert["id"])
        return board_order(notice) if notice is not None else (9, 9, 0, alert["id"])
    return key

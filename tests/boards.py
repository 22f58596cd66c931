"""Boards for tests, written the way a reader thinks of them: a contract-shaped dict (the JSON
a client sees, plus the pillar extras an operator notice carries and a `timetable` status),
turned into the typed `Board` every rendering takes. Only tests build boards this way; the
service builds them from the timetable (`displays.board.build`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from displays.board.alert import AlertSource, BoardAlert, Placement
from displays.board.model import Board, BoardDeparture, BoardDisplay
from displays.board.when import when_of
from feeds import Departure
from feeds.model import Route
from feeds.validity import TimetableStatus, Validity
from realtime.freshness import Freshness
from realtime.records import Translation

ZONE = "Europe/Berlin"


def epoch(iso: str) -> int:
    return int(dt.datetime.fromisoformat(iso).timestamp())


def departure_of(d: Mapping[str, Any]) -> Departure:
    r = d["route"]
    return Departure(
        trip_id=d["trip_id"], service_date=dt.date.fromisoformat(d["service_date"]),
        stop_id=d["stop_id"], stop_sequence=d["stop_sequence"],
        route=Route(r["id"], r["short_name"], r["long_name"], r["type"], r["color"],
                    r["text_color"]),
        direction_id=d.get("direction_id"), headsign=d["headsign"],
        scheduled=epoch(d["scheduled"]), platform=d["platform"], on_request=d["on_request"],
        approximate=d["approximate"],
        headway_s=(d["frequency"] or {}).get("headway_s"),
        wheelchair_accessible=d["wheelchair_accessible"], trip_index=0, st_row=0,
        predicted=epoch(d["predicted"]) if d.get("predicted") else None,
        delay_s=d.get("delay_s"), realtime=d["realtime"], status=d["status"],
        platform_changed=d["platform_changed"], occupancy=d.get("occupancy"),
        alert_ids=tuple(d.get("alert_ids") or ()))


def alert_of(a: Mapping[str, Any]) -> BoardAlert:
    operator = a.get("source") == "operator"
    lang = a.get("lang") or ("de" if operator else None)    # a notice's texts are tagged
    header = (Translation(a["header"], lang),) if a.get("header") else ()
    description = (Translation(a.get("description") or "", lang),) \
        if a.get("description") or operator else ()
    audio = (Translation(a["audio"], a.get("audio_lang") or lang),) if a.get("audio") else ()
    return BoardAlert(
        id=a.get("id", "a"), source=AlertSource(a.get("source", "gtfs-rt")), header=header,
        description=description, audio=audio, effect=a.get("effect"),
        severity=a.get("severity"), placement=Placement(a.get("display") or "ticker"),
        priority=a["priority"] if isinstance(a.get("priority"), int) else 3)


def display_of(d: Mapping[str, Any], stop_name: str) -> BoardDisplay:
    return BoardDisplay(id=d.get("id", "d"), name=d.get("name", stop_name),
                        title=d.get("title") or d.get("name") or stop_name,
                        lang=d.get("lang", "de"), theme=d.get("theme", "lcd"),
                        refresh_s=d.get("refresh_s", 30),
                        platforms=tuple(d.get("platforms") or ()),
                        audio=bool(d.get("audio", True)),
                        readout_rows=int(d.get("readout_rows") or 4))


def board_of(document: Mapping[str, Any], horizon_min: int = 20, lang: str = "de",
             zone: str = ZONE) -> Board:
    """The board a contract-shaped `document` describes (see the module's docstring)."""
    at = epoch(document["generated_at"])
    departures = tuple(BoardDeparture(dep, when_of(dep, at, horizon_min))
                       for dep in map(departure_of, document["departures"]))
    status = (document.get("timetable") or {}).get("status")
    validity = Validity(TimetableStatus(status), None, None,
                        dt.datetime.fromtimestamp(at, dt.UTC).date()) if status else None
    stop = document["stop"]
    display = document.get("display")
    feed_ts = document["realtime"].get("feed_timestamp")
    return Board(stop_id=stop["id"], stop_name=stop["name"], timezone=zone, at=at,
                 window_s=3600, departures=departures,
                 freshness=Freshness(document["realtime"]["status"]),
                 feed_timestamp=epoch(feed_ts) if feed_ts else None,
                 alerts=tuple(alert_of(a) for a in document.get("alerts", ())), lang=lang,
                 timetable=validity,
                 display=display_of(display, stop["name"]) if display else None)

"""The fleet view (/operator/displays, signed in): every configured display with its title,
stops, theme and language, its last poll, online or dark since when, polls in the last hour,
the address it polls from, and its current board as the pillar shows it; dark pillars first;
filtered by stop or display and by state. Server-rendered, no script.

The board is the pillar's own page in a lazily loaded, scaled frame (`?preview=1`, which does
not count as the pillar's poll); a bitmap rendering of the board can replace it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web

from displays.notices.operator import render_page, signed_in_page, store_guarded
from displays.notices.operator_targets import display_title
from displays.notices.operator_text import words
from displays.service.stop_search import fold
from displays.web.appkeys import runtime

routes = web.RouteTableDef()
STATES = ("", "online", "offline")


def _clock(epoch: int, zone: Any) -> str:
    return dt.datetime.fromtimestamp(epoch, zone).strftime("%d.%m. %H:%M:%S")


@routes.get("/operator/displays")
@store_guarded
async def fleet(request: web.Request) -> web.Response:
    service, session, lang = await signed_in_page(request)
    rt = runtime(request.app)
    t = words(lang)
    now = rt.now()
    zone = rt.tt.zone
    catalog = service.targets(rt.tt)
    contacts = rt.contacts
    query = request.query.get("q", "").strip()[:100]
    state = request.query.get("state", "")
    state = state if state in STATES else ""
    terms = fold(query).split()
    rows = []
    for display in rt.displays.values():
        stops = [catalog.stop_chip(s).label for s in display.stops]
        online = contacts.is_online(display.id, now)
        last = contacts.seen.get(display.id)
        known = contacts.states.get(display.id)
        since = known.since if known is not None and known.online == online else (
            None if online else last)
        key = fold(" ".join([display_title(display), display.name, display.id, *stops]))
        if (terms and not all(term in key for term in terms)) or \
                (state and (state == "online") != online):
            continue
        rows.append({
            "id": display.id, "title": display_title(display), "name": display.name,
            "stops": ", ".join(stops), "theme": display.theme, "lang": display.lang,
            "online": online,
            "last_poll": f"{_clock(last, zone)} ({now - last} s)" if last else t["never"],
            "since": (t["online_since" if online else "offline_since"].format(
                t=_clock(since, zone)) if since else (t["online"] if online else t["never"])),
            "polls_hour": contacts.polls_hour.get(display.id, 0),
            "address": contacts.address.get(display.id, "–"),
        })
    rows.sort(key=lambda r: (r["online"], r["title"].lower(), r["id"]))
    dark = sum(1 for d in rt.displays if not contacts.is_online(d, now))
    summary = t["shown"].format(n=len(rows), total=len(rt.displays), off=dark)
    return render_page(request, "operator_fleet.html", lang, session=session, rows=rows,
                       query=query, state=state, summary=summary)

"""The standards' endpoints: SIRI 2.1 StopMonitoring (XML, SIRI Lite JSON) and
SituationExchange, OJP 2.0, TRIAS 1.4. Thin: read the request (off the loop), get the board
the JSON API would show, answer with the standard's XML (displays/standards).

A request for a stop's default board (now, the default window, no line or direction; rows
up to the default) is answered from the cached stop board, its rendering made once per board
version (ETag/304, gzip) like the JSON board; anything else is computed in a worker thread.
A request that is not one of the standard's gets its error element with HTTP 400, a stop
that does not exist or a request not offered its error element with 200 (as the standards
put errors inside a delivery); never an HTML page.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from displays.board.alert import BoardAlert
from displays.board.model import Board
from displays.service.runtime import Runtime
from displays.standards import ojp, siri_lite, siri_sm, siri_sx, trias
from displays.standards.query import BoardQuery, FoundStop, LocationQuery
from displays.standards.request import Problem, RequestError
from displays.standards.tree import Element, xml_bytes
from displays.web.answers import conditional, gzipped, serve_rendering
from displays.web.api import MAX_ID_LEN, cached_stop_board, max_age
from displays.web.appkeys import runtime
from displays.web.http import json_body
from displays.web.pages import prerender

routes = web.RouteTableDef()
PRODUCER = "abfahrt"                 # ProducerRef, ParticipantRef of what this service says
XML = "application/xml"
JSON = "application/json"
SIRI_SM = "/siri/2.1/stop-monitoring"
SIRI_SX = "/siri/2.1/situation-exchange"
OJP_PATH = "/ojp/2.0"
TRIAS_PATH = "/trias/1.4"
NO_STORE = {"Cache-Control": "no-store"}
STATUS = {Problem.INVALID: 400}       # other problems are answered inside a delivery (200)

Render = Callable[[Board], Element]
ErrorOf = Callable[[RequestError], Element]


async def body_of(request: web.Request) -> bytes:
    """The POST body (at most the app's client_max_size; larger: RequestError)."""
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise RequestError("the request is larger than 64 KiB") from None


def error_answer(exc: RequestError, element: Element, as_json: bool = False) -> web.Response:
    body = json_body(siri_lite.as_json(element)) if as_json else xml_bytes(element)
    return web.Response(body=body, status=STATUS.get(exc.problem, 200),
                        content_type=JSON if as_json else XML, charset="utf-8",
                        headers=NO_STORE)


def stop_of(rt: Runtime, ref: str) -> int:
    stop = rt.tt.find_stop(ref) if len(ref) <= MAX_ID_LEN else -1
    if stop < 0:
        raise RequestError(f"unknown stop or station {ref[:64]!r} / unbekannte Haltestelle",
                           Problem.UNKNOWN_STOP)
    return stop


async def answer_board(request: web.Request, rt: Runtime, ask: BoardQuery,
                       variant: tuple[str, ...], render: Render, as_json: bool = False
                       ) -> web.Response:
    """The answer for the board `ask` names, written by `render`: from the cached stop board
    when it is the default one (made once per board version), else computed off the loop."""
    stop = stop_of(rt, ask.stop_ref)
    lang = ask.lang or "de"
    settings = rt.settings
    now = rt.now()
    kind = JSON if as_json else XML

    def write(board: Board) -> bytes:
        element = render(board)
        return json_body(siri_lite.as_json(element)) if as_json else xml_bytes(element)

    if ask.default_board and (ask.limit or 0) <= settings.default_limit:
        cached = await cached_stop_board(rt, stop, lang, now)
        key = (*variant, ask.stop_ref, kind)

        def made() -> bytes:
            return write(rows(cached.board, ask.limit))

        await prerender(request, cached, key, made)
        return serve_rendering(request, cached, key, made, kind, max_age(rt, cached, now))
    at = ask.at if ask.at is not None else now
    window = ask.window_s or settings.window_min * 60
    wanted = rt.request(window, ask.limit or settings.default_limit, ask.board_filter, lang)
    body = await asyncio.to_thread(lambda: write(rt.stop_board(stop, at, wanted)))
    etag = f'W/"{hashlib.blake2b(body, digest_size=10).hexdigest()}"'
    return conditional(request, etag=etag, body=body, content_type=kind,
                       max_age=settings.realtime_interval_s, gz=gzipped(body))


def rows(board: Board, limit: int | None) -> Board:
    return board if limit is None else replace(board, departures=board.departures[:limit])


def bounds(rt: Runtime) -> tuple[ZoneInfo, int, int]:
    return rt.tt.zone, rt.settings.max_window_min * 60, rt.settings.max_limit


# ---- SIRI StopMonitoring ------------------------------------------------------------------
async def stop_monitoring(request: web.Request, read: Callable[[], Awaitable[
        siri_sm.StopMonitoringQuery]], as_json: bool = False) -> web.Response:
    rt = runtime(request.app)
    ref = None
    try:
        query = await read()
        ref = query.board.stop_ref
        return await answer_board(request, rt, query.board, ("siri-sm", *query.variant),
                                  lambda board: siri_sm.stop_monitoring(board, query, PRODUCER),
                                  as_json)
    except RequestError as exc:
        return error_answer(exc, siri_sm.stop_monitoring_error(
            exc.problem, str(exc), rt.now(), rt.tt.zone, PRODUCER, ref), as_json)


@routes.post(SIRI_SM)
async def siri_stop_monitoring(request: web.Request) -> web.Response:
    """SIRI StopMonitoringRequest (XML POST)."""
    rt = runtime(request.app)

    async def read() -> siri_sm.StopMonitoringQuery:
        body = await body_of(request)
        return await asyncio.to_thread(siri_sm.read_request, body, *bounds(rt))

    return await stop_monitoring(request, read)


@routes.get(SIRI_SM + ".xml")
async def siri_stop_monitoring_xml(request: web.Request) -> web.Response:
    """SIRI Lite: the StopMonitoringRequest's parameters in the query string, XML answer."""
    return await stop_monitoring(request, _fields_reader(request))


@routes.get(SIRI_SM + ".json")
async def siri_stop_monitoring_json(request: web.Request) -> web.Response:
    """SIRI Lite: the same as JSON, with the element names of the XML."""
    return await stop_monitoring(request, _fields_reader(request), as_json=True)


def _fields_reader(request: web.Request) -> Callable[[], Awaitable[
        siri_sm.StopMonitoringQuery]]:
    async def read() -> siri_sm.StopMonitoringQuery:
        q = request.query
        fields = {name: ",".join(q.getall(name)) for name in q if len(name) < 64}
        return siri_sm.query_from_fields(fields, *bounds(runtime(request.app)))
    return read


# ---- SIRI SituationExchange ---------------------------------------------------------------
def published_alerts(rt: Runtime, now: int) -> list[BoardAlert]:
    """What SX publishes: every notice not yet over, then the live upstream alerts (by id)."""
    upstream = rt.realtime.live_alerts(rt.tt, now) if rt.realtime is not None else []
    alerts: dict[str, BoardAlert] = {}
    for alert in (*rt.notice_board.current(now), *upstream):
        alerts.setdefault(alert.id, alert)
    return list(alerts.values())


async def situation_exchange(request: web.Request, query: siri_sx.SituationQuery
                             ) -> web.Response:
    rt = runtime(request.app)
    now = rt.now()
    alerts = published_alerts(rt, now)
    body = await asyncio.to_thread(lambda: xml_bytes(siri_sx.situation_exchange(
        alerts, now, rt.tt.zone, PRODUCER, query)))
    stable = body.split(b"</ResponseTimestamp>", 2)[-1]      # the instant alone is no change
    etag = f'W/"{hashlib.blake2b(stable, digest_size=10).hexdigest()}"'
    return conditional(request, etag=etag, body=body, content_type=XML,
                       max_age=rt.settings.realtime_interval_s, gz=gzipped(body))


@routes.post(SIRI_SX)
async def siri_situation_exchange(request: web.Request) -> web.Response:
    """SIRI SituationExchangeRequest (XML POST): every current notice and alert."""
    rt = runtime(request.app)
    try:
        body = await body_of(request)
        query = await asyncio.to_thread(siri_sx.read_situation_request, body)
    except RequestError as exc:
        return error_answer(exc, siri_sm.stop_monitoring_error(
            exc.problem, str(exc), rt.now(), rt.tt.zone, PRODUCER))
    return await situation_exchange(request, query)


@routes.get(SIRI_SX + ".xml")
async def siri_situation_exchange_xml(request: web.Request) -> web.Response:
    """SIRI SX as a document to fetch (data hubs poll it like the GTFS-RT alerts feed)."""
    lang = request.query.get("Language")
    return await situation_exchange(request, siri_sx.SituationQuery(
        lang=lang if lang in ("de", "en") else None))


# ---- OJP and TRIAS ------------------------------------------------------------------------
def found_stops(rt: Runtime, ask: LocationQuery) -> list[FoundStop]:
    tt = rt.tt
    if ask.ref is not None:
        stop = tt.find_stop(ask.ref) if len(ask.ref) <= MAX_ID_LEN else -1
        indexes = [stop] if stop >= 0 else []
    else:
        indexes = [m.index for m in rt.search.search(ask.name or "", ask.limit)]
    return [FoundStop(id=tt.stop_id(i), name=tt.stop_name[i], lat=float(tt.stop_lat[i]),
                      lon=float(tt.stop_lon[i]), station=int(tt.stop_location_type[i]) == 1)
            for i in indexes]


@dataclass(frozen=True)
class Planner:
    """What a journey-planner standard (OJP, TRIAS) offers the handler."""

    name: str
    read: Callable[[bytes, ZoneInfo, int, int], Any]       # its StopEventQuery or LocationQuery
    stop_events: Callable[[Board, Any, str], Element]
    locations: Callable[[list[FoundStop], int, ZoneInfo, str], Element]
    error: Callable[[Problem, str, int, ZoneInfo, str, bool], Element]


OJP = Planner("ojp", ojp.read_request, ojp.stop_events, ojp.locations, ojp.ojp_error)
TRIAS = Planner("trias", trias.read_request, trias.stop_events, trias.locations,
                trias.trias_error)


async def journey_planner(request: web.Request, standard: Planner) -> web.Response:
    """An OJP or TRIAS request: a stop's departures, or a stop search."""
    rt = runtime(request.app)
    location = False
    try:
        body = await body_of(request)
        zone, max_window_s, max_rows = bounds(rt)
        query = await asyncio.to_thread(standard.read, body, zone, max_window_s, max_rows)
        if isinstance(query, LocationQuery):
            location = True
            element = standard.locations(found_stops(rt, query), rt.now(), zone, PRODUCER)
            return web.Response(body=xml_bytes(element), content_type=XML, charset="utf-8",
                                headers={"Cache-Control": "public, max-age=3600"})
        return await answer_board(request, rt, query.board, (standard.name, *query.variant),
                                  lambda board: standard.stop_events(board, query, PRODUCER))
    except RequestError as exc:
        return error_answer(exc, standard.error(exc.problem, str(exc), rt.now(), rt.tt.zone,
                                                PRODUCER, location))


@routes.post(OJP_PATH)
async def ojp_request(request: web.Request) -> web.Response:
    """OJP 2.0: OJPStopEventRequest, OJPLocationInformationRequest."""
    return await journey_planner(request, OJP)


@routes.post(TRIAS_PATH)
async def trias_request(request: web.Request) -> web.Response:
    """TRIAS 1.4: StopEventRequest, LocationInformationRequest."""
    return await journey_planner(request, TRIAS)

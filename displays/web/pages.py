"""Pillar pages: /stops/{id}, /displays/{id} as HTML, text (.txt, LED) and bitmap (.png), the
styles and fonts they use, and the index page.

Pillar pages speak the display's language, else the server default (ABFAHRT_DEFAULT_LANG);
`?lang=` overrides. The kiosk browser's Accept-Language is ignored here (it is for the API).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from multidict import MultiMapping

from displays.board.bitmap import FONT_DIR, FONT_FILES, MAX_SIDE, MIN_SIDE, render_bitmap
from displays.board.html import render_board_html
from displays.board.pillar import Pillar, build_pillar
from displays.board.text import MAX_LINES, MIN_LINES, MIN_TEXT_WIDTH, text_board
from displays.board.themes import THEMES, routes_css, theme_css
from displays.board.wording import label
from displays.service.cluster.board_cache import CachedBoard
from displays.service.runtime import Runtime
from displays.web.answers import CLOCK, conditional, gzipped, serve_rendering
from displays.web.api import (
    MAX_ID_LEN,
    cached_stop_board,
    display_board,
    display_or_404,
    max_age,
    pillar_address,
    stop_or_404,
)
from displays.web.appkeys import JINJA, RENDER_SLOTS, runtime
from displays.web.http import query
from displays.web.params import ParamError, parse_int, parse_optional_int

routes = web.RouteTableDef()
ETAG_SLOT = "abfahrt-etag-slot"           # where a page's ETag goes, once its hash is known
PAGE_ETAG = re.compile(rb'data-etag="W/&#34;([0-9a-f]+)&#34;"')
TEXT_WIDTH_DEFAULT = 40
SUFFIXES = (".txt", ".html", ".png")
STOP_ROWS_DEFAULT = 10
DISPLAY_PAGE_ROUTE = "/displays/{display_id}"     # a pillar's page (has a front)


def split_suffix(raw: str) -> tuple[str, str]:
    for suffix in SUFFIXES:
        if raw.endswith(suffix):
            return raw[: -len(suffix)], suffix[1:]
    return raw, "html"


def page_lang(q: MultiMapping[str], default: str) -> str:
    """?lang= wins; else the display's language or the server default (never Accept-Language)."""
    lang = q.get("lang")
    if lang is None or lang == "":
        return default
    if lang not in ("de", "en"):
        raise ParamError("lang: must be 'de' or 'en'")
    return lang


def _theme(q: MultiMapping[str], default: str) -> str:
    theme = q.get("theme", default)
    if theme not in THEMES:
        raise ParamError(f"theme: one of {', '.join(THEMES)}")
    return theme


@dataclass(slots=True)
class PageRequest:
    """What a pillar page asks for, whatever its format."""

    board: CachedBoard
    fmt: str
    lang: str
    theme: str
    rows: int | None
    refresh: int
    width: int
    audio_path: str | None
    lines: int | None = None        # a text board's line budget (LED signs)


def pillar_of(rt: Runtime, page: PageRequest) -> Pillar:
    return build_pillar(page.board.board, page.lang, page.rows, rt.abbreviations, page.refresh)


def speech_on(rt: Runtime) -> bool:
    """Whether readout audio can be had: else a page offers no "Vorlesen" that plays nothing."""
    return rt.speech is not None and rt.speech.available


def page_variant(fmt: str, lang: str, theme: str, rows: int | None, refresh: int
                 ) -> tuple[str, ...]:
    """What a page's rendering depends on besides the board (a text board adds its size)."""
    return (fmt, lang, theme, str(rows), str(refresh))


def clocked(response: web.Response, now: int) -> web.Response:
    response.headers[CLOCK] = str(now)
    return response


async def respond(request: web.Request, rt: Runtime, page: PageRequest, now: int
                  ) -> web.Response:
    return clocked(await _respond(request, rt, page, now), now)


async def _respond(request: web.Request, rt: Runtime, page: PageRequest, now: int
                   ) -> web.Response:
    age = max_age(rt, page.board, now)
    variant = page_variant(page.fmt, page.lang, page.theme, page.rows, page.refresh)
    if page.fmt == "txt":
        notes = (label(page.lang, "demo"),) if rt.settings.demo else ()
        text_variant = (*variant, str(page.width), str(page.lines))

        def text() -> bytes:
            return text_board(pillar_of(rt, page), page.width, notes,
                              page.lines).encode("utf-8")

        await prerender(request, page.board, text_variant, text)
        return serve_rendering(request, page.board, text_variant, text, "text/plain", age)
    if page.fmt == "png":
        return await respond_bitmap(request, rt, page, variant, age)

    def html() -> bytes:
        body = render_board_html(request.app[JINJA], pillar_of(rt, page), theme=page.theme,
                                 refresh=page.refresh, demo=rt.settings.demo,
                                 route_colours=THEMES[page.theme].route_colours,
                                 horizon=rt.settings.countdown_horizon_min,
                                 audio_url=page.audio_path, etag=ETAG_SLOT)
        digest = hashlib.blake2b(body, digest_size=10).hexdigest()
        return body.replace(ETAG_SLOT.encode(), f"W/&#34;{digest}&#34;".encode(), 1)

    await prerender(request, page.board, variant, html)
    return serve_rendering(request, page.board, variant, html, "text/html", age, etag=page_etag)


def page_etag(body: bytes) -> str | None:
    """The ETag a pillar page carries in its `data-etag` (the hash of the page made with the
    slot in its place), so the page's script polls with it instead of fetching the page once
    more to learn it."""
    found = PAGE_ETAG.search(body, 0, 8192)
    return f'W/"{found.group(1).decode()}"' if found else None


async def prerender(request: web.Request, board: CachedBoard, variant: tuple[str, ...],
                    render: Callable[[], bytes]) -> None:
    """Make a rendering and its gzip in a worker thread (at most RENDER_SLOTS at once) unless
    this board version has them already; serve_rendering then finds both made. A rendering
    already made costs no thread hop."""
    gzip_variant = (*variant, "gzip")
    if variant in board.renderings and gzip_variant in board.renderings:
        return
    async with request.app[RENDER_SLOTS]:
        if variant in board.renderings and gzip_variant in board.renderings:
            return                               # made while this request waited
        body, gz = await asyncio.to_thread(_render_and_gzip, render)
    board.rendering(variant, lambda: body)
    board.rendering(gzip_variant, lambda: gz or b"")


def _render_and_gzip(render: Callable[[], bytes]) -> tuple[bytes, bytes | None]:
    body = render()
    return body, gzipped(body)


async def respond_bitmap(request: web.Request, rt: Runtime, page: PageRequest,
                         variant: tuple[str, ...], age: int) -> web.Response:
    """The board as a PNG for e-paper controllers: rendered once per board version and size,
    in a worker thread (at most RENDER_SLOTS at once), answered with ETag / 304."""
    q = request.query
    width = parse_int(q, "w", 800, MIN_SIDE, MAX_SIDE)
    height = parse_int(q, "h", 480, MIN_SIDE, MAX_SIDE)
    depth = parse_int(q, "depth", 1, 1, 2)
    key = (*variant, f"{width}x{height}", str(depth))
    found = page.board.renderings.get(key)
    if found is None:
        notes = (label(page.lang, "demo"),) if rt.settings.demo else ()
        async with request.app[RENDER_SLOTS]:
            body = await asyncio.to_thread(lambda: render_bitmap(
                pillar_of(rt, page), width, height, depth == 2, notes))
        found = page.board.rendering(key, lambda: body)
    etag, body = found
    return conditional(request, etag=etag, body=body, content_type="image/png", max_age=age,
                       vary="Accept-Encoding")


@routes.get("/stops/{stop_id}")
async def stop_page(request: web.Request) -> web.Response:
    rt = runtime(request.app)
    raw, fmt = split_suffix(request.match_info["stop_id"])
    stop = stop_or_404(rt, raw)
    q = query(request)
    lang = page_lang(q, rt.settings.default_lang)
    rows = parse_int(q, "rows", STOP_ROWS_DEFAULT, 1, 50)
    now = rt.now()
    page = PageRequest(
        board=await cached_stop_board(rt, stop, lang, now), fmt=fmt, lang=lang,
        theme=_theme(q, "lcd"), rows=rows, refresh=rt.settings.realtime_interval_s + 10,
        width=_text_width(q, TEXT_WIDTH_DEFAULT), lines=_text_lines(q, None),
        audio_path=f"/stops/{rt.tt.stop_id(stop)}/readout.mp3?lang={lang}"
        if speech_on(rt) else None)
    return await respond(request, rt, page, now)


@routes.get(DISPLAY_PAGE_ROUTE)
async def display_page(request: web.Request) -> web.Response:
    rt = runtime(request.app)
    raw, fmt = split_suffix(request.match_info["display_id"][:MAX_ID_LEN])
    display = display_or_404(rt, raw)
    q = query(request)
    lang = page_lang(q, display.lang)
    rows = parse_int(q, "rows", display.rows, 1, 50)     # a bad one is refused before the poll
    now = rt.now()
    board = await display_board(rt, display, pillar_address(request, rt, display), lang, now)
    page = PageRequest(
        board=board, fmt=fmt, lang=lang, theme=_theme(q, display.theme),
        rows=rows, refresh=display.refresh_s,
        width=_text_width(q, display.line_width),
        lines=_text_lines(q, display.lines),
        audio_path=f"/displays/{display.id}/readout.mp3"
        if display.audio and speech_on(rt) else None)
    return await respond(request, rt, page, now)


def _text_width(q: MultiMapping[str], default: int) -> int:
    return parse_int(q, "width", default, MIN_TEXT_WIDTH, 200)


def _text_lines(q: MultiMapping[str], default: int | None) -> int | None:
    lines = parse_optional_int(q, "lines", MIN_LINES, MAX_LINES)
    return default if lines is None else lines


@routes.get("/theme/{name}.css")
async def theme_stylesheet(request: web.Request) -> web.Response:
    theme = THEMES.get(request.match_info["name"])
    if theme is None:
        raise web.HTTPNotFound(text="unknown theme")
    return web.Response(text=theme_css(theme), content_type="text/css",
                        headers={"Cache-Control": "public, max-age=86400"})


@routes.get("/fonts/{name}")
async def font_file(request: web.Request) -> web.FileResponse:
    """The board font (Atkinson Hyperlegible, installed with the project from PyPI)."""
    name = request.match_info["name"]
    if FONT_DIR is None or name not in FONT_FILES.values():
        raise web.HTTPNotFound(text="unknown font")
    return web.FileResponse(Path(FONT_DIR) / name,
                            headers={"Cache-Control": "public, max-age=604800"})


STATIC_DIR = Path(__file__).resolve().parents[2] / "templates" / "static"
STATIC_FILES = frozenset(p.name for p in STATIC_DIR.iterdir() if p.is_file())


@routes.get("/static/{name}")
async def static_file(request: web.Request) -> web.FileResponse:
    """The pages' scripts and styles: only the files shipped in templates/static."""
    name = request.match_info["name"]
    if name not in STATIC_FILES:
        raise web.HTTPNotFound(text="unknown file")
    return web.FileResponse(STATIC_DIR / name)


@routes.get("/routes.css")
async def route_stylesheet(request: web.Request) -> web.Response:
    rt = runtime(request.app)
    css = routes_css((route.color, route.text_color) for route in rt.tt.routes)
    return web.Response(text=css, content_type="text/css",
                        headers={"Cache-Control": "public, max-age=3600"})


INDEX_LIST_MAX = 300        # more stations than this: the index asks for a search instead


@routes.get("/")
async def index(request: web.Request) -> web.Response:
    rt = runtime(request.app)
    lang = page_lang(request.query, rt.settings.default_lang)
    search = request.query.get("q", "").strip()[:100]
    now = rt.now()
    if search:
        found = [m.index for m in rt.search.search(search, 50)]
    elif len(rt.search.candidates) <= INDEX_LIST_MAX:
        found = list(rt.search.candidates)
    else:
        found = []
    stops = [{"id": rt.tt.stop_id(i), "name": rt.tt.stop_name[i]} for i in found]
    if not search:
        stops.sort(key=lambda s: s["name"])
    displays = []
    for d in rt.displays.values():
        seen = rt.contacts.seen.get(d.id)
        online = rt.contacts.is_online(d.id, now)
        displays.append({"id": d.id, "name": d.name, "title": d.title, "online": online,
                         "seen": seen})
    body = request.app[JINJA].get_template("index.html").render(
        lang=lang, displays=displays, stops=stops, query=search,
        total=len(rt.search.candidates), listed_all=not search and bool(stops),
        t=lambda key, **kw: label(lang, key, **kw),
        demo=label(lang, "demo") if rt.settings.demo else None)
    return web.Response(text=body, content_type="text/html",
                        headers={"Cache-Control": "no-store"})

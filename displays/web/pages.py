"""HTML and text pages for pillars: /stops/{id}, /displays/{id} (+ .txt), styles, index."""

from __future__ import annotations

from aiohttp import web

from displays.board.html import render_board_html
from displays.board.pillar import build_pillar
from displays.board.text import text_board
from displays.board.themes import THEMES, theme_css
from displays.board.wording import label
from displays.service.board_cache import CachedBoard
from displays.service.runtime import Runtime
from displays.web.api import (
    MAX_ID_LEN,
    cached_stop_board,
    display_board_or_404,
    max_age,
    poller,
    stop_or_404,
)
from displays.web.appkeys import JINJA, RUNTIME
from displays.web.http import serve_rendering
from displays.web.params import ParamError, negotiate_lang, parse_int

routes = web.RouteTableDef()
TEXT_WIDTH_DEFAULT = 40


def _split_suffix(raw: str) -> tuple[str, str]:
    for suffix in (".txt", ".html"):
        if raw.endswith(suffix):
            return raw[: -len(suffix)], suffix[1:]
    return raw, "html"


def _theme(request: web.Request, default: str) -> str:
    theme = request.query.get("theme", default)
    if theme not in THEMES:
        raise ParamError(f"theme: one of {', '.join(THEMES)}")
    return theme


def _respond(request: web.Request, rt: Runtime, board: CachedBoard, fmt: str, lang: str,
             theme: str, rows: int | None, refresh: int, width: int) -> web.Response:
    now = rt.now()
    pillar_args = (board.document, lang, rt.tt.zone, rt.settings.countdown_horizon_min, rows)
    if fmt == "txt":
        return serve_rendering(
            request, board, ("txt", lang, str(rows), str(width)),
            lambda: text_board(build_pillar(*pillar_args), width,
                               (label(lang, "demo"),) if rt.settings.demo else ()
                               ).encode("utf-8"),
            "text/plain", max_age(rt, board, now))
    return serve_rendering(
        request, board, ("html", lang, theme, str(rows), str(refresh)),
        lambda: render_board_html(request.app[JINJA], build_pillar(*pillar_args), theme=theme,
                                  refresh=refresh, demo=rt.settings.demo,
                                  route_colours=THEMES[theme].route_colours),
        "text/html", max_age(rt, board, now))


@routes.get("/stops/{stop_id}")
async def stop_page(request: web.Request) -> web.Response:
    rt = request.app[RUNTIME]
    raw, fmt = _split_suffix(request.match_info["stop_id"])
    stop = stop_or_404(rt, raw)
    lang = negotiate_lang(request.query, request.headers.get("Accept-Language"))
    theme = _theme(request, "lcd")
    rows = parse_int(request.query, "rows", 10, 1, 50, cap=True)
    width = parse_int(request.query, "width", TEXT_WIDTH_DEFAULT, 16, 200, cap=True) or 40
    board = await cached_stop_board(rt, stop, lang, rt.now())
    return _respond(request, rt, board, fmt, lang, theme, rows, rt.settings.realtime_interval_s
                    + 10, width)


@routes.get("/displays/{display_id}")
async def display_page(request: web.Request) -> web.Response:
    rt = request.app[RUNTIME]
    raw, fmt = _split_suffix(request.match_info["display_id"][:MAX_ID_LEN])
    board = await display_board_or_404(rt, raw, poller(request, rt))
    display = rt.displays[raw]
    theme = _theme(request, display.theme)
    return _respond(request, rt, board, fmt, display.lang, theme, display.rows,
                    display.refresh_s, display.line_width)


@routes.get("/theme/{name}.css")
async def theme_stylesheet(request: web.Request) -> web.Response:
    theme = THEMES.get(request.match_info["name"])
    if theme is None:
        raise web.HTTPNotFound(text="unknown theme")
    return web.Response(text=theme_css(theme), content_type="text/css",
                        headers={"Cache-Control": "public, max-age=86400"})


@routes.get("/routes.css")
async def route_stylesheet(request: web.Request) -> web.Response:
    rt = request.app[RUNTIME]
    seen: set[str] = set()
    rules = []
    for route in rt.tt.routes:
        if route.color and route.color not in seen:
            seen.add(route.color)
            text = route.text_color or "FFFFFF"
            rules.append(f".c-{route.color}{{background:#{route.color};color:#{text}}}")
    return web.Response(text="\n".join(rules), content_type="text/css",
                        headers={"Cache-Control": "public, max-age=3600"})


@routes.get("/")
async def index(request: web.Request) -> web.Response:
    rt = request.app[RUNTIME]
    lang = negotiate_lang(request.query, request.headers.get("Accept-Language"))
    stations = [i for i in rt.search.candidates][:200]
    stops = [{"id": rt.tt.stop_id(i), "name": rt.tt.stop_name[i]} for i in stations]
    stops.sort(key=lambda s: s["name"])
    body = request.app[JINJA].get_template("index.html").render(
        lang=lang, displays=list(rt.displays.values()), stops=stops,
        demo=label(lang, "demo") if rt.settings.demo else None)
    return web.Response(text=body, content_type="text/html")

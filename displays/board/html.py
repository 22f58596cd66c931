"""Jinja2 rendering of boards (autoescape on for every template)."""

from __future__ import annotations

import jinja2

from displays.board.pillar import Pillar
from displays.board.wording import countdown_words, label

MAX_PAGES = 16      # pages a notice box turns through (board.css has a cycle for each count)


def make_environment() -> jinja2.Environment:
    # autoescape is forced on for all templates, .txt included: notice text is never markup
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("templates", "."),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def render_board_html(env: jinja2.Environment, pillar: Pillar, *, theme: str, refresh: int,
                      demo: bool, route_colours: bool, horizon: int = 20,
                      audio_url: str | None = None, etag: str = "") -> bytes:
    """The pillar page. E-paper (`still`) gets no moving parts; `audio_url` adds the button;
    `etag` goes into `data-etag` (the page's script polls with it)."""
    template = env.get_template("board.html")
    return template.render(
        p=pillar, lang=pillar.lang, theme=theme, refresh=refresh, demo=demo,
        route_colours=route_colours, still=theme == "epaper", horizon=horizon,
        audio_url=audio_url if pillar.audio else None, max_pages=MAX_PAGES, etag=etag,
        t=lambda key, **kw: label(pillar.lang, key, **kw), words=countdown_words(pillar.lang),
    ).encode("utf-8")


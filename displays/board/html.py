"""Jinja2 rendering of boards (autoescape on for every template)."""

from __future__ import annotations

import jinja2

from displays.board.pillar import Pillar
from displays.board.wording import label


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
                      demo: bool, route_colours: bool) -> bytes:
    template = env.get_template("board.html")
    return template.render(
        p=pillar, lang=pillar.lang, theme=theme, refresh=refresh, demo=demo,
        route_colours=route_colours,
        t=lambda key, **kw: label(pillar.lang, key, **kw),
    ).encode("utf-8")


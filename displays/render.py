"""Jinja2 rendering (autoescape on for every template) and response bodies."""

from __future__ import annotations

import gzip
import json
from typing import Any

import jinja2

from displays.pillar import Pillar
from displays.wording import label

GZIP_MIN_BYTES = 1024


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


def json_body(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def gzipped(body: bytes) -> bytes | None:
    """Return the gzip of a body worth compressing, else None."""
    if len(body) < GZIP_MIN_BYTES:
        return None
    return gzip.compress(body, compresslevel=6, mtime=0)

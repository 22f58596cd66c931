"""The spoken readout over HTTP: /stops/{id}/readout and /displays/{id}/readout as text
(?format=ssml for SSML) and as audio (readout.mp3, readout.ogg, readout.wav), with ETag / 304.

The audio ETag is the hash of voice, language, text and format, so a poll for an unchanged
readout is answered 304 without touching the engine. Without an engine the audio is a 503
with a plain message; the text still answers and the boards are never affected.
"""

from __future__ import annotations

import hashlib

from aiohttp import web

from displays.board.readout import Readout, build_readout
from displays.service.board_cache import CachedBoard
from displays.service.runtime import Runtime
from displays.service.speech import FORMATS, SpeechUnavailable
from displays.web.api import (
    MAX_ID_LEN,
    cached_stop_board,
    display_board_or_404,
    max_age,
    stop_or_404,
)
from displays.web.appkeys import RUNTIME
from displays.web.http import conditional, etag_matches
from displays.web.pages import page_lang
from displays.web.params import ParamError

routes = web.RouteTableDef()
NAME = r"{name:readout(\.(mp3|ogg|wav))?}"


def readout_of(rt: Runtime, board: CachedBoard, lang: str, count: int | None) -> Readout:
    document = {**board.document, "timetable": board.timetable}   # its validity is said too
    return build_readout(document, lang, rt.tt.zone, rt.pronunciation.get(lang), count,
                         rt.settings.countdown_horizon_min)


async def respond(request: web.Request, rt: Runtime, board: CachedBoard, lang: str,
                  count: int | None) -> web.Response:
    readout = readout_of(rt, board, lang, count)
    age = max_age(rt, board, rt.now())
    name = request.match_info["name"]
    if name == "readout":
        fmt = request.query.get("format", "text")
        if fmt not in ("text", "ssml"):
            raise ParamError("format: 'text' or 'ssml'")
        body = (readout.ssml if fmt == "ssml" else readout.text + "\n").encode("utf-8")
        etag = f'W/"{hashlib.blake2b(body, digest_size=10).hexdigest()}"'
        return conditional(request, etag=etag, body=body, max_age=age,
                           content_type="application/ssml+xml" if fmt == "ssml"
                           else "text/plain", vary="Accept-Encoding")
    fmt = name.rsplit(".", 1)[1]
    speech = rt.speech
    if speech is None or not speech.available:
        reason = speech.reason if speech is not None else "speech is not set up"
        raise web.HTTPServiceUnavailable(text=f"no audio: {reason}; the text readout is at "
                                              f"{request.path.rsplit('.', 1)[0]}",
                                         headers={"Retry-After": "300"})
    etag = f'"{speech.digest(readout.text, readout.ssml, lang, fmt)}"'
    if etag_matches(request, etag):          # unchanged: answered without the engine
        return conditional(request, etag=etag, body=b"", content_type=FORMATS[fmt].content_type,
                           max_age=age, vary="Accept-Encoding")
    try:
        body = await speech.audio(readout.text, readout.ssml, lang, fmt)
    except SpeechUnavailable as exc:
        raise web.HTTPServiceUnavailable(text=f"no audio: {exc}",
                                         headers={"Retry-After": "60"}) from exc
    response = conditional(request, etag=etag, body=body,
                           content_type=FORMATS[fmt].content_type, max_age=age,
                           vary="Accept-Encoding")
    response.charset = None
    return response


@routes.get("/stops/{stop_id}/" + NAME)
async def stop_readout(request: web.Request) -> web.Response:
    rt = request.app[RUNTIME]
    stop = stop_or_404(rt, request.match_info["stop_id"])
    lang = page_lang(request, rt.settings.default_lang)
    board = await cached_stop_board(rt, stop, lang, rt.now())
    return await respond(request, rt, board, lang, None)


@routes.get("/displays/{display_id}/" + NAME)
async def display_readout(request: web.Request) -> web.Response:
    rt = request.app[RUNTIME]
    display_id = request.match_info["display_id"][:MAX_ID_LEN]
    display = rt.displays.get(display_id)
    lang = page_lang(request, display.lang if display is not None else "de")
    board = await display_board_or_404(rt, display_id, None, lang)   # a readout is no poll
    display = rt.displays[display_id]
    if not display.audio and request.match_info["name"] != "readout":
        raise web.HTTPNotFound(text=f"display {display.id} has no audio (audio = false)")
    return await respond(request, rt, board, lang, display.readout_rows)

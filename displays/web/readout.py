"""The spoken readout over HTTP: /stops/{id}/readout and /displays/{id}/readout as text
(?format=ssml for SSML) and as audio (readout.mp3, readout.ogg, readout.wav), with ETag / 304.

The audio ETag is the hash of voice, language, text and format, so a poll for an unchanged
readout is answered 304 without touching the engine. Without an engine the audio is a 503
with a plain message; the text still answers and the boards are never affected.

Audio costs a synthesis, so it is rate limited per client (AUDIO_PER_MIN) and queued in a
bounded queue (503 with Retry-After beyond it). A configured pillar's own readout (its
"Vorlesen" button, in its language) is exempt from the limit and served first.
"""

from __future__ import annotations

import asyncio
import weakref

from aiohttp import web

from displays.board.readout import Readout, build_readout
from displays.service.cluster.board_cache import CachedBoard
from displays.service.runtime import Runtime
from displays.service.speech.audio import FORMATS, SpeechUnavailable
from displays.service.speech.lanes import SpeechBusy
from displays.web.answers import conditional, etag_matches
from displays.web.api import (
    cached_stop_board,
    display_board,
    display_or_404,
    max_age,
    stop_or_404,
)
from displays.web.appkeys import RENDER_SLOTS, runtime
from displays.web.http import client_key, query
from displays.web.pages import page_lang
from displays.web.params import ParamError
from displays.web.rate_limit import RateLimiter, retry_after

routes = web.RouteTableDef()
NAME = r"{name:readout(\.(mp3|ogg|wav))?}"
AUDIO_PER_MIN = 12          # readout audio per client and minute (a burst of 10), pillars apart
BUSY_RETRY_S = "5"          # Retry-After when too many readouts wait for the voice
_LIMITERS: weakref.WeakKeyDictionary[web.Application, RateLimiter] = \
    weakref.WeakKeyDictionary()


def readout_of(rt: Runtime, board: CachedBoard, lang: str, count: int | None) -> Readout:
    return build_readout(board.board, lang, rt.pronunciation.get(lang), count, rt.pronunciation)


async def readout_bodies(request: web.Request, rt: Runtime, board: CachedBoard, lang: str,
                         count: int | None) -> tuple[tuple[str, bytes], tuple[str, bytes]]:
    """(ETag, body) of the readout's text and SSML: made once per board version, language
    and count, in a worker thread (under the render slots); kept with the board's renderings,
    so a poll of an unchanged readout (and every 304) costs no thread hop and no rebuild."""
    keys = (("readout", lang, str(count), "text"), ("readout", lang, str(count), "ssml"))
    text, ssml = (board.renderings.get(k) for k in keys)
    if text is not None and ssml is not None:
        board.renderings.move_to_end(keys[0])
        board.renderings.move_to_end(keys[1])
        return text, ssml
    async with request.app[RENDER_SLOTS]:
        readout = await asyncio.to_thread(readout_of, rt, board, lang, count)
    return (board.rendering(keys[0], lambda: (readout.text + "\n").encode("utf-8")),
            board.rendering(keys[1], lambda: readout.ssml.encode("utf-8")))


def limiter_of(app: web.Application) -> RateLimiter:
    """The app's per-client limit on readout audio (made with the first request for it)."""
    limiter = _LIMITERS.get(app)
    if limiter is None:
        limiter = _LIMITERS[app] = RateLimiter(AUDIO_PER_MIN)
    return limiter


async def respond(request: web.Request, rt: Runtime, board: CachedBoard, lang: str,
                  count: int | None, pillar: bool = False) -> web.Response:
    """The readout as text or audio; `pillar`: a configured display's own readout (its button),
    never rate limited and served first by the voice."""
    (text_etag, text_body), (ssml_etag, ssml_body) = await readout_bodies(
        request, rt, board, lang, count)
    age = max_age(rt, board, rt.now())
    name = request.match_info["name"]
    if name == "readout":
        fmt = request.query.get("format", "text")
        if fmt not in ("text", "ssml"):
            raise ParamError("format: 'text' or 'ssml'")
        etag, body = (ssml_etag, ssml_body) if fmt == "ssml" else (text_etag, text_body)
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
    text, ssml = text_body.decode("utf-8").removesuffix("\n"), ssml_body.decode("utf-8")
    etag = f'"{speech.digest(text, ssml, lang, fmt)}"'
    if etag_matches(request, etag):          # unchanged: answered without the engine
        return conditional(request, etag=etag, body=b"", content_type=FORMATS[fmt].content_type,
                           max_age=age, vary="Accept-Encoding")
    if not pillar:
        wait = limiter_of(request.app).check(client_key(request, rt.settings.trusted_proxies))
        if wait:
            raise web.HTTPTooManyRequests(text="too many readouts asked for, slow down",
                                          headers={"Retry-After": retry_after(wait)})
    try:
        body = await speech.audio(text, ssml, lang, fmt, priority=pillar)
    except SpeechBusy as exc:
        raise web.HTTPServiceUnavailable(text=f"no audio right now: {exc}; try again shortly",
                                         headers={"Retry-After": BUSY_RETRY_S}) from exc
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
    rt = runtime(request.app)
    stop = stop_or_404(rt, request.match_info["stop_id"])
    lang = page_lang(query(request), rt.settings.default_lang)
    board = await cached_stop_board(rt, stop, lang, rt.now())
    return await respond(request, rt, board, lang, None)


@routes.get("/displays/{display_id}/" + NAME)
async def display_readout(request: web.Request) -> web.Response:
    rt = runtime(request.app)
    display = display_or_404(rt, request.match_info["display_id"])
    lang = page_lang(query(request), display.lang)
    board = await display_board(rt, display, None, lang)   # a readout is no poll
    if not display.audio and request.match_info["name"] != "readout":
        raise web.HTTPNotFound(text=f"display {display.id} has no audio (audio = false)")
    return await respond(request, rt, board, lang, display.readout_rows,
                         pillar=lang == display.lang)

"""Readout audio: real eSpeak NG files that decode and last as long as their text, made once
and cached (in process and in Redis), off the event loop, and faults that never touch boards."""

from __future__ import annotations

import asyncio
import io
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import soundfile
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from displays.app import create_app
from displays.service.cluster.keys import Keys
from displays.service.speech.audio import MAX_WAITING, Speech, SpeechUnavailable
from displays.service.speech.espeak import EspeakEngine, Pcm
from displays.service.speech.lanes import Lanes, SpeechBusy
from displays.web.appkeys import runtime
from tests.cdp import browser
from tests.instants import suite_settings

ClientFactory = Callable[..., Awaitable[TestClient[Any, Any]]]
Client = TestClient[Any, Any]
RATES = {"mp3": 22050, "ogg": 24000, "wav": 22050}


def fits(seconds: float, text: str) -> bool:
    """Speech at eSpeak's 175 words a minute, plus pauses: 1.6 to 4 words a second."""
    words = len(text.split())
    return words / 4 <= seconds <= words / 1.6


@pytest.mark.busy_hour
async def test_audio_files_decode_and_last_as_long_as_their_text(client: Client) -> None:
    text = await (await client.get("/displays/hbf-tram/readout")).text()
    assert text.startswith("Haltestelle Hauptbahnhof, Steig L und M. Linie 5")
    for fmt, rate in RATES.items():
        response = await client.get(f"/displays/hbf-tram/readout.{fmt}")
        assert response.status == 200, await response.text()
        assert response.content_type == f"audio/{'mpeg' if fmt == 'mp3' else fmt}"
        body = await response.read()
        samples, found_rate = soundfile.read(io.BytesIO(body), dtype="int16")
        seconds = len(samples) / found_rate
        assert found_rate == rate and fits(seconds, text), (fmt, seconds, len(text.split()))
        assert abs(samples).max() > 3000, "speech, not silence"
        if fmt != "wav":
            assert len(body) <= 80_000, f"{fmt}: {len(body)} bytes"
    english = await (await client.get("/displays/uni-en/readout")).text()
    assert english.startswith("Stop Universität.")
    ssml = await client.get("/displays/hbf-tram/readout", params={"format": "ssml"})
    assert ssml.content_type == "application/ssml+xml"
    assert (await ssml.text()).startswith('<speak version="1.0" xml:lang="de-DE">')


async def test_audio_is_made_once_and_answered_304(client: Client) -> None:
    speech = runtime(client.app).speech
    first = await client.get("/stops/de:07315:1003/readout.mp3")
    made = speech.syntheses
    assert first.status == 200 and made >= 1
    again = await client.get("/stops/de:07315:1003/readout.mp3")
    assert again.status == 200 and await again.read() == await first.read()
    unchanged = await client.get("/stops/de:07315:1003/readout.mp3",
                                 headers={"If-None-Match": first.headers["ETag"]})
    assert unchanged.status == 304
    assert speech.syntheses == made, "no button press makes audio twice"


class BrokenEngine:
    name = "broken"
    takes_ssml = False
    voice = "broken:1"

    def synthesize(self, text: str, lang: str, ssml: bool = False) -> Pcm:
        raise RuntimeError("the voice crashed")


async def test_audio_is_shared_through_redis(redis_url: str, redis_prefix: str) -> None:
    redis = Redis.from_url(redis_url)
    try:
        keys = Keys(redis_prefix)
        maker = Speech(EspeakEngine(), redis=redis, keys=keys)
        body = await maker.audio("Linie 50 nach Finthen.", "<speak>Linie 50 nach Finthen."
                                 "</speak>", "de", "mp3")
        other = Speech(EspeakEngine(), redis=redis, keys=keys)
        assert await other.audio("Linie 50 nach Finthen.", "<speak>Linie 50 nach Finthen."
                                 "</speak>", "de", "mp3") == body
        assert maker.syntheses == 1 and other.syntheses == 0, "the second instance reuses it"
        assert await redis.ttl(keys.audio(maker.digest("Linie 50 nach Finthen.",
                                                       "<speak>Linie 50 nach Finthen."
                                                       "</speak>", "de", "mp3"))) > 0
    finally:
        await redis.aclose()


async def test_without_an_engine_text_works_audio_is_503_boards_unaffected(
        aiohttp_client: ClientFactory, tmp_path: Path) -> None:
    client = await aiohttp_client(create_app(suite_settings(data_dir=tmp_path,
                                                            speech_engine="none")))
    audio = await client.get("/displays/hbf-tram/readout.mp3")
    assert audio.status == 503 and audio.content_type == "text/plain"
    assert "ABFAHRT_SPEECH=none" in await audio.text()
    assert (await client.get("/displays/hbf-tram/readout")).status == 200
    assert (await (await client.get("/readyz")).json())["missing"] == ["audio"]
    page = await (await client.get("/displays/hbf-tram")).text()
    assert (await client.get("/displays/hbf-tram")).status == 200 and "Abfahrt" in page
    # an engine that fails at run time: a 503 naming it, and the boards go on
    runtime(client.app).speech = Speech(BrokenEngine())
    broken = await client.get("/stops/de:07315:1001/readout.wav")
    assert broken.status == 503 and "the voice crashed" in await broken.text()
    assert (await client.get("/stops/de:07315:1001")).status == 200


class SlowEngine:
    """Takes its time and records how many syntheses ran at once."""

    name = "slow"
    takes_ssml = False
    voice = "slow:1"

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def synthesize(self, text: str, lang: str, ssml: bool = False) -> Pcm:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.8)
        with self.lock:
            self.running -= 1
        return Pcm(b"\x00\x10" * 22050, 22050)


async def test_synthesis_is_capped_and_never_blocks_boards(client: Client) -> None:
    engine = SlowEngine()
    runtime(client.app).speech = Speech(engine, concurrency=1)
    stops = ("de:07315:1001", "de:07315:1002", "de:07315:1003")
    audio = [asyncio.create_task(client.get(f"/stops/{s}/readout.wav")) for s in stops]
    await asyncio.sleep(0.2)
    started = time.perf_counter()
    board = await client.get("/stops/de:07315:1004")
    assert board.status == 200 and time.perf_counter() - started < 0.5
    assert all(r.status == 200 for r in await asyncio.gather(*audio))
    assert engine.most == 1, "one synthesis at a time"


async def test_a_display_without_audio_has_no_button(client: Client) -> None:
    page = await (await client.get("/displays/hoefchen-epaper")).text()
    assert "speak" not in page and "Vorlesen" not in page
    assert (await client.get("/displays/hoefchen-epaper/readout.mp3")).status == 404
    assert (await client.get("/displays/hoefchen-epaper/readout")).status == 200
    tram = await (await client.get("/displays/hbf-tram")).text()
    assert 'class="speak"' in tram and 'data-audio="/displays/hbf-tram/readout.mp3"' in tram


async def test_the_button_plays_german_speech_in_chromium(client: Client, tmp_path: Path
                                                          ) -> None:
    text = await (await client.get("/displays/hbf-tram/readout")).text()
    async with browser(tmp_path / "profile") as page:
        await page.viewport(1080, 1920)
        await page.goto(str(client.make_url("/displays/hbf-tram")))
        label = await page.evaluate("""(() => { const b = document.querySelector('button.speak');
          return b && !b.hidden && getComputedStyle(b).display !== 'none' && b.textContent; })()""")
        assert label == "Vorlesen", "a visible, labelled button"
        await page.evaluate("document.querySelector('button.speak').focus(); "
                            "document.querySelector('button.speak').click(); true")
        played = None
        for _ in range(80):
            played = await page.evaluate("""(() => {
              const a = document.querySelector('audio.readout');
              return { t: a.currentTime, d: a.duration, paused: a.paused, src: a.currentSrc,
                       pressed: document.querySelector('button.speak').getAttribute('aria-pressed'),
                       label: document.querySelector('button.speak').textContent,
                       focused: document.activeElement.className }; })()""")
            if played["t"] > 1.0:
                break
            await asyncio.sleep(0.1)
        assert played is not None and played["t"] > 1.0 and not played["paused"], played
        assert played["src"].endswith("/displays/hbf-tram/readout.mp3")
        assert fits(played["d"], text), (played["d"], len(text.split()))
        assert played["pressed"] == "true" and played["focused"] == "speak"
        assert played["label"] == "Vorlesen", "one fixed label; aria-pressed carries the state"
        await page.evaluate("document.querySelector('button.speak').click(); true")
        stopped = await page.evaluate("""(() => { const a = document.querySelector('audio.readout');
          return [a.paused, a.currentTime,
                  document.querySelector('button.speak').getAttribute('aria-pressed')]; })()""")
        assert stopped == [True, 0, "false"], "a second press stops it"


async def test_no_button_or_link_when_there_is_no_speech(aiohttp_client: ClientFactory,
                                                         tmp_path: Path) -> None:
    """A blind rider must not find a button that plays nothing (ABFAHRT_SPEECH=none)."""
    client = await aiohttp_client(create_app(suite_settings(data_dir=tmp_path,
                                                            speech_engine="none")))
    assert runtime(client.app).speech is not None
    assert not runtime(client.app).speech.available
    for url in ("/displays/hbf-tram", "/stops/de:07315:1001", "/stops/de:07315:1001?lang=en"):
        page = await (await client.get(url)).text()
        assert "Abfahrt" in page or "Departure" in page
        assert 'class="speak' not in page and "readout." not in page, url
    assert (await client.get("/displays/hbf-tram/readout.mp3")).status == 503
    assert (await client.get("/displays/hbf-tram/readout")).status == 200, "text still there"


SPEAK_SIZES = [(480, 272), (272, 480), (600, 448), (800, 480), (1024, 600), (1920, 1080),
               (1080, 1920), (2160, 3840)]
MEASURE_SPEAK = """(() => { const b = [...document.querySelectorAll('.speak, .speak-link')]
  .find(e => getComputedStyle(e).display !== 'none' && !e.hidden);
  if (!b) { return null; }
  const r = b.getBoundingClientRect();
  return { cls: b.className, h: r.height, w: r.width, bottom: r.bottom, right: r.right,
           font: parseFloat(getComputedStyle(b).fontSize), text: b.textContent,
           vw: innerWidth, vh: innerHeight }; })()"""


@pytest.mark.parametrize("scripts", [True, False])
async def test_the_button_is_large_on_every_screen(client: Client, tmp_path: Path,
                                                   scripts: bool) -> None:
    """≥ 44 px high (WCAG 2.5.5 target), type ≥ 16 px, wholly on screen: the button with
    script, the link without."""
    wrong = []
    async with browser(tmp_path / "profile", scripts=scripts) as page:
        for size in SPEAK_SIZES:
            await page.viewport(*size)
            await page.goto(str(client.make_url("/displays/hbf-tram")))
            m = await page.evaluate(MEASURE_SPEAK)
            if m is None:
                wrong.append(f"{size}: no button")
                continue
            assert m["cls"] == ("speak" if scripts else "speak-link")
            if m["h"] < 44 or m["w"] < 44 or m["font"] < 16:
                wrong.append(f"{size}: {m['w']:.0f}x{m['h']:.0f} px, font {m['font']} px")
            if m["bottom"] > m["vh"] + 0.5 or m["right"] > m["vw"] + 0.5:
                wrong.append(f"{size}: off screen {m}")
            if m["text"] != "Vorlesen":
                wrong.append(f"{size}: label {m['text']!r}")
    assert not wrong, wrong


async def test_speech_unavailable_without_engine() -> None:
    speech = Speech(None, "nothing installed")
    try:
        await speech.audio("a", "<speak>a</speak>", "de", "mp3")
    except SpeechUnavailable as exc:
        assert "nothing installed" in str(exc)
    else:
        raise AssertionError("audio without an engine must raise")


async def test_a_flood_of_readouts_cannot_keep_a_pillar_silent(client: Client) -> None:
    """One client asks for 24 other stops' audio at once: it is rate limited (429) and the
    queue is bounded (503), both with Retry-After; a pillar's button pressed during the flood
    waits for one synthesis at most, not for the whole flood."""
    engine = SlowEngine()
    rt = runtime(client.app)
    rt.speech = Speech(engine, concurrency=1)
    stops = [rt.tt.stop_id(i) for i in list(rt.search.candidates)
             if rt.tt.stop_id(i) != "de:07315:1001"][:12]
    assert len(stops) == 12
    flood = [asyncio.create_task(client.get(f"/stops/{s}/readout.wav?lang={lang}"))
             for s in stops for lang in ("de", "en")]
    await asyncio.sleep(0.3)
    started = time.perf_counter()
    press = await client.get("/displays/hbf-tram/readout.wav")
    waited = time.perf_counter() - started
    assert press.status == 200, await press.text()
    assert waited < 2 * 0.8 + 0.6, f"the pillar waited {waited:.1f} s behind the flood"
    answers = await asyncio.gather(*flood)
    statuses = sorted(r.status for r in answers)
    assert statuses.count(429) >= 10, statuses
    assert 503 in statuses and 200 in statuses, statuses
    assert all(r.headers.get("Retry-After") for r in answers if r.status in (429, 503))
    assert statuses.count(200) <= 1 + MAX_WAITING, statuses
    assert engine.most == 1
    assert (await client.get("/stops/de:07315:1001")).status == 200, "boards unaffected"


async def test_lanes_serve_pillars_first_bound_the_queue_and_survive_cancellation() -> None:
    lanes = Lanes(concurrency=1, max_waiting=2, max_waiting_priority=1)
    order: list[str] = []
    gate = asyncio.Event()

    async def job(name: str, priority: bool) -> None:
        async with lanes.slot(priority):
            order.append(name)
            await gate.wait()

    first = asyncio.create_task(job("first", False))
    await asyncio.sleep(0)
    others = [asyncio.create_task(job("stop-a", False)), asyncio.create_task(job("stop-b", False))]
    await asyncio.sleep(0)
    with pytest.raises(SpeechBusy):
        await job("stop-c", False)                  # the ordinary lane is full
    cancelled = others.pop()
    cancelled.cancel()                              # a client that gave up frees its place
    await asyncio.sleep(0)
    others.append(asyncio.create_task(job("stop-c", False)))
    pillar = asyncio.create_task(job("pillar", True))
    await asyncio.sleep(0)
    gate.set()
    await asyncio.gather(first, pillar, *others)
    assert order == ["first", "pillar", "stop-a", "stop-c"]
    assert lanes.free == 1 and not lanes.queued(True) and not lanes.queued(False)

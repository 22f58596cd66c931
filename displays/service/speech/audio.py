"""Spoken readouts as audio: an engine interface, encoding, a cache, a concurrency cap.

Audio is made once per readout text, voice and format (the text changes with the board, so
that is once per board change and language) and kept in process and, with Redis, shared by
every instance. Synthesis and encoding run in worker threads, at most `concurrency` at once,
so boards stay fast while a readout is made; a bounded queue with a lane for the pillars'
own readouts in front (speech_lanes) keeps a flood from delaying a pillar's button. Without
an engine (none installed, or ABFAHRT_SPEECH=none) `audio` raises SpeechUnavailable; the text
readout never depends on it.

Formats: MP3 (16 kbit/s CBR, 22.05 kHz mono — plays in every browser, ~2 KB/s), Ogg Opus
(~15 kbit/s, 24 kHz — smallest for its quality, not in Safari), WAV (PCM, no decoder needed).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile
from redis.asyncio import Redis
from redis.exceptions import RedisError

from displays.service.cluster.keys import AUDIO_TTL_S, Keys
from displays.service.speech.engine import EngineUnavailable, Pcm, SpeechEngine
from displays.service.speech.espeak import EspeakEngine
from displays.service.speech.lanes import Lanes
from displays.service.speech.piper import PiperEngine

MAX_WAITING = 4              # readouts for stops that may wait for the voice; more: 503
MAX_WAITING_PRIORITY = 16    # configured pillars' own readouts waiting (they go first)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AudioFormat:
    content_type: str
    container: str
    subtype: str
    rate: int | None              # resample to this rate (Opus takes 8/12/16/24/48 kHz)
    level: float | None           # libsndfile compression level (bit rate)
    constant: bool = False


FORMATS = {
    "mp3": AudioFormat("audio/mpeg", "MP3", "MPEG_LAYER_III", None, 0.95, constant=True),
    "ogg": AudioFormat("audio/ogg", "OGG", "OPUS", 24000, 0.97),
    "wav": AudioFormat("audio/wav", "WAV", "PCM_16", None, None),
}
MEMORY_ITEMS = 64            # readouts kept in process (a few per board)


class SpeechUnavailable(RuntimeError):
    """No audio can be made now; the message says why (HTTP 503)."""


def resample(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    """Linear resampling of 16-bit mono samples (speech only needs this much)."""
    if rate == target:
        return samples
    positions = np.arange(int(len(samples) * target / rate)) * (rate / target)
    resampled: np.ndarray = np.interp(positions, np.arange(len(samples)), samples)
    return resampled.astype(np.int16)


def encode(pcm: Pcm, fmt: str) -> bytes:
    """Return speech in a container format (FORMATS)."""
    spec = FORMATS[fmt]
    samples = np.frombuffer(pcm.samples, dtype=np.int16)
    rate = spec.rate or pcm.rate
    samples = resample(samples, pcm.rate, rate)
    out = io.BytesIO()
    extra: dict[str, object] = {}
    if spec.level is not None:
        extra["compression_level"] = spec.level
    if spec.constant:
        extra["bitrate_mode"] = "CONSTANT"
    soundfile.write(out, samples, rate, format=spec.container, subtype=spec.subtype, **extra)
    return out.getvalue()


def open_engine(name: str, piper_voices: dict[str, Path] | None = None
                ) -> tuple[SpeechEngine | None, str | None]:
    """Return the configured engine, or None and the reason it cannot be had.

    "piper" falls back to eSpeak NG for a language without a Piper voice; when Piper itself
    cannot start, eSpeak NG speaks everything (the reason is logged by the caller).
    """
    if name == "none":
        return None, "speech is switched off (ABFAHRT_SPEECH=none)"
    try:
        espeak: SpeechEngine | None = EspeakEngine()
        reason = None
    except EngineUnavailable as exc:
        espeak, reason = None, str(exc)
    if name != "piper":
        return espeak, reason
    try:
        return PiperEngine(piper_voices or {}, fallback=espeak), None
    except EngineUnavailable as exc:
        return espeak, f"Piper not used: {exc}" + (f"; {reason}" if reason else "")


class Speech:
    """Readout audio on demand: cached, capped, off the event loop."""

    def __init__(self, engine: SpeechEngine | None, reason: str | None = None,
                 concurrency: int = 1, redis: Redis | None = None,
                 keys: Keys | None = None) -> None:
        self.engine = engine
        self.reason = reason
        self.redis = redis
        self.keys = keys or Keys()
        self.lanes = Lanes(concurrency, MAX_WAITING, MAX_WAITING_PRIORITY)
        self.memory: OrderedDict[str, bytes] = OrderedDict()
        self.syntheses = 0
        self.failures = 0

    @property
    def available(self) -> bool:
        return self.engine is not None

    def digest(self, text: str, ssml: str, lang: str, fmt: str) -> str:
        """The cache key and ETag of a readout's audio: voice, language, what is spoken, format."""
        voice = self.engine.voice if self.engine is not None else "none"
        spoken = ssml if self.engine is not None and self.engine.takes_ssml else text
        raw = "\n".join((voice, lang, fmt, spoken)).encode("utf-8")
        return hashlib.blake2b(raw, digest_size=12).hexdigest()

    async def audio(self, text: str, ssml: str, lang: str, fmt: str, priority: bool = False
                    ) -> bytes:
        """Return the audio of a readout (SSML when the engine takes it), made at most once.

        `priority`: a configured pillar's own readout, served before other waiting requests.
        Raises SpeechBusy when too many wait already."""
        if self.engine is None:
            raise SpeechUnavailable(self.reason or "no speech engine")
        engine = self.engine
        spoken = ssml if engine.takes_ssml else text
        key = self.digest(text, ssml, lang, fmt)
        found = self.memory.get(key) or await self._shared(key)
        if found is None:
            async with self.lanes.slot(priority):
                found = self.memory.get(key)         # made while we waited for a slot
                if found is None:
                    found = await asyncio.to_thread(self._make, engine, spoken, lang, fmt)
                    await self._share(key, found)
        self.memory[key] = found
        self.memory.move_to_end(key)
        while len(self.memory) > MEMORY_ITEMS:
            self.memory.popitem(last=False)
        return found

    def _make(self, engine: SpeechEngine, spoken: str, lang: str, fmt: str) -> bytes:
        try:
            pcm = engine.synthesize(spoken, lang, ssml=engine.takes_ssml)
            body = encode(pcm, fmt)
        except Exception as exc:      # an engine fault must never reach the boards
            self.failures += 1
            log.error("speech synthesis failed (%s): %s", engine.name, exc)
            raise SpeechUnavailable(f"the speech engine failed: {exc}") from exc
        self.syntheses += 1
        return body

    async def _shared(self, key: str) -> bytes | None:
        if self.redis is None:
            return None
        try:
            raw = await self.redis.get(self.keys.audio(key))
        except (RedisError, OSError) as exc:
            log.warning("redis unavailable for readout audio: %s", exc)
            return None
        return raw if isinstance(raw, bytes) else None

    async def _share(self, key: str, body: bytes) -> None:
        if self.redis is None:
            return
        try:
            await self.redis.set(self.keys.audio(key), body, ex=AUDIO_TTL_S)
        except (RedisError, OSError) as exc:
            log.warning("could not share readout audio through redis: %s", exc)

"""eSpeak NG through its C library (ctypes): the default, offline, open-source voice.

The library and its voice data come from PyPI (`espeakng-loader`, installed with the project);
without it, Debian's `libespeak-ng1` is used if present. eSpeak NG keeps global state and is not
reentrant, so the process initialises it once and one lock serialises syntheses (several
engine objects share them); the caller runs `synthesize` in a worker thread
(ctypes releases the GIL while the library works, so the event loop keeps serving).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from pathlib import Path

from displays.service.speech.engine import EngineUnavailable, Pcm, trim_silence

AUDIO_OUTPUT_SYNCHRONOUS = 2
INITIALIZE_DONT_EXIT = 0x8000
POS_CHARACTER = 1
CHARS_UTF8 = 1
SSML = 0x10
END_PAUSE = 0x1000
RATE = 1                     # espeak_SetParameter: words per minute
VOICES = {"de": b"de", "en": b"en"}
Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                            ctypes.c_void_p)


def _library() -> tuple[ctypes.CDLL, str | None]:
    """Return the eSpeak NG library and the folder holding its `espeak-ng-data` (or None)."""
    try:
        import espeakng_loader  # the PyPI package bundling library and voice data
        data = Path(espeakng_loader.get_data_path()).parent
        return ctypes.CDLL(espeakng_loader.get_library_path()), str(data)
    except (ImportError, OSError, RuntimeError) as bundled:
        found = ctypes.util.find_library("espeak-ng")
        if found is None:
            raise EngineUnavailable(
                f"eSpeak NG is not installed (pip install espeakng-loader, or apt-get install "
                f"libespeak-ng1): {bundled}") from None
        return ctypes.CDLL(found), None


class _Library:
    """The one eSpeak NG of this process: initialised once, used under one lock.

    eSpeak NG's state (voice, rate, the callback that receives samples) is global to the
    library, so every EspeakEngine shares this object rather than initialising its own.
    """

    lock = threading.Lock()
    started: _Library | None = None

    def __init__(self) -> None:
        self.lib, data = _library()
        self.lib.espeak_Initialize.restype = ctypes.c_int
        self.lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p,
                                               ctypes.c_int]
        self.rate = self.lib.espeak_Initialize(
            AUDIO_OUTPUT_SYNCHRONOUS, 0, data.encode() if data else None, INITIALIZE_DONT_EXIT)
        if self.rate <= 0:
            raise EngineUnavailable(f"eSpeak NG did not start (code {self.rate})")
        self.chunks: list[bytes] = []
        self.callback = Callback(self._collect)    # kept referenced for the library's sake
        self.lib.espeak_SetSynthCallback(self.callback)
        self.lib.espeak_Synth.argtypes = [
            ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
            ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        for lang, voice in VOICES.items():
            if self.lib.espeak_SetVoiceByName(voice) != 0:
                raise EngineUnavailable(f"eSpeak NG has no {lang} voice ({voice.decode()})")

    @classmethod
    def get(cls) -> _Library:
        with cls.lock:
            if cls.started is None:
                cls.started = cls()
            return cls.started

    def _collect(self, wav: ctypes._Pointer[ctypes.c_short], count: int,
                 events: ctypes.c_void_p) -> int:
        if count > 0:
            self.chunks.append(ctypes.string_at(wav, count * 2))
        return 0

    def speak(self, text: str, voice: bytes, rate_wpm: int, ssml: bool) -> tuple[int, bytes]:
        """Return (code, samples) of one synthesis; one at a time in the process."""
        encoded = text.encode("utf-8") + b"\0"
        flags = CHARS_UTF8 | END_PAUSE | (SSML if ssml else 0)
        with self.lock:
            self.chunks = []
            self.lib.espeak_SetVoiceByName(voice)
            self.lib.espeak_SetParameter(RATE, rate_wpm, 0)
            code = self.lib.espeak_Synth(encoded, len(encoded), 0, POS_CHARACTER, 0, flags,
                                         None, None)
            self.lib.espeak_Synchronize()
            samples = b"".join(self.chunks)
            self.chunks = []
        return code, samples


class EspeakEngine:
    """The eSpeak NG voice for German and English; `rate_wpm` in words per minute."""

    name = "espeak-ng"
    takes_ssml = True

    def __init__(self, rate_wpm: int = 175) -> None:     # eSpeak NG's own default rate
        self.rate_wpm = rate_wpm
        self._library = _Library.get()
        self.sample_rate = self._library.rate

    @property
    def voice(self) -> str:
        return f"{self.name}:{self.rate_wpm}"

    def synthesize(self, text: str, lang: str, ssml: bool = False) -> Pcm:
        """Speak `text` (plain, or SSML when `ssml`) with the voice for `lang`."""
        code, samples = self._library.speak(text, VOICES.get(lang, VOICES["de"]),
                                            self.rate_wpm, ssml)
        if code != 0 or not samples:
            raise RuntimeError(f"eSpeak NG failed (code {code}, {len(samples)} bytes)")
        return Pcm(trim_silence(samples, self.sample_rate), self.sample_rate)

"""What a speech engine is to the service: text in, 16-bit mono samples out.

eSpeak NG (`espeak`) is the default; Piper (`piper`) when the operator provides its voices.
Another local engine fits the `SpeechEngine` protocol the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


class EngineUnavailable(RuntimeError):
    """No speech engine can be used here; the message says why and what to install."""


@dataclass(frozen=True)
class Pcm:
    """Synthesised speech: 16-bit signed little-endian mono samples."""

    samples: bytes
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / 2 / self.rate


class SpeechEngine(Protocol):
    """A local speech engine (eSpeak NG by default; Piper or another can be added beside it)."""

    name: str
    takes_ssml: bool

    @property
    def voice(self) -> str:
        """Names the voice and its settings (part of the cache key)."""
        ...

    def synthesize(self, text: str, lang: str, ssml: bool = False) -> Pcm:
        """Speak text in `lang`; blocking (called in a worker thread)."""
        ...


def trim_silence(samples: bytes, rate: int, keep_s: float = 0.1, floor: int = 64) -> bytes:
    """Drop silence before the first and after the last sound, keeping `keep_s` of it."""
    pcm = np.frombuffer(samples, dtype=np.int16)
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) >= floor)
    if len(loud) == 0:
        return samples
    pad = int(keep_s * rate)
    return pcm[max(int(loud[0]) - pad, 0): int(loud[-1]) + pad + 1].tobytes()

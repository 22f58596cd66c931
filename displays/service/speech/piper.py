"""Piper, a better local voice, when the operator provides it: the `piper` command (PyPI
`piper-tts`) and a voice file per language (`de_DE-….onnx` with its `.onnx.json` beside it).

Nothing is downloaded: the voice files are the operator's, named by ABFAHRT_PIPER_VOICES
("de=/voices/de_DE-thorsten-medium.onnx en=/voices/en_GB-alba-medium.onnx"). Piper reads plain
text on stdin and writes raw 16-bit mono samples (`--output-raw`) at the voice's sample rate.
A language without a Piper voice is spoken by the fallback engine (eSpeak NG).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from displays.service.speech.engine import EngineUnavailable, Pcm, SpeechEngine, trim_silence

TIMEOUT_S = 30


class PiperEngine:
    """Piper for the languages it has a voice for, the fallback engine for the rest."""

    name = "piper"
    takes_ssml = False

    def __init__(self, voices: dict[str, Path], fallback: SpeechEngine | None = None,
                 command: str = "piper") -> None:
        found = shutil.which(command)
        if found is None:
            raise EngineUnavailable(f"the {command!r} command is not installed "
                                    f"(pip install piper-tts)")
        self.command = found
        self.voices = voices
        self.fallback = fallback
        self.rates: dict[str, int] = {}
        for lang, voice in voices.items():
            config = voice.with_name(voice.name + ".json")
            try:
                self.rates[lang] = int(json.loads(config.read_text())["audio"]["sample_rate"])
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise EngineUnavailable(f"Piper voice {voice}: cannot read {config}: {exc}"
                                        ) from None
            if not voice.is_file():
                raise EngineUnavailable(f"Piper voice {voice} is missing")

    @property
    def voice(self) -> str:
        names = ",".join(f"{lang}={path.name}" for lang, path in sorted(self.voices.items()))
        return f"piper:{names}"

    def synthesize(self, text: str, lang: str, ssml: bool = False) -> Pcm:
        if lang not in self.voices:
            if self.fallback is None:
                raise RuntimeError(f"no Piper voice for {lang!r} and no fallback voice")
            return self.fallback.synthesize(text, lang, False)
        done = subprocess.run(
            [self.command, "--model", str(self.voices[lang]), "--output-raw"],
            input=text.encode("utf-8"), capture_output=True, timeout=TIMEOUT_S, check=False)
        if done.returncode != 0 or not done.stdout:
            raise RuntimeError(f"piper exited {done.returncode}: "
                               f"{done.stderr.decode('utf-8', 'replace')[-300:]}")
        return Pcm(trim_silence(done.stdout, self.rates[lang]), self.rates[lang])

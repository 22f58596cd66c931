"""Piper as the voice when the operator provides it: run as a command with the voice file,
raw samples at the voice's rate; eSpeak NG for a language without a Piper voice.

No Piper is installed here, so a stand-in `piper` command (a script written by the test) takes
its place: it checks the arguments Piper takes and answers raw 16-bit samples, one tenth of a
second per character it was given.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
import soundfile

from displays.service.speech.audio import Speech, SpeechUnavailable, open_engine
from displays.service.speech.engine import EngineUnavailable
from displays.service.speech.espeak import EspeakEngine
from displays.service.speech.piper import PiperEngine

STAND_IN = f"""#!{sys.executable}
import sys, math, struct
args = sys.argv[1:]
assert args[0] == "--model" and args[1].endswith(".onnx") and "--output-raw" in args, args
text = sys.stdin.buffer.read().decode("utf-8")
if "FAIL" in text:
    sys.stderr.write("voice crashed"); sys.exit(3)
n = int(len(text) * 0.1 * 16000)
sys.stdout.buffer.write(b"".join(struct.pack("<h", int(8000 * math.sin(i / 5))) for i in range(n)))
"""


@pytest.fixture
def voice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    command = bin_dir / "piper"
    command.write_text(STAND_IN, encoding="utf-8")
    command.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    model = tmp_path / "de_DE-test-medium.onnx"
    model.write_bytes(b"onnx")
    (tmp_path / "de_DE-test-medium.onnx.json").write_text(
        json.dumps({"audio": {"sample_rate": 16000}}), encoding="utf-8")
    return model


async def test_piper_speaks_german_and_espeak_the_rest(voice: Path) -> None:
    engine = PiperEngine({"de": voice}, fallback=EspeakEngine())
    german = engine.synthesize("Linie 50 nach Finthen.", "de")
    assert german.rate == 16000 and 2.0 <= german.seconds <= 2.5
    english = engine.synthesize("Line 50 to Finthen.", "en")
    assert english.rate == EspeakEngine().sample_rate and english.seconds > 0.5
    speech = Speech(engine)
    body = await speech.audio("Linie 50 nach Finthen.", "<speak/>", "de", "mp3")
    samples, rate = soundfile.read(io.BytesIO(body))
    assert rate == 16000 and 2.0 <= len(samples) / rate <= 2.7
    with pytest.raises(SpeechUnavailable, match="voice crashed"):
        await speech.audio("FAIL", "<speak/>", "de", "wav")


def test_piper_needs_its_command_and_voice_config(voice: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(EngineUnavailable, match="cannot read"):
        PiperEngine({"de": tmp_path / "other.onnx"})
    engine, reason = open_engine("piper", {"de": voice})
    assert isinstance(engine, PiperEngine) and reason is None
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    engine, reason = open_engine("piper", {"de": voice})
    assert isinstance(engine, EspeakEngine), "without Piper, eSpeak NG speaks"
    assert reason is not None and "piper-tts" in reason

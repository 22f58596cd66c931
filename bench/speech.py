"""Readout audio benchmark (a script, not a test): cold synthesis and a cached fetch.

    python bench/speech.py [--repeat 5]

Runs the real app on the demo network in process. Cold: a four-departure German readout of
the demo pillar `hbf-tram` made from nothing (eSpeak NG + MP3 encoding, what a button press
after a board change costs), beside its baseline in the same run, the bare eSpeak NG synthesis
without encoding. Cached: the same readout fetched again (server time of the request, in
process), beside the baseline of the pillar's text board. Prints the median of N runs with
its range, the audio's duration and size. Targets on the 2-core machine: cold <= 1.5 s,
cached <= 5 ms, <= 60 KB per readout.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

# `python bench/speech.py` puts bench/ first on sys.path, where bench/http.py would shadow the
# standard library's `http`: drop that entry before importing anything that needs it.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import soundfile
from aiohttp.test_utils import TestClient, TestServer

from displays.app import create_app
from displays.board.readout import build_readout
from displays.service.config.settings import Settings
from displays.service.speech.audio import Speech
from displays.service.speech.espeak import EspeakEngine
from displays.web.appkeys import runtime

READOUT = "/displays/hbf-tram/readout"


def line(what: str, times: list[float], unit: str = "ms", scale: float = 1000) -> str:
    values = [t * scale for t in times]
    return (f"{what:<44} median {statistics.median(values):8.2f} {unit}  "
            f"(range {min(values):.2f}–{max(values):.2f}, n={len(values)})")


async def timed(call: Callable[[], Awaitable[object]], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        await call()
        times.append(time.perf_counter() - start)
    return times


async def main(repeat: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(Settings(data_dir=Path(folder)))
        async with TestClient(TestServer(app)) as client:
            rt = runtime(app)
            board = await rt.cache.get("display:hbf-tram")
            assert board is not None
            readout = build_readout(board.board, "de", rt.pronunciation["de"])
            print(f"readout: {len(readout.sentences) - 1} departures, "
                  f"{len(readout.text.split())} words, {len(readout.text)} characters")
            engine = EspeakEngine()

            async def bare() -> object:
                return await asyncio.to_thread(engine.synthesize, readout.ssml, "de", True)

            async def cold() -> object:
                rt.speech = Speech(engine)            # nothing cached: made from the text
                response = await client.get(READOUT + ".mp3")
                return await response.read()

            baseline_cold = await timed(bare, repeat)
            cold_times = await timed(cold, repeat)
            body = await (await client.get(READOUT + ".mp3")).read()

            async def cached() -> object:
                return await (await client.get(READOUT + ".mp3")).read()

            async def text_board() -> object:
                return await (await client.get("/displays/hbf-tram.txt")).read()

            await cached()
            cached_times = await timed(cached, repeat * 20)
            baseline_cached = await timed(text_board, repeat * 20)
            info = soundfile.info(io.BytesIO(body))
            print(line("baseline: eSpeak NG alone (PCM, no encoding)", baseline_cold))
            print(line("cold: readout.mp3, made from nothing", cold_times))
            print(line("baseline: the pillar's text board (cached)", baseline_cached))
            print(line("cached: readout.mp3 again", cached_times))
            print(f"audio: {info.duration:.1f} s, {len(body) / 1000:.1f} KB MP3 "
                  f"({len(body) * 8 / info.duration / 1000:.1f} kbit/s), {info.samplerate} Hz")
            for fmt in ("ogg", "wav"):
                other = await (await client.get(f"{READOUT}.{fmt}")).read()
                print(f"       {fmt}: {len(other) / 1000:.1f} KB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    asyncio.run(main(parser.parse_args().repeat))

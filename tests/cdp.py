"""One headless Debian Chromium driven over the DevTools protocol (a websocket, via aiohttp).

A test starts it once and reuses its page for many cases: set the viewport, load a URL, run
script in the page, take a screenshot. Chromium itself comes from `.ci/run` (tests/browser.py).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

from tests.browser import CHROMIUM_FLAGS, chromium

LISTENING = re.compile(rb"DevTools listening on (ws://[^\s]+)")


class CDPError(RuntimeError):
    """Chromium answered a command with an error, or an in-page script threw."""


class Page:
    """The one page target of a Chromium, and the commands the tests need."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ids = itertools.count(1)
        self.waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            data = json.loads(message.data)
            if "id" in data and data["id"] in self.waiting:
                self.waiting.pop(data["id"]).set_result(data)
            elif "method" in data:
                self.events.put_nowait(data)

    async def send(self, method: str, timeout: float = 30, **params: Any) -> dict[str, Any]:
        call = next(self.ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiting[call] = future
        await self.ws.send_str(json.dumps({"id": call, "method": method, "params": params}))
        answer = await asyncio.wait_for(future, timeout)
        if "error" in answer:
            raise CDPError(f"{method}: {answer['error']}")
        result: dict[str, Any] = answer.get("result", {})
        return result

    async def viewport(self, width: int, height: int) -> None:
        await self.send("Emulation.setDeviceMetricsOverride", width=width, height=height,
                        deviceScaleFactor=1, mobile=False)

    async def goto(self, url: str, timeout: float = 30) -> None:
        while not self.events.empty():
            self.events.get_nowait()
        await self.send("Page.navigate", url=url)
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            left = deadline - asyncio.get_running_loop().time()
            event = await asyncio.wait_for(self.events.get(), max(left, 0.01))
            if event["method"] == "Page.loadEventFired":
                return

    async def evaluate(self, expression: str) -> Any:
        """Run script in the page (awaiting a promise) and return its JSON value."""
        result = await self.send("Runtime.evaluate", expression=expression, awaitPromise=True,
                                 returnByValue=True)
        if "exceptionDetails" in result:
            raise CDPError(str(result["exceptionDetails"])[:2000])
        return result["result"].get("value")

    async def screenshot(self, path: Path) -> None:
        shot = await self.send("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["data"]))


@contextlib.asynccontextmanager
async def browser(profile: Path, scripts: bool = True) -> AsyncIterator[Page]:
    """Start one headless Chromium, yield its page, and stop it (and only it) afterwards."""
    process = await asyncio.create_subprocess_exec(
        chromium(), *CHROMIUM_FLAGS, "--remote-debugging-port=0",
        "--autoplay-policy=no-user-gesture-required", f"--user-data-dir={profile}",
        "about:blank", stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    session = aiohttp.ClientSession()
    try:
        assert process.stderr is not None
        url = None
        async with asyncio.timeout(60):
            while url is None:
                line = await process.stderr.readline()
                if not line:
                    raise CDPError("chromium exited before its DevTools endpoint was up")
                if found := LISTENING.search(line):
                    url = found.group(1).decode()
        drain = asyncio.create_task(_drain(process.stderr))
        port = url.split("/")[2]
        targets = await (await session.get(f"http://{port}/json/list")).json()
        target = next(t for t in targets if t["type"] == "page")
        ws = await session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0)
        page = Page(ws)
        await page.send("Page.enable")
        if not scripts:
            await page.send("Emulation.setScriptExecutionDisabled", value=True)
        try:
            yield page
        finally:
            page.reader.cancel()
            await ws.close()
            drain.cancel()
    finally:
        await session.close()
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.readline():
        pass

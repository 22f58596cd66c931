"""A small W3C WebDriver client for Debian's chromedriver, so browser tests click and type like
a user: find by CSS, click, type, read text, take screenshots. Blocking (urllib); a test runs
its service in another process or thread.
"""

from __future__ import annotations

import base64
import contextlib
import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.browser import CHROMIUM_FLAGS, chromium
from tests.redis_server import free_port

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"     # the W3C element reference key
GONE = ("stale element", "does not belong to the document", "no such element")


class WebDriverError(RuntimeError):
    """chromedriver answered an error."""


class Browser:
    """One headless Chromium session driven through chromedriver."""

    def __init__(self, profile: Path, width: int = 1280, height: int = 1600) -> None:
        driver = shutil.which("chromedriver")
        if driver is None:
            pytest.fail("chromedriver is not installed: the browser tests need Debian's "
                        "chromium-driver (`.ci/run` installs it)", pytrace=False)
        self.port = free_port()
        self.process = subprocess.Popen([driver, f"--port={self.port}"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait_ready()
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": chromium(),
            "args": [*CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                     f"--window-size={width},{height}"]}}}}
        try:
            self.session = self._call("POST", "/session", caps)["sessionId"]
        except BaseException:
            self.process.kill()
            raise

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/status", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        self.process.kill()
        raise WebDriverError("chromedriver did not start")

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body if body is not None else {}).encode() if method == "POST" \
            else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data,
                                         method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read())["value"]
        except urllib.error.HTTPError as exc:
            raise WebDriverError(exc.read().decode(errors="replace")[:500]) from exc

    def _session(self, method: str, path: str, body: Any = None) -> Any:
        return self._call(method, f"/session/{self.session}{path}", body)

    # ---- what a user does --------------------------------------------------------------------
    def go(self, url: str) -> None:
        """Open `url` and wait until its page has loaded."""
        self._session("POST", "/url", {"url": url})
        self.wait_loaded()

    @property
    def url(self) -> str:
        return str(self._session("GET", "/url"))

    def find(self, css: str) -> str:
        return str(self._session("POST", "/element", {"using": "css selector",
                                                      "value": css})[ELEMENT])

    def find_all(self, css: str) -> list[str]:
        found = self._session("POST", "/elements", {"using": "css selector", "value": css})
        return [str(e[ELEMENT]) for e in found]

    def click(self, css: str, navigates: bool = True) -> None:
        """Click an element; by default wait until the page it was on has been replaced (a
        submit button or a link) and the new one has loaded."""
        element = self.find(css)
        self._session("POST", f"/element/{element}/click")
        if not navigates:
            return
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                self._session("GET", f"/element/{element}/name")
            except WebDriverError as exc:
                if any(gone in str(exc) for gone in GONE):
                    break
                raise
            time.sleep(0.05)
        else:
            raise WebDriverError(f"clicking {css} did not lead to another page")
        self.wait_loaded()

    def wait_loaded(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            state = self._session("POST", "/execute/sync", {
                "script": "return document.readyState", "args": []})
            if state == "complete":
                return
            time.sleep(0.05)
        raise WebDriverError("the page did not finish loading")

    def type(self, css: str, text: str, clear: bool = True) -> None:
        element = self.find(css)
        if clear:
            self._session("POST", f"/element/{element}/clear")
        self._session("POST", f"/element/{element}/value", {"text": text})

    def key(self, css: str, key: str) -> None:
        """Press a key in an element (e.g. "\\ue007", Enter)."""
        self._session("POST", f"/element/{self.find(css)}/value", {"text": key})

    def text(self, css: str = "body") -> str:
        return str(self._session("GET", f"/element/{self.find(css)}/text"))

    def attribute(self, css: str, name: str) -> str | None:
        value = self._session("GET", f"/element/{self.find(css)}/attribute/{name}")
        return None if value is None else str(value)

    def prop(self, css: str, name: str) -> str | None:
        """A DOM property (e.g. the current `value` of a field or a select)."""
        value = self._session("GET", f"/element/{self.find(css)}/property/{name}")
        return None if value is None else str(value)

    def source(self) -> str:
        return str(self._session("GET", "/source"))

    def screenshot(self, path: Path) -> Path:
        path.write_bytes(base64.b64decode(self._session("GET", "/screenshot")))
        return path

    def full_screenshot(self, path: Path, width: int = 1280) -> Path:
        """The whole page: the window is grown to the document's height first."""
        height = int(self._session("POST", "/execute/sync", {
            "script": "return document.documentElement.scrollHeight", "args": []}))
        self._session("POST", "/window/rect", {"width": width, "height": min(height, 8000)})
        return self.screenshot(path)

    def close(self) -> None:
        with contextlib.suppress(WebDriverError, OSError):
            self._call("DELETE", f"/session/{self.session}")
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()

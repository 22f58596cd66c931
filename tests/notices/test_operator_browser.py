"""The control room in Debian's Chromium, clicked and typed through as an operator does
(issue 14): sign in, search stops by name, add two stops and a route direction as chips,
preview two boards with the draft, create, edit against a stale revision (the conflict is
shown, nothing is overwritten), withdraw after a confirmation; then the fleet view with one
pillar online and one dark.

One real `abfahrt serve` (the demo network, pillars dark after 3 s without a poll) and one
chromedriver session serve the whole module. Screenshots land in the test's folder
(`ABFAHRT_SCREENSHOTS` names another folder to keep them).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.displays.pillar_keys import demo_key
from tests.faults.harness import ServiceProcess, create_token
from tests.webdriver import Browser

HBF, HOEFCHEN = "de:07315:1001", "de:07315:1003"
OFFLINE_AFTER_S = 3


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServiceProcess, Browser,
                                                                     str, Path]]:
    folder = tmp_path_factory.mktemp("control-room")
    service = ServiceProcess(data_dir=folder / "serve", env={
        "ABFAHRT_DISPLAY_OFFLINE_AFTER": str(OFFLINE_AFTER_S)}).start()
    browser = None
    try:
        token = create_token(service.data_dir, name="Leitstelle Mainz")
        browser = Browser(folder / "profile")
        shots = Path(os.environ.get("ABFAHRT_SCREENSHOTS") or folder)
        shots.mkdir(parents=True, exist_ok=True)
        yield service, browser, token, shots
    finally:
        if browser is not None:
            browser.close()
        service.stop()


def api(service: ServiceProcess, path: str, token: str, method: str = "GET",
        body: object = None, headers: dict[str, str] | None = None) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    request = urllib.request.Request(
        service.url + path, method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                 **(headers or {})})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read()), response.headers.get("ETag", "")


def search_and_add(browser: Browser, query: str, value: str) -> None:
    browser.type("#q", query)
    browser.click("button[name=action][value=search]")
    assert "Treffer" in browser.text(".op-results"), browser.text(".op-results")
    browser.click(f"button[name=add][value='{value}']")


def test_the_whole_notice_flow(world: tuple[ServiceProcess, Browser, str, Path]) -> None:
    service, browser, token, shots = world
    browser.go(service.url + "/operator")
    browser.type("#token", token)
    browser.click("form.op-login button")
    assert "Angemeldet als" in browser.text(".op-head")

    browser.type("#text_de", "Aufzug außer Betrieb\nBitte den Aufzug am Bahnhof nutzen.")
    browser.type("#audio_de", "Der Aufzug ist außer Betrieb.")
    search_and_add(browser, "hbf", f"stops:{HBF}")
    search_and_add(browser, "hoefchen", f"stops:{HOEFCHEN}")
    browser.type("#q", "50")
    browser.click("button[name=action][value=search]")
    routes = browser.text(".op-results")
    assert "→ Hechtsheim" in routes and "→ Finthen" in routes, routes
    browser.click("button[name=add][value='routes:50|0']")
    chips = browser.text(".op-chips")
    assert "Hauptbahnhof" in chips and "Höfchen" in chips and "50 → Hechtsheim" in chips, chips
    assert browser.prop("#text_de", "value") == ("Aufzug außer Betrieb\nBitte den Aufzug am "
                                                 "Bahnhof nutzen.")   # kept through searches
    assert browser.prop("#severity", "value") == "WARNING"             # a sensible default
    assert "Warnung" in browser.text("#severity") and "Baustelle" in browser.text("#cause")

    browser.click("button[name=action][value=preview]")
    boards = browser.text(".op-boards")
    assert "hbf-tram" in boards and "Höfchen" in boards, boards
    browser.click("button[name=preview_board][value='display:hbf-tram']")
    assert "Hauptbahnhof" in browser.text("#h-board")
    assert "Aufzug außer Betrieb" in browser.text(".op-board")
    browser.click(f"button[name=preview_board][value='stop:{HOEFCHEN}']")
    assert "Höfchen" in browser.text("#h-board")
    assert "Aufzug außer Betrieb" in browser.text(".op-board")
    assert '"stopId": "de:07315:1003"' in browser.text(".op-gtfs pre")
    browser.full_screenshot(shots / "operator-preview.png")

    browser.click("button[name=action][value=create]")
    assert "Hinweis gespeichert" in browser.text(".op-message")
    _, listing, _ = api(service, "/api/v1/notices", token)
    [notice] = listing["notices"]
    assert sorted(notice["targets"]["stops"]) == [HBF, HOEFCHEN]
    assert notice["targets"]["routes"] == [{"id": "50", "direction": 0}]
    assert notice["audio_text"] == {"de": "Der Aufzug ist außer Betrieb."}

    # edit: open the notice; meanwhile a colleague changes it through the API
    browser.click(f"a[href^='/operator/notices/{notice['id']}?']")
    assert "Verlauf" in browser.text("#h-history")
    status, _, etag = api(service, f"/api/v1/notices/{notice['id']}", token)
    assert etag == '"1"'
    status, changed, _ = api(service, f"/api/v1/notices/{notice['id']}", token, "PATCH",
                             {"priority": 1}, {"If-Match": etag})
    assert status == 200 and changed["revision"] == 2
    browser.type("#text_de", "Aufzug wieder in Betrieb")
    browser.click("button[name=action][value=save]")
    assert "inzwischen geändert" in browser.text(".op-message")
    browser.full_screenshot(shots / "operator-conflict.png")
    _, current, _ = api(service, f"/api/v1/notices/{notice['id']}", token)
    assert current["priority"] == 1 and current["text"]["de"].startswith("Aufzug außer")
    history = browser.text(".op-history")
    assert "erstellt" in history and "geändert" in history, history

    # the page now holds revision 2: saving again is a conscious overwrite
    browser.click("button[name=action][value=save]")
    assert "Änderungen gespeichert" in browser.text(".op-message")
    _, current, _ = api(service, f"/api/v1/notices/{notice['id']}", token)
    assert current["text"]["de"] == "Aufzug wieder in Betrieb" and current["revision"] == 3

    browser.click("a.op-withdraw")
    assert "wirklich" in browser.text(".op-confirm").lower() or \
        "zurückziehen?" in browser.text(".op-confirm")
    browser.screenshot(shots / "operator-withdraw-confirm.png")
    _, still, _ = api(service, "/api/v1/notices", token)
    assert len(still["notices"]) == 1, "the confirmation page alone withdraws nothing"
    browser.click(".op-confirm button.op-withdraw")
    assert "zurückgezogen" in browser.text(".op-message")
    _, listing, _ = api(service, "/api/v1/notices", token)
    assert listing["notices"] == []


def whole_log(service: ServiceProcess) -> str:
    return service.log_path.read_text(errors="replace")


def poll(service: ServiceProcess, path: str) -> None:
    """A pillar's poll: with its key from the displays file (a rider's visit never counts)."""
    key = demo_key(path.rsplit("/", 1)[-1])
    with urllib.request.urlopen(f"{service.url}{path}?key={key}", timeout=10) as response:
        assert response.status == 200


@contextlib.contextmanager
def polling(service: ServiceProcess, path: str, every_s: float = 0.5) -> Iterator[None]:
    """A pillar that keeps polling in the background (online means polled in the last 3 s,
    and a slow screenshot or page takes longer than that)."""
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(every_s):
            poll(service, path)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def test_the_fleet_view_shows_which_pillar_is_dark(
        world: tuple[ServiceProcess, Browser, str, Path]) -> None:
    service, browser, _, shots = world
    dark = "display hoefchen-epaper went dark"
    back = "display hoefchen-epaper is back"
    before = whole_log(service).count(dark)        # 1 once it was dark since the start
    back_before = whole_log(service).count(back)
    # the pillar polls until the service has seen it online (transitions are decided every
    # 5 s, and a single poll can fall dark again between two decisions), then stops
    poll(service, "/displays/hoefchen-epaper")
    deadline = time.monotonic() + 20
    while before and time.monotonic() < deadline and \
            whole_log(service).count(back) == back_before:
        poll(service, "/displays/hoefchen-epaper")
        poll(service, "/displays/hbf-tram")
        time.sleep(0.5)
    deadline = time.monotonic() + OFFLINE_AFTER_S + 15
    while time.monotonic() < deadline and whole_log(service).count(dark) == before:
        poll(service, "/displays/hbf-tram")              # keeps polling
        time.sleep(0.5)
    with polling(service, "/displays/hbf-tram"):
        poll(service, "/displays/hbf-tram")
        browser.go(service.url + "/operator/displays")
        rows = browser.find_all(".op-fleet tbody tr")
        assert len(rows) == 4
        first = browser.text(".op-fleet tbody tr:first-child")
        assert "offline" in first                               # dark pillars first
        hbf = browser.text("#display-hbf-tram")
        hoefchen = browser.text("#display-hoefchen-epaper")
        assert "online" in hbf and "127.0.0.1" in hbf, hbf
        assert "offline" in hoefchen and "dunkel seit" in hoefchen, hoefchen
        assert browser.attribute("#display-hbf-tram iframe", "src") == \
            "/displays/hbf-tram?preview=1"
        time.sleep(2)                                          # the lazy frames load
        browser.full_screenshot(shots / "fleet.png", width=1400)
        log = whole_log(service)
        assert log.count(dark) == before + 1, "going dark is logged once"
        assert log.count(back) == back_before + (1 if before else 0), "coming back is logged once"
        with urllib.request.urlopen(service.url + "/metrics", timeout=10) as response:
            metrics = response.read().decode()
        assert "abfahrt_displays_went_dark_total" in metrics
        assert "abfahrt_displays_offline 3.0" in metrics       # three of four are dark

        browser.type("#fq", "höfchen")
        browser.click(".op-filter button")
        assert len(browser.find_all(".op-fleet tbody tr")) == 1
        browser.go(service.url + "/operator/displays?state=online")
        assert [browser.text(".op-fleet tbody tr th")] and \
            len(browser.find_all(".op-fleet tbody tr")) == 1
        assert "hbf-tram" in browser.text(".op-fleet tbody tr th")

    returns = whole_log(service).count(back)
    deadline = time.monotonic() + 12
    while time.monotonic() < deadline and whole_log(service).count(back) == returns:
        poll(service, "/displays/hoefchen-epaper")      # it is back (until a check sees it)
        time.sleep(0.5)
    assert whole_log(service).count(back) == returns + 1

"""The operator page on a network of 51,678 stops (HART's stops replicated 22 times with
suffixed ids, as a regional feed has them): no page lists every stop, a search answers in
milliseconds, and the editor stays usable by keyboard and screen reader (every field labelled,
results announced, every button named)."""

from __future__ import annotations

import csv
import io
import statistics
import time
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from displays.service.stop_search import StopSearch
from displays.web.appkeys import runtime
from feeds import load_timetable
from tests.instants import suite_settings
from tests.notices.conftest import ClientFactory, Service, start_service
from tests.notices.test_operator import hidden, sign_in

COPIES = 22


@pytest.fixture(scope="module")
def large_feed(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """HART with its stops.txt replicated COPIES times (ids suffixed; trips unchanged)."""
    target = tmp_path_factory.mktemp("large") / "hart-stops-x22.zip"
    with zipfile.ZipFile(shared_data / "hart-2018" / "gtfs.zip") as zin, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "stops.txt":
                rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
                out = io.StringIO()
                writer = csv.writer(out)
                writer.writerow(rows[0])
                for copy in range(COPIES):
                    for row in rows[1:]:
                        writer.writerow([row[0] + (f"_r{copy}" if copy else ""), *row[1:]])
                data = out.getvalue().encode()
            zout.writestr(name, data)
    return target


def test_a_search_over_50000_stops_takes_milliseconds(large_feed: Path, tmp_path: Path) -> None:
    tt = load_timetable(large_feed, tmp_path)
    started = time.perf_counter()
    search = StopSearch(tt)
    built = time.perf_counter() - started
    assert len(search.candidates) > 50_000
    timings = []
    for query in ("marion", "nebraska ave", "palm river", "hospital", "xyz", "a"):
        started = time.perf_counter()
        search.search(query, 20)
        timings.append(time.perf_counter() - started)
    assert built < 2.0, f"building the index took {built:.2f} s"
    assert statistics.median(timings) < 0.02 and max(timings) < 0.2, timings
    names = {tt.stop_name[m.index] for m in search.search("marion", 20)}
    assert names and all("Marion" in n for n in names)


class Fields(HTMLParser):
    """The form controls of a page, the labels' targets, live regions and unnamed buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[str] = []
        self.labelled: set[str] = set()
        self.live = 0
        self.unnamed: list[dict[str, Any]] = []
        self._button: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden",
                                                                            "checkbox"):
            self.controls.append(a.get("id") or "")
        if tag == "label" and a.get("for"):
            self.labelled.add(a["for"] or "")
        if a.get("aria-live"):
            self.live += 1
        if tag == "button":
            self._button = {"attrs": a, "text": ""}

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "button" and self._button is not None:
            if not self._button["text"].strip() and not self._button["attrs"].get("aria-label"):
                self.unnamed.append(self._button["attrs"])
            self._button = None


async def test_the_editor_on_a_large_network(aiohttp_client: ClientFactory, large_feed: Path,
                                             tmp_path: Path) -> None:
    svc: Service = await start_service(aiohttp_client, suite_settings(
        feed=str(large_feed), data_dir=tmp_path))
    assert len(runtime(svc.client.app).search.candidates) > 50_000
    html = await sign_in(svc, svc.operator)
    assert len(html) < 60_000, f"the page is {len(html)} bytes: it lists the network"
    started = time.perf_counter()
    response = await svc.client.post("/operator/notices", data={
        "csrf": hidden(html, "csrf"), "lang": "de", "text_de": "Haltestelle verlegt",
        "q": "marion", "action": "search"})
    took = time.perf_counter() - started
    page = await response.text()
    assert response.status == 200 and took < 2.0, took
    assert len(page) < 80_000 and page.count('name="add" value="stops:') == 12
    assert "Haltestelle verlegt" in page                    # what was typed is kept
    fields = Fields()
    fields.feed(page)
    assert fields.controls and set(fields.controls) <= fields.labelled, (
        set(fields.controls) - fields.labelled)
    assert fields.live == 1 and fields.unnamed == []
    added = await svc.client.post("/operator/notices", data=[
        ("csrf", hidden(html, "csrf")), ("lang", "de"), ("text_de", "Haltestelle verlegt"),
        ("add", "stops:86_r5")])
    chips = await added.text()
    assert 'name="stops" value="86_r5"' in chips
    assert 'aria-label="50th St @ Palm River Rd entfernen"' in chips

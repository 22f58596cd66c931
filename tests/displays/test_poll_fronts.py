"""A display's plain poll is answered by the front of its route (`web.poll_fronts`): the very
answer the handler made, counted like it; every other request goes to the guarded handler."""

from __future__ import annotations

import dataclasses
import logging
from collections import OrderedDict
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, make_mocked_request
from prometheus_client.parser import text_string_to_metric_families

from displays.service.clock import FakeClock
from displays.service.runtime import Runtime
from displays.web.appkeys import STARTUP
from displays.web.http import behind_front
from displays.web.poll_fronts import display_fronts

Client = TestClient[Any, Any]
PAGE_ROUTE, JSON_ROUTE = "/displays/{display_id}", "/api/v1/displays/{display_id}"
GZIP = {"Accept-Encoding": "gzip, deflate"}


def runtime_of(client: Client) -> Runtime:
    rt = client.server.app[STARTUP].runtime
    assert rt is not None
    return rt


def poll(client: Client, route: str, path: str, headers: dict[str, str] | None = None
         ) -> web.StreamResponse | None:
    """What a fresh front of `route` answers to a GET of `path` (None: the handler's turn)."""
    app = client.server.app
    display_id = path.split("?")[0].rsplit("/", 1)[1]
    request = make_mocked_request("GET", path, headers=headers or {}, app=app,
                                  match_info={"display_id": display_id})
    return display_fronts(app[STARTUP])[route](request)


@pytest.mark.busy_hour
@pytest.mark.parametrize(("route", "path"), [(PAGE_ROUTE, "/displays/hbf-tram"),
                                             (JSON_ROUTE, "/api/v1/displays/hbf-tram")])
async def test_the_front_answers_what_the_handler_made(client: Client, route: str, path: str
                                                       ) -> None:
    assert poll(client, route, path) is None, "nothing is held before the first request"
    made = await client.get(path, headers=GZIP, auto_decompress=False)
    assert made.status == 200
    body = await made.read()

    held = poll(client, route, path, GZIP)
    assert isinstance(held, web.Response) and held.status == 200
    assert held.body == body
    volatile = {"date", "server", "content-length", "x-clock", "cache-control"}
    assert {k.lower(): v for k, v in held.headers.items() if k.lower() not in volatile} == \
        {k.lower(): v for k, v in made.headers.items() if k.lower() not in volatile}
    assert ("X-Clock" in held.headers) == (route == PAGE_ROUTE)   # the page script's clock
    assert held.headers["Cache-Control"].startswith("public, max-age=")

    not_modified = poll(client, route, path, {"If-None-Match": made.headers["ETag"]})
    assert not_modified is not None and not_modified.status == 304


@pytest.mark.busy_hour
async def test_everything_but_a_plain_poll_goes_to_the_handler(client: Client) -> None:
    for path in ("/displays/hbf-tram", "/api/v1/displays/hbf-tram", "/displays/hbf-tram.txt",
                 "/displays/hoefchen-epaper"):
        assert (await client.get(path)).status == 200
    assert poll(client, PAGE_ROUTE, "/displays/hbf-tram") is not None
    assert poll(client, PAGE_ROUTE, "/displays/hbf-tram?rows=3") is None, "a query"
    assert poll(client, PAGE_ROUTE, "/displays/hbf-tram?key=x") is None, "a pillar's key"
    assert poll(client, PAGE_ROUTE, "/displays/hbf-tram.txt") is None, "another format"
    assert poll(client, PAGE_ROUTE, "/displays/nowhere") is None, "no such display"
    assert poll(client, JSON_ROUTE, "/api/v1/displays/nowhere") is None

    rt = runtime_of(client)
    clock = rt.clock
    rt.clock = FakeClock(clock.now() + 2 * rt.settings.realtime_interval_s + 1)
    assert poll(client, PAGE_ROUTE, "/displays/hbf-tram") is None, "two refreshes old"
    rt.clock = clock

    startup = client.server.app[STARTUP]
    startup.ready = False
    assert poll(client, JSON_ROUTE, "/api/v1/displays/hbf-tram") is None, "starting"
    startup.ready = True

    # a display whose polls are recorded as its contact (displays.toml `address`)
    tram = rt.displays["hbf-tram"]
    rt.displays = {**rt.displays, "hbf-tram": dataclasses.replace(
        tram, poll_from=("127.0.0.0/8",))}
    assert poll(client, PAGE_ROUTE, "/displays/hbf-tram") is None
    assert poll(client, JSON_ROUTE, "/api/v1/displays/hbf-tram") is None
    assert poll(client, PAGE_ROUTE, "/displays/hoefchen-epaper") is not None


@pytest.mark.busy_hour
async def test_held_answers_follow_the_clock_and_the_board(client: Client) -> None:
    """A front keeps a display's answers for one second: the next second has its own
    max-age and clock; a board replaced within the second is never answered from the old."""
    app = client.server.app
    fronts = display_fronts(app[STARTUP])
    page, json = fronts[PAGE_ROUTE], fronts[JSON_ROUTE]

    def ask(front: Any, path: str) -> web.StreamResponse | None:
        return front(make_mocked_request("GET", path, app=app, match_info={
            "display_id": path.rsplit("/", 1)[1]}))

    assert (await client.get("/displays/hbf-tram")).status == 200
    rt = runtime_of(client)
    clock = rt.clock
    now = clock.now()
    rt.clock = FakeClock(now)
    first = ask(page, "/displays/hbf-tram")
    assert first is not None and first.headers["X-Clock"] == str(now)
    age = int(first.headers["Cache-Control"].split("max-age=")[1].split(",")[0])
    again = ask(page, "/displays/hbf-tram")
    assert again is not None and again.headers["X-Clock"] == str(now)
    rt.clock = FakeClock(now + 1)
    later = ask(page, "/displays/hbf-tram")
    assert later is not None and later.headers["X-Clock"] == str(now + 1)
    assert later.headers["Cache-Control"].startswith(f"public, max-age={max(age - 1, 1)},")

    assert (await client.get("/api/v1/displays/hbf-tram")).status == 200
    held = ask(json, "/api/v1/displays/hbf-tram")
    assert held is not None and held.headers["ETag"] == rt.cache.hot["display:hbf-tram"].etag
    replaced = dataclasses.replace(rt.cache.hot["display:hbf-tram"], etag='W/"replaced"',
                                   answers={}, renderings=OrderedDict())
    rt.cache.hot["display:hbf-tram"] = replaced
    assert ask(json, "/api/v1/displays/hbf-tram") is None, "the new board's answer is not made"
    made = await client.get("/api/v1/displays/hbf-tram")
    assert made.headers["ETag"] == 'W/"replaced"'
    now_held = ask(json, "/api/v1/displays/hbf-tram")
    assert now_held is not None and now_held.headers["ETag"] == 'W/"replaced"'
    rt.clock = clock


@pytest.mark.busy_hour
async def test_a_display_with_an_address_still_records_its_polls(client: Client) -> None:
    rt = runtime_of(client)
    tram = rt.displays["hbf-tram"]
    rt.displays = {**rt.displays, "hbf-tram": dataclasses.replace(
        tram, poll_from=("127.0.0.0/8",), poll_key=None)}
    for _ in range(3):
        assert (await client.get("/displays/hbf-tram")).status == 200
    listed = await (await client.get("/api/v1/displays")).json()
    state = next(d for d in listed["displays"] if d["id"] == "hbf-tram")
    assert state["online"] is True and state["polls_last_hour"] == 3


@pytest.mark.busy_hour
async def test_front_answers_are_counted(client: Client) -> None:
    first = await client.get("/displays/hbf-tram")
    etag = first.headers["ETag"]
    for _ in range(4):
        assert (await client.get("/displays/hbf-tram")).status == 200
    for _ in range(3):
        held = await client.get("/displays/hbf-tram", headers={"If-None-Match": etag})
        assert held.status == 304
    text = await (await client.get("/metrics")).text()
    samples = [s for f in text_string_to_metric_families(text) for s in f.samples]

    def value(name: str, **labels: str) -> float:
        return next(s.value for s in samples
                    if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()))

    assert value("abfahrt_http_requests_total", route=PAGE_ROUTE, status="200") == 5
    assert value("abfahrt_http_requests_total", route=PAGE_ROUTE, status="304") == 3
    assert value("abfahrt_http_request_duration_seconds_count", route=PAGE_ROUTE) == 8


async def test_a_failing_front_leaves_the_request_to_the_handler(
        caplog: pytest.LogCaptureFixture) -> None:
    observed: list[tuple[str, int]] = []

    def front(request: web.Request) -> web.StreamResponse | None:
        raise KeyError("a bug")

    async def guarded(request: web.Request) -> web.StreamResponse:
        return web.Response(text="from the handler")

    handler = behind_front(front, guarded, "/x/{id}",
                           lambda route, status, seconds, code: observed.append((route, status)))
    with caplog.at_level(logging.ERROR):
        response = await handler(make_mocked_request("GET", "/x/1"))
    assert isinstance(response, web.Response) and response.text == "from the handler"
    assert "the front of /x/{id} failed" in caplog.text
    assert observed == [], "the guarded handler counts its own answers"


@pytest.mark.busy_hour
async def test_configured_displays_are_routed_by_their_literal_paths(
        aiohttp_client: Any, demo_settings: Any) -> None:
    """`abfahrt serve` knows its displays when it makes the app: each display's page and
    JSON board get a path of their own, which answers exactly like the route's pattern."""
    from displays.app import create_app
    from displays.service.config.displays_file import default_displays_file, load_displays
    from displays.web.http import LiteralPath

    displays = load_displays(default_displays_file())
    with_paths = await aiohttp_client(create_app(demo_settings, displays))
    literal = {r.canonical for r in with_paths.server.app.router.resources()
               if isinstance(r, LiteralPath)}
    assert literal == {f"{prefix}/{i}" for i in displays
                       for prefix in ("/displays", "/api/v1/displays")}
    resolved = await with_paths.server.app.router.resolve(
        make_mocked_request("GET", "/displays/hbf-tram"))
    assert isinstance(resolved.route.resource, LiteralPath)
    assert dict(resolved) == {"display_id": "hbf-tram"}
    readout = await with_paths.server.app.router.resolve(
        make_mocked_request("GET", "/displays/hbf-tram/readout.mp3"))
    assert dict(readout) == {"display_id": "hbf-tram", "name": "readout.mp3"}

    for path in ("/displays/hbf-tram", "/api/v1/displays/hbf-tram", "/displays/hbf-tram",
                 "/displays/hbf-tram?rows=3", "/displays/hbf-tram.txt"):
        answer = await with_paths.get(path)
        assert answer.status == 200, path
    head = await with_paths.head("/displays/hbf-tram")
    assert head.status == 200 and head.headers["ETag"]
    post = await with_paths.post("/displays/hbf-tram")
    assert post.status == 405 and "GET" in post.headers["Allow"]
    text = await (await with_paths.get("/metrics")).text()
    # four GETs and the HEAD, under the route's own label
    assert 'abfahrt_http_requests_total{route="/displays/{display_id}",status="200"} 5.0' \
        in text

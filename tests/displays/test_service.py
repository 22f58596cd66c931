"""The service through its HTTP interface: the real app over the demo network, in process."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import jsonschema
import pytest
from aiohttp.test_utils import TestClient

from displays.service.clock import FakeClock
from displays.web.openapi import openapi_document
from tests.displays.pillar_keys import demo_key
from tests.instants import BERLIN, SUITE_AT, suite_settings

HBF = "de:07315:1001"
Client = TestClient[Any, Any]


def schema_validator(name: str) -> jsonschema.Draft202012Validator:
    document = openapi_document()
    schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    return jsonschema.Draft202012Validator(schema)


def assert_valid(name: str, body: Any) -> None:
    errors = list(schema_validator(name).iter_errors(body))
    assert not errors, [e.message for e in errors[:3]]


async def test_health_and_readiness(client: Client) -> None:
    assert (await client.get("/healthz")).status == 200
    ready = await client.get("/readyz")
    assert ready.status == 200
    assert (await ready.json())["status"] in ("ready", "degraded")


async def test_stop_search_is_german_aware(client: Client) -> None:
    for query, name in (("hbf", "Hauptbahnhof"), ("hoefchen", "Höfchen/Listmann")):
        response = await client.get("/api/v1/stops", params={"q": query})
        body = await response.json()
        assert response.status == 200
        assert body["stops"][0]["name"] == name
        assert_valid("StopList", body)
    hbf = (await (await client.get("/api/v1/stops", params={"q": "hbf"})).json())["stops"][0]
    assert {p["platform"] for p in hbf["platforms"]} == {"A", "C", "D", "L", "M"}


async def test_nearby(client: Client) -> None:
    response = await client.get("/api/v1/stops/nearby",
                                params={"lat": "50.0013", "lon": "8.2587", "radius": "300"})
    body = await response.json()
    assert response.status == 200 and body["stops"][0]["id"] == HBF
    assert_valid("StopList", body)
    bad = await client.get("/api/v1/stops/nearby", params={"lat": "95", "lon": "8"})
    assert bad.status == 400 and "lat" in (await bad.json())["error"]["message"]


async def test_departures_contract_etag_and_304(client: Client) -> None:
    response = await client.get(f"/api/v1/stops/{HBF}/departures")
    assert response.status == 200
    body = await response.json()
    assert_valid("Board", body)
    assert body["stop"] == {"id": HBF, "name": "Hauptbahnhof"}
    etag = response.headers["ETag"]
    assert re.fullmatch(r'W/"[0-9a-f]+"', etag)
    max_age = int(re.search(r"max-age=(\d+)", response.headers["Cache-Control"]).group(1))
    assert 1 <= max_age <= 20
    assert "Accept-Language" in response.headers["Vary"]
    again = await client.get(f"/api/v1/stops/{HBF}/departures", headers={"If-None-Match": etag})
    assert again.status == 304
    assert again.headers["ETag"] == etag and "Cache-Control" in again.headers
    assert await again.read() == b""


async def test_departures_at_window_limit_and_filters(client: Client) -> None:
    at = dt.datetime.fromtimestamp(SUITE_AT, BERLIN).replace(hour=13, minute=0, second=0)
    params = {"at": at.isoformat(), "window": "30", "limit": "5"}
    body = await (await client.get(f"/api/v1/stops/{HBF}/departures", params=params)).json()
    assert_valid("Board", body)
    times = [d["predicted"] or d["scheduled"] for d in body["departures"]]
    epochs = [dt.datetime.fromisoformat(t).timestamp() for t in times]
    assert len(epochs) == 5 and epochs == sorted(epochs)
    assert all(at.timestamp() <= e < at.timestamp() + 1800 for e in epochs)
    only_50 = await (await client.get(f"/api/v1/stops/{HBF}/departures",
                                      params={"at": at.isoformat(), "route": "50"})).json()
    assert only_50["departures"] and {d["route"]["id"] for d in only_50["departures"]} == {"50"}
    platform = await (await client.get(f"/api/v1/stops/{HBF}/departures",
                                       params={"at": at.isoformat(), "platform": "A"})).json()
    assert {d["platform"] for d in platform["departures"]} == {"A"}
    widest = await client.get(f"/api/v1/stops/{HBF}/departures", params={"window": "240"})
    assert widest.status == 200


async def test_out_of_range_parameters_are_refused_the_same_way_everywhere(client: Client
                                                                          ) -> None:
    """One rule: a value outside its documented range is a 400 naming the parameter."""
    cases = [(f"/api/v1/stops/{HBF}/departures", "window", "241"),
             (f"/api/v1/stops/{HBF}/departures", "limit", "0"),
             (f"/api/v1/stops/{HBF}/departures", "direction", "2"),
             ("/api/v1/stops?q=hbf", "limit", "101"),
             ("/api/v1/stops/nearby?lat=50&lon=8.2", "radius", "5001"),
             (f"/stops/{HBF}", "rows", "51"), (f"/stops/{HBF}.txt", "width", "15")]
    for path, name, value in cases:
        response = await client.get(path, params={name: value})
        assert response.status == 400, (path, name)
        if path.startswith("/api/"):
            error = (await response.json())["error"]
            assert error["code"] == "invalid_parameter" and error["parameter"] == name, error
            assert name in error["message"]
        else:
            assert name in await response.text()


async def test_bad_requests_and_unknown_ids(client: Client) -> None:
    for params in ({"at": "garbage"}, {"direction": "5"}, {"lang": "fr"}, {"limit": "x"}):
        response = await client.get(f"/api/v1/stops/{HBF}/departures", params=params)
        assert response.status == 400, params
        assert (await response.json())["error"]["message"]
    for path in ("/api/v1/stops/nope/departures", "/api/v1/displays/nope", "/stops/nope",
                 "/displays/nope.txt", "/api/v1/stops/" + "x" * 5000 + "/departures"):
        response = await client.get(path)
        assert response.status == 404, path
    html_404 = await client.get("/stops/../../etc/passwd")
    assert html_404.status == 404


async def test_pillar_html_is_accessible_german_and_english(client: Client) -> None:
    response = await client.get(f"/stops/{HBF}")
    html = await response.text()
    assert response.status == 200 and response.content_type == "text/html"
    assert '<html lang="de" class="pillar">' in html
    assert '<noscript><meta http-equiv="refresh"' in html, "the fallback when script is off"
    assert '<span>Linie</span>' in html and '<ol class="rows"' in html
    assert "Demodaten" in html
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in html and "onclick" not in html
    english = await (await client.get(f"/stops/{HBF}", params={"lang": "en"})).text()
    assert '<html lang="en" class="pillar">' in english and '<span>Line</span>' in english
    kiosk = await (await client.get(f"/stops/{HBF}",
                                    headers={"Accept-Language": "en-US,en;q=0.8"})).text()
    assert '<html lang="de" class="pillar">' in kiosk, "a kiosk browser's language is ignored"



async def test_text_board_has_maximum_line_width(client: Client) -> None:
    response = await client.get(f"/stops/{HBF}.txt", params={"width": "26"})
    text = await response.text()
    assert response.status == 200 and response.content_type == "text/plain"
    assert text.splitlines()[0].startswith("Hauptbahnhof")
    assert text.splitlines()[-1] == "Demodaten – kein echter F…"  # cut to 26 characters
    assert all(len(line) <= 26 for line in text.splitlines())


async def test_displays_record_last_contact(client: Client) -> None:
    before = await (await client.get("/api/v1/displays")).json()
    assert_valid("DisplayList", before)
    tram = next(d for d in before["displays"] if d["id"] == "hbf-tram")
    assert tram["online"] is False and tram["last_contact"] is None
    page = await client.get("/displays/hbf-tram", params={"key": demo_key("hbf-tram")})
    assert page.status == 200
    html = await page.text()
    assert '<h1 class="title">Hauptbahnhof</h1>' in html, "riders read the display's title"
    assert "Straßenbahn (Steig L und M)" not in html, "never its internal name"
    board = await (await client.get("/api/v1/displays/hbf-tram")).json()   # a rider's look
    assert_valid("Board", board)
    assert {d["platform"] for d in board["departures"]} <= {"L", "M"}
    assert board["display"]["id"] == "hbf-tram"
    after = await (await client.get("/api/v1/displays")).json()
    tram = next(d for d in after["displays"] if d["id"] == "hbf-tram")
    assert tram["online"] is True and tram["last_contact"] is not None
    assert tram["polls_last_hour"] == 1, "only the pillar's own poll counts"
    epaper = await client.get("/displays/hoefchen-epaper")
    assert 'href="/theme/epaper.css"' in await epaper.text()
    line = await (await client.get("/api/v1/displays/schillerplatz-50")).json()
    assert {d["route"]["id"] for d in line["departures"]} <= {"50"}


@pytest.mark.busy_hour
async def test_gzip_for_large_bodies(client: Client) -> None:
    response = await client.get(f"/api/v1/stops/{HBF}/departures",
                                headers={"Accept-Encoding": "gzip"}, auto_decompress=False)
    assert response.headers.get("Content-Encoding") == "gzip"


async def test_status_metrics_openapi_cors(client: Client) -> None:
    await client.get(f"/api/v1/stops/{HBF}/departures")
    status = await client.get("/api/v1/status")
    body = await status.json()
    assert_valid("Status", body)
    assert body["static"]["feed_hash"] and body["demo"] is True
    assert body["realtime"][0]["source"] == "simulation"
    assert status.headers["Access-Control-Allow-Origin"] == "*"
    spec = await (await client.get("/api/v1/openapi.json")).json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/stops/{stop_id}/departures" in spec["paths"]
    jsonschema.Draft202012Validator.check_schema({"components": spec["components"]})


async def test_abusive_client_gets_429_while_displays_keep_polling(
        aiohttp_client: Any, tmp_path: Any) -> None:
    from displays.app import create_app
    client = await aiohttp_client(create_app(suite_settings(data_dir=tmp_path,
                                                      rate_limit_per_min=60)))
    statuses = [(await client.get("/api/v1/stops", params={"q": "hbf"})).status
                for _ in range(40)]
    assert statuses[0] == 200 and 429 in statuses
    limited = await client.get("/api/v1/stops", params={"q": "hbf"})
    assert limited.status == 429 and int(limited.headers["Retry-After"]) >= 1
    assert (await limited.json())["error"] == {
        "status": 429, "code": "rate_limited", "message": "too many requests, slow down"}
    # a browser app may read Retry-After and ETag (CORS)
    assert limited.headers["Access-Control-Expose-Headers"].startswith("ETag, Retry-After")
    # many pillars behind one carrier address: the boards they poll are never limited
    for path in ("/displays/hbf-tram", "/displays/hbf-tram.txt", f"/stops/{HBF}",
                 f"/stops/{HBF}.txt", "/api/v1/displays/hbf-tram"):
        for _ in range(20):
            assert (await client.get(path)).status == 200, path


async def test_metrics_follow_the_prometheus_conventions(client: Client) -> None:
    """Parsed with the Prometheus client's own parser: names, types, labels."""
    from prometheus_client.parser import text_string_to_metric_families
    await client.get(f"/api/v1/stops/{HBF}/departures")
    await client.get(f"/api/v1/stops/{HBF}/departures")
    await client.get("/api/v1/stops/nope/departures")
    await client.get(f"/api/v1/stops/{HBF}/departures", params={"limit": "0"})
    response = await client.get("/metrics")
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    families = {f.name: f for f in text_string_to_metric_families(await response.text())}
    types = {name: f.type for name, f in families.items() if name.startswith("abfahrt_")}
    expected = {
        "abfahrt_http_requests": "counter", "abfahrt_http_errors": "counter",
        "abfahrt_board_cache_hits": "counter", "abfahrt_board_cache_misses": "counter",
        "abfahrt_realtime_fetches": "counter", "abfahrt_realtime_rejections": "counter",
        "abfahrt_http_request_duration_seconds": "histogram",
        "abfahrt_board_refresh_duration_seconds": "histogram",
        "abfahrt_static_feed_age_seconds": "gauge",
        "abfahrt_static_feed_validity_days_left": "gauge", "abfahrt_static_feed_valid": "gauge",
        "abfahrt_realtime_age_seconds": "gauge", "abfahrt_realtime_live": "gauge",
        "abfahrt_realtime_trip_updates_matched_ratio": "gauge",
        "abfahrt_event_loop_lag_seconds": "histogram",
        "abfahrt_event_loop_lag_max_seconds": "gauge", "abfahrt_boards": "gauge",
        "abfahrt_displays": "gauge", "abfahrt_displays_online": "gauge",
        "abfahrt_leader": "gauge", "abfahrt_redis_degraded": "gauge"}
    assert {k: types.get(k) for k in expected} == expected

    samples = [s for f in families.values() for s in f.samples]

    def value(name: str, **labels: str) -> float:
        return next(s.value for s in samples
                    if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()))

    route = "/api/v1/stops/{stop_id}/departures"
    assert value("abfahrt_http_requests_total", route=route, status="200") >= 2
    assert value("abfahrt_http_errors_total", code="not_found") == 1
    assert value("abfahrt_http_errors_total", code="invalid_parameter") == 1
    assert value("abfahrt_board_cache_hits_total") >= 1
    assert value("abfahrt_http_request_duration_seconds_count", route=route) >= 4
    assert value("abfahrt_realtime_fetches_total", source="simulation", result="ok") >= 1
    assert value("abfahrt_realtime_live", source="simulation") == 1
    assert 0 <= value("abfahrt_realtime_age_seconds", source="simulation") < 60
    assert value("abfahrt_realtime_trip_updates_matched_ratio", source="simulation") == 1
    assert value("abfahrt_static_feed_valid") == 1
    assert value("abfahrt_static_feed_validity_days_left") >= 0
    assert value("abfahrt_displays") == 4 and value("abfahrt_leader") == 1
    assert value("abfahrt_board_refresh_duration_seconds_count") >= 1


async def test_boards_refresh_when_the_realtime_job_is_late(client: Client) -> None:
    from displays.service.jobs import refresh_if_due
    from displays.web.appkeys import runtime
    rt = runtime(client.app)
    rt.clock = FakeClock(SUITE_AT)
    count = rt.refresh_count
    rt.last_refresh_at = rt.now()
    await refresh_if_due(rt)
    assert rt.refresh_count == count, "a refresh that is not due is skipped"
    rt.clock.advance(rt.settings.realtime_interval_s)
    await refresh_if_due(rt)
    assert rt.refresh_count == count + 1


async def test_api_answers_the_same_document_as_the_cli(aiohttp_client: Any, tmp_path: Any,
                                                       shared_data: Any, capsys: Any) -> None:
    """The contract: `abfahrt departures … --json` and the HTTP API return the same document."""
    import asyncio
    import json as jsonlib

    from displays.app import create_app
    from displays.cli.main import main
    feed = shared_data / "caltrain-2023" / "gtfs.zip"
    updates = shared_data / "caltrain-2023" / "trip-updates-20231108T010534Z.pb"
    service = await aiohttp_client(create_app(suite_settings(
        feed=str(feed), realtime=(str(updates),), data_dir=tmp_path)))
    at = "2023-11-07T17:06:00-08:00"
    for stop, extra in (("san_francisco", {}), ("70012", {"limit": "3"}),
                        ("70011", {"window": "120", "lang": "en"})):
        api = await (await service.get(f"/api/v1/stops/{stop}/departures",
                                       params={"at": at, **extra})).json()
        args = ["departures", "--feed", str(feed), "--realtime", str(updates), "--stop", stop,
                "--at", at, "--json"]
        for key, value in extra.items():
            args += [f"--{key}", value]
        assert await asyncio.to_thread(main, args) == 0     # the CLI runs its own loop
        cli = jsonlib.loads(capsys.readouterr().out)
        assert api == cli
        assert cli["realtime"]["status"] == "live"
        if stop == "san_francisco":
            assert any(d["realtime"] and d["predicted"] for d in cli["departures"])


async def test_cors_preflight_for_conditional_app_polls(client: Client) -> None:
    response = await client.options(f"/api/v1/stops/{HBF}/departures", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match"})
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "If-None-Match" in response.headers["Access-Control-Allow-Headers"]
    page = await client.options(f"/stops/{HBF}")
    assert page.status == 405, "pillar pages are not an API: no CORS"


async def test_a_refresh_replaces_what_pillars_are_shown(client: Client) -> None:
    """Same departures, later instant: the clock and countdowns move on; the JSON ETag stays."""
    import displays.service.jobs as jobs
    from displays.board.wording import clock
    from displays.web.appkeys import runtime
    rt = runtime(client.app)
    rt.clock = FakeClock(rt.now())
    first_text = await (await client.get(f"/stops/{HBF}.txt")).text()
    first_json = await client.get(f"/api/v1/stops/{HBF}/departures")
    later = rt.now() + 150
    rt.clock.set(later)
    rt.realtime.state = type(rt.realtime.state)()   # schedule only: content depends on time
    await jobs.refresh_boards(rt)
    second_text = await (await client.get(f"/stops/{HBF}.txt")).text()
    assert second_text.splitlines()[0].endswith(clock(later, rt.tt.zone))
    assert second_text != first_text
    second_json = await client.get(f"/api/v1/stops/{HBF}/departures")
    body = await second_json.json()
    assert body["generated_at"] != (await first_json.json())["generated_at"]


async def test_display_whose_stops_vanished_is_503_not_500(client: Client) -> None:
    from displays.board.display import BoardFilter, Display
    from displays.web.appkeys import runtime
    rt = runtime(client.app)
    rt.displays["gone"] = Display(id="gone", name="Gone", stops=("de:07315:9999",),
                                  filter=BoardFilter())
    for path in ("/displays/gone", "/api/v1/displays/gone", "/displays/gone.txt"):
        response = await client.get(path)
        assert response.status == 503, path
        assert response.headers["Retry-After"] == "60"


async def test_extreme_instants_are_400(client: Client) -> None:
    for at in ("9999-12-31T23:30:00+00:00", "0001-01-01T00:30:00+01:00"):
        response = await client.get(f"/api/v1/stops/{HBF}/departures", params={"at": at})
        assert response.status == 400, at


async def test_without_redis_an_instance_computes_alone(aiohttp_client: Any, tmp_path: Any
                                                        ) -> None:
    """Redis unreachable at start: the instance leads locally and realtime is polled."""
    from displays.app import create_app
    from tests.redis_server import free_port
    client = await aiohttp_client(create_app(suite_settings(
        data_dir=tmp_path, redis_url=f"redis://127.0.0.1:{free_port()}/0")))
    status = await (await client.get("/api/v1/status")).json()
    assert status["leader"] is True and status["boards"]["redis"] == "degraded"
    assert status["realtime"][0]["polls"] >= 1
    assert status["realtime"][0]["freshness"] == "live"
    assert (await client.get(f"/stops/{HBF}")).status == 200


async def test_leader_refreshes_only_the_most_recently_asked_stops(aiohttp_client: Any,
                                                                   tmp_path: Any) -> None:
    from displays.app import create_app
    from displays.service.jobs import refresh_boards
    from displays.web.appkeys import runtime
    client = await aiohttp_client(create_app(suite_settings(data_dir=tmp_path, max_recent_stops=2)))
    rt = runtime(client.app)
    for stop in ("de:07315:1002", "de:07315:1003", "de:07315:1004"):
        assert (await client.get(f"/api/v1/stops/{stop}/departures")).status == 200
    rt.recent_stops["stop:de:de:07315:1002"] -= 5      # the oldest ask
    await refresh_boards(rt)
    assert set(rt.recent_stops) == {"stop:de:de:07315:1003", "stop:de:de:07315:1004"}

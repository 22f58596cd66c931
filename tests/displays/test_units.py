"""Pure pieces of the shell: parameters, search, themes, displays file, demo network, pillar."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from displays.board.pillar import build_pillar
from displays.board.text import fit, text_board
from displays.board.themes import THEMES, contrast_ratio, text_pairs
from displays.demo.network import build_demo_feed
from displays.service.config.displays_file import (
    DisplayConfigError,
    default_displays_file,
    load_displays,
)
from displays.service.stop_search import StopSearch, fold
from displays.web.params import ParamError, negotiate_lang, parse_filter, parse_instant, parse_int
from feeds import load_timetable
from tests.boards import board_of

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(scope="module")
def demo_tt(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("demo") / "demo.zip"
    path.write_bytes(build_demo_feed(dt.date(2026, 11, 21)))
    return load_timetable(path)


def test_fold_is_german_aware() -> None:
    assert fold("Höfchen/Listmann") == fold("hoefchen listmann") == "hofchen listmann"
    assert fold("Hbf") == "hauptbahnhof"
    assert fold("Mühldreieck") == fold("Muehldreieck")
    assert fold("Große Bleiche") == "grosse bleiche"


@pytest.mark.parametrize(("query", "expected"), [
    ("hbf", "Hauptbahnhof"), ("hoefchen", "Höfchen/Listmann"), ("Höfchen", "Höfchen/Listmann"),
    ("schiller", "Schillerplatz"), ("uni", "Universität"), ("buergerhaus", "Hechtsheim/Bürgerhaus"),
])
def test_search_finds_stations(demo_tt, query: str, expected: str) -> None:
    names = [demo_tt.stop_name[m.index] for m in StopSearch(demo_tt).search(query)]
    assert names and names[0] == expected


def test_nearby_is_sorted_by_distance(demo_tt) -> None:
    matches = StopSearch(demo_tt).nearby(50.0013, 8.2587, 800)
    assert demo_tt.stop_name[matches[0].index] == "Hauptbahnhof"
    distances = [m.distance_m for m in matches]
    assert distances == sorted(distances) and all(d <= 800 for d in distances)


def test_demo_network_has_night_bus_past_midnight_and_platforms(demo_tt) -> None:
    hbf = demo_tt.find_stop("de:07315:1001")
    assert demo_tt.stop_location_type[hbf] == 1
    codes = sorted(demo_tt.stop_platform[p] for p in demo_tt.platforms_of(hbf))
    assert codes == ["A", "C", "D", "L", "M"]
    night = [r for r in range(len(demo_tt.st_dep)) if demo_tt.st_dep[r] >= 24 * 3600]
    assert night, "the night bus runs past 24:00 on the previous service day"
    routes = {demo_tt.routes[int(demo_tt.trip_route[demo_tt.st_trip[r]])].id for r in night}
    assert "91" in routes
    night_bus = [r for r in range(len(demo_tt.st_dep))
                 if demo_tt.routes[int(demo_tt.trip_route[demo_tt.st_trip[r]])].id == "91"]
    assert min(int(demo_tt.st_dep[r]) for r in night_bus) >= 24 * 3600
    assert {r.type for r in demo_tt.routes} == {0, 3}


def test_demo_calendar_is_valid_around_today(demo_tt) -> None:
    first, last = demo_tt.calendar_range()
    assert first <= dt.date(2026, 11, 21) - dt.timedelta(days=1)
    assert last >= dt.date(2026, 11, 21) + dt.timedelta(days=300)


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_theme_contrast(theme: str) -> None:
    minimum = 7.0 if theme in ("contrast", "epaper") else 4.5
    for what, fg, bg in text_pairs(THEMES[theme]):
        assert contrast_ratio(fg, bg) >= minimum, (theme, what)


def test_contrast_ratio_reference_values() -> None:
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)


def test_params() -> None:
    assert parse_instant("2026-03-29T06:30:00+02:00", BERLIN) == 1774758600
    assert parse_instant("2026-03-29T06:30:00", BERLIN) == 1774758600
    with pytest.raises(ParamError, match="at"):
        parse_instant("yesterday", BERLIN)
    assert parse_int({"window": "240"}, "window", 60, 1, 240) == 240
    assert parse_int({}, "window", 60, 1, 240) == 60
    with pytest.raises(ParamError, match="window: must be between 1 and 240"):
        parse_int({"window": "9999"}, "window", 60, 1, 240)
    with pytest.raises(ParamError, match="limit"):
        parse_int({"limit": "abc"}, "limit", 10, 1, 100)
    flt = parse_filter({"route": "50, 52", "direction": "1", "platform": "L"})
    assert flt.routes == {"50", "52"} and flt.direction == 1 and flt.platforms == {"L"}
    with pytest.raises(ParamError):
        parse_filter({"direction": "2"})


def test_language_negotiation() -> None:
    assert negotiate_lang({}, None) == "de"
    assert negotiate_lang({}, "en-GB,en;q=0.9,de;q=0.5") == "en"
    assert negotiate_lang({}, "fr-FR, de;q=0.3, en;q=0.2") == "de"
    assert negotiate_lang({"lang": "en"}, "de") == "en"
    with pytest.raises(ParamError):
        negotiate_lang({"lang": "xx"}, None)


def test_demo_displays_file_and_errors(tmp_path: Path) -> None:
    displays = load_displays(default_displays_file())
    assert {"hbf-tram", "schillerplatz-50", "hoefchen-epaper"} <= set(displays)
    assert displays["hbf-tram"].filter.platforms == {"L", "M"}
    assert displays["schillerplatz-50"].filter.routes == {"50"}
    assert displays["hoefchen-epaper"].theme == "epaper"
    bad = tmp_path / "bad.toml"
    bad.write_text('[displays.x]\nstops = ["a"]\ntheme = "neon"\n')
    with pytest.raises(DisplayConfigError, match="theme"):
        load_displays(bad)


def _document(status: str = "live") -> dict:
    dep = {"trip_id": "t", "service_date": "2026-11-21", "stop_id": "s", "stop_sequence": 10,
           "route": {"id": "50", "short_name": "50", "long_name": None, "type": 0,
                     "color": "E2001A", "text_color": "FFFFFF"},
           "headsign": "Hechtsheim/Bürgerhaus", "scheduled": "2026-11-21T14:03:00+01:00",
           "predicted": "2026-11-21T14:06:00+01:00", "delay_s": 180, "realtime": True,
           "status": "scheduled", "platform": "L", "platform_changed": True, "on_request": False,
           "approximate": False, "frequency": None, "wheelchair_accessible": True,
           "occupancy": None, "alert_ids": []}
    cancelled = dict(dep, trip_id="u", predicted=None, delay_s=None, status="cancelled",
                     platform_changed=False, scheduled="2026-11-21T14:00:30+01:00")
    return {"stop": {"id": "s", "name": "Hauptbahnhof"},
            "generated_at": "2026-11-21T14:00:00+01:00",
            "realtime": {"status": status, "feed_timestamp": None},
            "departures": [cancelled, dep], "alerts": [
                {"id": "a", "header": "Linie 80: Umleitung", "description": None,
                 "effect": "DETOUR", "severity": "WARNING", "source": "operator"}]}


def test_pillar_wording_german() -> None:
    pillar = build_pillar(board_of(_document()), "de")
    cancelled, delayed = pillar.rows
    assert cancelled.status_text == "fällt aus"
    assert delayed.when_text == "in 6 min" and delayed.delay == "+3"
    assert delayed.platform_label == "Steig" and delayed.platform_changed
    assert pillar.ticker == ("Linie 80: Umleitung",)
    assert pillar.status_line == "Echtzeit · Stand 14:00", "the status line is always there"
    assert pillar.platform_header == "Steig"


def test_pillar_stale_says_fahrplandaten_and_english() -> None:
    pillar = build_pillar(board_of(_document("stale")), "de")
    assert pillar.status_line == "Stand 14:00 – Fahrplandaten"
    english = build_pillar(board_of(_document("unavailable")), "en")
    assert english.rows[0].status_text == "cancelled"
    assert english.status_line == "As of 14:00 – timetable data"


def test_text_board_respects_width() -> None:
    pillar = build_pillar(board_of(_document()), "de")
    text = text_board(pillar, 24)
    assert all(len(line) <= 24 for line in text.splitlines())
    assert "fällt aus" in text and "Hechtsh" in text and "in 6 min" in text
    assert "+3" not in text, "a narrow sign shows the countdown, which includes the delay"
    wide = text_board(pillar, 40)
    assert "in 6 min 14:03+3" in wide, "the delay stands beside the scheduled time only"
    assert [line.split()[2] for line in wide.splitlines()[1:3]] == ["L", "L"], "platforms"
    assert fit("Höfchen/Listmann", 8) == "Höfchen…"


def test_pillar_sorts_notices_by_display_type() -> None:
    document = _document()
    document["alerts"] = [
        {"id": "t", "header": "Haltestelle verlegt", "description": "50 m weiter",
         "effect": "STOP_MOVED", "severity": "WARNING", "source": "operator",
         "display": "takeover", "audio": "Achtung, die Haltestelle ist verlegt"},
        {"id": "a", "header": "Linie 54: Umleitung", "description": None, "effect": "DETOUR",
         "severity": "INFO", "source": "operator", "display": "alternate"},
        {"id": "g", "header": "Aufzug defekt", "description": None, "effect": "OTHER_EFFECT",
         "severity": "INFO", "source": "gtfs-rt"},
    ]
    pillar = build_pillar(board_of(document), "de")
    assert [(m.header, m.description) for m in pillar.takeover] == [
        ("Haltestelle verlegt", "50 m weiter")]
    assert [m.header for m in pillar.alternate] == ["Linie 54: Umleitung"]
    assert pillar.ticker == ("Aufzug defekt",)
    text = text_board(pillar, 40)
    assert "Haltestelle verlegt" in text and "50 m weiter" in text
    assert "Hechtsheim" not in text, "a takeover replaces the departures"


def test_document_etag_ignores_refresh_instant_and_feed_timestamp() -> None:
    from displays.service.cluster.board_cache import document_etag
    first = _document()
    later = _document()
    later["generated_at"] = "2026-11-21T14:00:20+01:00"
    later["realtime"] = {"status": "live", "feed_timestamp": "2026-11-21T14:00:15+01:00"}
    assert document_etag(first) == document_etag(later)
    stale = _document("stale")
    assert document_etag(stale) != document_etag(first)
    moved = _document()
    moved["departures"][1]["predicted"] = "2026-11-21T14:07:00+01:00"
    assert document_etag(moved) != document_etag(first)


def test_pillar_html_is_identical_within_a_minute() -> None:
    from displays.board.html import make_environment, render_board_html
    env = make_environment()

    def html(generated: str) -> bytes:
        document = _document()
        document["generated_at"] = generated
        return render_board_html(env, build_pillar(board_of(document), "de"), theme="lcd",
                                 refresh=30, demo=False, route_colours=True)

    assert html("2026-11-21T14:00:05+01:00") == html("2026-11-21T14:00:25+01:00")
    assert html("2026-11-21T14:00:05+01:00") != html("2026-11-21T14:01:05+01:00")


def test_settings_from_environment_name_the_bad_key() -> None:
    from displays.service.config.settings import SettingsError, load_settings
    settings = load_settings({"ABFAHRT_FETCH_TIMEOUT": "2.5", "ABFAHRT_TRUSTED_PROXIES":
                              "10.0.0.1, 10.0.0.2", "ABFAHRT_COUNTDOWN_HORIZON": "15",
                              "ABFAHRT_REALTIME": "https://a.example/tu.pb /x/alerts.pb"},
                             port=9000)
    assert settings.fetch_timeout_s == 2.5 and settings.port == 9000
    assert settings.trusted_proxies == ("10.0.0.1", "10.0.0.2")
    assert settings.realtime == ("https://a.example/tu.pb", "/x/alerts.pb")
    assert settings.countdown_horizon_min == 15 and not settings.simulate_realtime
    with pytest.raises(SettingsError, match="ABFAHRT_MAX_AGE"):
        load_settings({"ABFAHRT_MAX_AGE": "soon"})
    with pytest.raises(SettingsError, match="ABFAHRT_PORT"):
        load_settings({"ABFAHRT_PORT": "70000"})


def test_client_key_believes_only_trusted_proxies() -> None:
    from aiohttp.test_utils import make_mocked_request

    from displays.web.http import client_key
    request = make_mocked_request("GET", "/", headers={"X-Forwarded-For": "1.2.3.4, 10.0.0.1"})
    # make_mocked_request has no peer: remote is None -> "unknown"
    assert client_key(request, ()) == "unknown"
    assert client_key(request, ("unknown", "10.0.0.1")) == "1.2.3.4"


@pytest.mark.parametrize("text", ["9999-12-31T23:30:00+00:00", "0001-01-01T00:30:00+01:00",
                                  "1969-12-31T23:00:00Z", "3000-01-01T00:00:00Z"])
def test_instants_outside_the_supported_range_are_parameter_errors(text: str) -> None:
    with pytest.raises(ParamError, match="outside"):
        parse_instant(text, BERLIN)


def test_rate_limiter_flood_does_not_reset_an_abuser() -> None:
    from displays.web.rate_limit import RateLimiter
    limiter = RateLimiter(60, max_keys=100)
    now = 1000.0
    while limiter.check("abuser", now) == 0:
        pass
    assert limiter.check("abuser", now) > 0
    for n in range(300):                       # a flood of fresh addresses, abuser still busy
        limiter.check(f"10.0.{n // 256}.{n % 256}", now)
        assert limiter.check("abuser", now) > 0, "the flood reset the abuser's bucket"
    assert len(limiter.buckets) <= 100


def test_clock_starts_at_the_given_instant_and_runs_on() -> None:
    from displays.service.clock import Clock, FakeClock
    wall = [1_000_000.0]
    clock = Clock(start_at=1_774_747_800, wall=lambda: wall[0])
    assert clock.now() == 1_774_747_800 and not clock.is_wall
    wall[0] += 61.5
    assert clock.now() == 1_774_747_861
    assert clock.today(BERLIN) == dt.date(2026, 3, 29)
    assert Clock(wall=lambda: 5.0).now() == 5 and Clock(wall=lambda: 5.0).is_wall
    fake = FakeClock(100)
    fake.advance(20)
    assert fake.now() == 120
    fake.set(7)
    assert fake.now() == 7


def test_settings_take_the_clock_and_the_row_limits_from_the_environment() -> None:
    from displays.service.config.settings import SettingsError, load_settings
    settings = load_settings({"ABFAHRT_CLOCK": "2026-03-29T03:30:00+02:00",
                              "ABFAHRT_DEFAULT_LIMIT": "20", "ABFAHRT_MAX_LIMIT": "40"})
    assert settings.clock_start == 1_774_747_800
    assert (settings.default_limit, settings.max_limit) == (20, 40)
    for env, says in (({"ABFAHRT_CLOCK": "2026-03-29T03:30:00"}, "UTC offset"),
                      ({"ABFAHRT_CLOCK": "gestern"}, "ISO 8601"),
                      ({"ABFAHRT_DEFAULT_LIMIT": "50", "ABFAHRT_MAX_LIMIT": "40"}, "above")):
        with pytest.raises(SettingsError, match=says):
            load_settings(env)

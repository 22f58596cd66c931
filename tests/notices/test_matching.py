"""Which notices a board shows at an instant (pure; the instant is an argument)."""

from __future__ import annotations

from typing import Any

import pytest

from displays.board.alert import Placement
from displays.board.document import alert_document
from displays.board.notice_rules import (
    BoardScope,
    DailyWindow,
    RouteTarget,
    build_scope,
    build_serving,
)
from displays.notices.alerts import header_and_description, notice_alert, post_notices
from displays.notices.matching import applies_to, is_active
from displays.notices.model import Status
from feeds import Timetable
from tests.notices.conftest import BERLIN, HBF, HOEFCHEN, SCHILLER, local, make_notice


def scope_of(tt: Timetable, stop_id: str, displays: dict[str, Any] | None = None,
             display: str | None = None) -> BoardScope:
    serving = build_serving(tt)
    stops = [tt.find_stop(stop_id)] if display is None else [
        tt.find_stop(s) for s in (displays or {})[display].stops]
    return build_scope(tt, serving, stops, (displays or {}).get(display) if display else None)


def test_validity_is_start_inclusive_end_exclusive() -> None:
    notice = make_notice(valid_from=local("2026-03-02 06:00"),
                         valid_until=local("2026-03-02 09:00"))
    assert not is_active(notice, local("2026-03-02 06:00") - 1, BERLIN)
    assert is_active(notice, local("2026-03-02 06:00"), BERLIN)
    assert is_active(notice, local("2026-03-02 09:00") - 1, BERLIN)
    assert not is_active(notice, local("2026-03-02 09:00"), BERLIN)


@pytest.mark.parametrize("status", [Status.DRAFT, Status.WITHDRAWN])
def test_only_published_notices_show(status: Status) -> None:
    assert not is_active(make_notice(status=status), local("2026-03-02 08:00"), BERLIN)


def test_weekdays_and_daily_window_in_local_time() -> None:
    notice = make_notice(weekdays=(1, 2, 3, 4, 5), daily=DailyWindow(6 * 60, 9 * 60))
    assert is_active(notice, local("2026-03-02 06:00"), BERLIN)        # Monday
    assert not is_active(notice, local("2026-03-02 09:00"), BERLIN)
    assert not is_active(notice, local("2026-03-02 05:59"), BERLIN)
    assert not is_active(notice, local("2026-03-07 07:00"), BERLIN)    # Saturday
    # after the switch to summer time the window stays at 06:00 local, not 06:00 UTC+1
    assert is_active(notice, local("2026-03-30 06:30"), BERLIN)
    assert not is_active(notice, local("2026-03-30 05:30"), BERLIN)


def test_window_over_midnight_belongs_to_the_day_it_starts() -> None:
    notice = make_notice(weekdays=(5,), daily=DailyWindow(22 * 60, 2 * 60))   # Friday nights
    assert is_active(notice, local("2026-03-06 23:00"), BERLIN)        # Friday 23:00
    assert is_active(notice, local("2026-03-07 01:30"), BERLIN)        # Saturday 01:30
    assert not is_active(notice, local("2026-03-07 23:00"), BERLIN)    # Saturday 23:00
    assert not is_active(notice, local("2026-03-06 01:30"), BERLIN)    # Friday 01:30 (Thu)
    assert not is_active(notice, local("2026-03-06 12:00"), BERLIN)


def test_stop_target_covers_station_and_platforms(demo_tt: Timetable) -> None:
    station = make_notice(stops=(HBF,))
    platform_a = make_notice(stops=(f"{HBF}:A",))
    assert applies_to(station, scope_of(demo_tt, HBF))
    assert applies_to(station, scope_of(demo_tt, f"{HBF}:C"))          # platform of the station
    assert applies_to(platform_a, scope_of(demo_tt, HBF))              # station lists A
    assert applies_to(platform_a, scope_of(demo_tt, f"{HBF}:A"))
    assert not applies_to(platform_a, scope_of(demo_tt, f"{HBF}:C"))   # a sibling platform
    assert not applies_to(station, scope_of(demo_tt, SCHILLER))


def test_route_target_follows_the_timetable(demo_tt: Timetable) -> None:
    serving = build_serving(demo_tt)
    schiller = {r for p in demo_tt.platforms_of(demo_tt.find_stop(SCHILLER))
                for r, _ in serving.get(p, ())}
    hoefchen = {r for p in demo_tt.platforms_of(demo_tt.find_stop(HOEFCHEN))
                for r, _ in serving.get(p, ())}
    only_schiller = sorted(schiller - hoefchen)
    assert only_schiller, "the demo network has a route at Schillerplatz not at Höfchen"
    notice = make_notice(routes=(RouteTarget(only_schiller[0]),))
    assert applies_to(notice, scope_of(demo_tt, SCHILLER))
    assert not applies_to(notice, scope_of(demo_tt, HOEFCHEN))


def test_route_direction(demo_tt: Timetable) -> None:
    platform = demo_tt.find_stop(f"{SCHILLER}:1")
    pairs = build_serving(demo_tt)[platform]
    route, direction = sorted(pairs)[0]
    other = 1 - direction
    scope = scope_of(demo_tt, f"{SCHILLER}:1")
    assert applies_to(make_notice(routes=(RouteTarget(route, direction),)), scope)
    assert applies_to(make_notice(routes=(RouteTarget(route, other),)), scope) == (
        (route, other) in pairs)


def test_display_target_and_display_filter(demo_tt: Timetable,
                                           demo_displays: dict[str, Any]) -> None:
    tram = scope_of(demo_tt, HBF, demo_displays, "hbf-tram")           # platforms L and M only
    assert applies_to(make_notice(displays=("hbf-tram",)), tram)
    assert not applies_to(make_notice(displays=("uni-en",)), tram)
    assert applies_to(make_notice(stops=(f"{HBF}:L",)), tram)
    assert not applies_to(make_notice(stops=(f"{HBF}:A",)), tram)      # bus platform
    assert applies_to(make_notice(stops=(HBF,)), tram)
    line50 = scope_of(demo_tt, SCHILLER, demo_displays, "schillerplatz-50")
    assert line50.routes == {"50"}
    assert not applies_to(make_notice(displays=("hbf-tram",)), scope_of(demo_tt, HBF))


def test_all_targets_every_board(demo_tt: Timetable) -> None:
    notice = make_notice(everywhere=True)
    assert all(applies_to(notice, scope_of(demo_tt, s)) for s in (HBF, SCHILLER, HOEFCHEN))


def test_board_order_is_priority_then_display_type(demo_tt: Timetable) -> None:
    at = local("2026-03-02 08:00")
    notices = [make_notice("op-c", everywhere=True, priority=3),
               make_notice("op-b", everywhere=True, priority=1, display=Placement.TICKER),
               make_notice("op-a", everywhere=True, priority=1, display=Placement.TAKEOVER),
               make_notice("op-x", stops=(HOEFCHEN,), priority=1),
               make_notice("op-d", everywhere=True, valid_until=at)]
    posted = post_notices(notices, demo_tt, {}, at)
    chosen = posted.for_board(scope_of(demo_tt, SCHILLER), at, BERLIN)
    assert [n.id for n in chosen] == ["op-a", "op-b", "op-c"]


def test_header_is_first_line_unless_given() -> None:
    two_lines = make_notice(text={"de": "Umleitung Linie 50\nHaltestelle verlegt.",
                                  "en": "Detour line 50"})
    assert header_and_description(two_lines, "de") == ("Umleitung Linie 50",
                                                       "Haltestelle verlegt.")
    assert header_and_description(two_lines, "en") == ("Detour line 50", None)
    assert header_and_description(two_lines, "fr")[0] == "Umleitung Linie 50"
    long = make_notice(text={"de": "x" * 300})
    header, description = header_and_description(long, "de")
    assert len(header) == 200 and header.endswith("…") and description == "x" * 300
    explicit = make_notice(text={"de": "Ganzer Text"}, header={"de": "Kurz"})
    assert header_and_description(explicit, "de") == ("Kurz", "Ganzer Text")


def test_alert_shape() -> None:
    alert = alert_document(notice_alert(make_notice(priority=2, display=Placement.TAKEOVER)),
                           "de")
    assert alert == {"id": "op-test", "header": "Hinweis", "description": None,
                     "effect": "UNKNOWN_EFFECT", "severity": "UNKNOWN_SEVERITY",
                     "source": "operator", "display": "takeover", "priority": 2,
                     "audio": "Hinweis", "lang": "de", "audio_lang": "de"}

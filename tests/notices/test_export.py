"""Notices as GTFS-RT ServiceAlerts: built as the JSON mapping, encoded, decoded again."""

from __future__ import annotations

from typing import Any

from google.transit import gtfs_realtime_pb2 as pb

from displays.board.build import upstream_alert
from displays.board.notice_rules import DailyWindow, RouteTarget
from displays.notices.alerts import active_periods, post_notices
from displays.notices.export import build_alerts_feed
from displays.notices.model import Cause, Effect, Severity, Status
from feeds import Timetable
from realtime.encode import encode_feed_dict
from realtime.records import Alert, EntitySelector, TimeRange, Translation
from tests.notices.conftest import BERLIN, HBF, SCHILLER, local, make_notice

AT = local("2026-03-02 08:00")


def decode(feed: dict[str, Any]) -> Any:
    message = pb.FeedMessage()
    message.ParseFromString(encode_feed_dict(feed))
    return message


def test_round_trip(demo_tt: Timetable, demo_displays: dict[str, Any]) -> None:
    notices = [
        make_notice("op-route", text={"de": "Umleitung\nLinie 50 fährt über Bahnstraße",
                                      "en": "Detour\nLine 50 via Bahnstraße"},
                    audio_text={"de": "Achtung, Umleitung der Linie 50."},
                    routes=(RouteTarget("50", 1),), stops=(SCHILLER,),
                    valid_from=local("2026-03-02 06:00"), valid_until=local("2026-03-04 20:00"),
                    cause=Cause.CONSTRUCTION, effect=Effect.DETOUR, severity=Severity.WARNING,
                    url="https://example.org/umleitung"),
        make_notice("op-all", everywhere=True, valid_from=local("2026-03-01 00:00")),
        make_notice("op-display", displays=("schillerplatz-50",)),
        make_notice("op-draft", everywhere=True, status=Status.DRAFT),
        make_notice("op-over", everywhere=True, valid_until=AT),
    ]
    upstream = [Alert("rt-1", (TimeRange(AT - 60, None),), (EntitySelector(stop_id=HBF),),
                      effect="NO_SERVICE", header=(Translation("Gesperrt", "de"),))]
    posted = post_notices(notices, demo_tt, demo_displays, AT).current(AT)
    message = decode(build_alerts_feed(posted, AT, [upstream_alert(a, demo_tt) for a in upstream]))
    assert message.header.gtfs_realtime_version == "2.0"
    assert message.header.incrementality == pb.FeedHeader.FULL_DATASET
    assert message.header.timestamp == AT
    by_id = {e.id: e.alert for e in message.entity}
    assert set(by_id) == {"op-route", "op-all", "op-display", "rt-1"}   # no draft, nothing over
    route = by_id["op-route"]
    assert [(p.start, p.end) for p in route.active_period] == [
        (local("2026-03-02 06:00"), local("2026-03-04 20:00"))]
    assert [(s.route_id, s.HasField("direction_id") and s.direction_id, s.stop_id)
            for s in route.informed_entity] == [("", False, SCHILLER), ("50", 1, "")]
    assert {(t.language, t.text) for t in route.header_text.translation} == {
        ("de", "Umleitung"), ("en", "Detour")}
    assert {(t.language, t.text) for t in route.description_text.translation} == {
        ("de", "Linie 50 fährt über Bahnstraße"), ("en", "Line 50 via Bahnstraße")}
    assert route.tts_description_text.translation[0].text == "Achtung, Umleitung der Linie 50."
    assert route.url.translation[0].text == "https://example.org/umleitung"
    assert route.cause == pb.Alert.CONSTRUCTION and route.effect == pb.Alert.DETOUR
    assert route.severity_level == pb.Alert.WARNING
    everywhere = by_id["op-all"]
    assert [s.agency_id for s in everywhere.informed_entity] == ["MVG-DEMO"]
    assert not everywhere.active_period[0].HasField("end")              # open end
    display = by_id["op-display"]
    assert [(s.route_id, s.stop_id) for s in display.informed_entity] == [("50", SCHILLER)]
    assert by_id["rt-1"].informed_entity[0].stop_id == HBF
    assert by_id["rt-1"].effect == pb.Alert.NO_SERVICE


def test_weekly_pattern_becomes_one_period_per_shown_stretch() -> None:
    notice = make_notice(weekdays=(1, 3), daily=DailyWindow(6 * 60, 9 * 60),
                         valid_from=local("2026-03-02 00:00"),
                         valid_until=local("2026-03-12 00:00"))
    assert active_periods(notice, AT, BERLIN) == [
        (local("2026-03-02 06:00"), local("2026-03-02 09:00")),      # Monday
        (local("2026-03-04 06:00"), local("2026-03-04 09:00")),      # Wednesday
        (local("2026-03-09 06:00"), local("2026-03-09 09:00")),
        (local("2026-03-11 06:00"), local("2026-03-11 09:00")),
    ]


def test_whole_weekdays_merge_and_clip_to_validity() -> None:
    notice = make_notice(weekdays=(6, 7), valid_from=local("2026-03-07 12:00"),
                         valid_until=local("2026-03-08 18:00"))
    assert active_periods(notice, AT, BERLIN) == [
        (local("2026-03-07 12:00"), local("2026-03-08 18:00"))]


def test_night_window_over_dst_change() -> None:
    notice = make_notice(weekdays=(6,), daily=DailyWindow(22 * 60, 4 * 60),
                         valid_from=local("2026-03-28 00:00"),
                         valid_until=local("2026-03-30 00:00"))
    # Saturday 22:00 (UTC+1) to Sunday 04:00 (UTC+2): five real hours
    [(start, end)] = active_periods(notice, local("2026-03-28 08:00"), BERLIN)
    assert (start, end) == (local("2026-03-28 22:00"), local("2026-03-29 04:00"))
    assert end - start == 5 * 3600

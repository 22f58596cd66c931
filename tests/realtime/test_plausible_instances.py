"""A trip update applies to the instance its start_date names only when that instance can be the
one meant (issue 28.1): a stop predicted beyond the plausibility bound, or a run that ended more
than that bound before the header time, is refused, counted, and hinted; never listed twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from google.transit import gtfs_realtime_pb2 as pb

from displays.cli.main import main
from displays.service.live.health import realtime_hint
from feeds import Timetable
from realtime.instances import DEFAULT_MAX_DELAY_S
from realtime.parse import parse_feed
from realtime.reasons import Reason
from realtime.state import RealtimeState
from tests.realtime.conftest import TS, apply, board, hm, only
from tests.realtime.rt_builder import feed_bytes, stu, trip_update

CALTRAIN = "caltrain-2023/trip-updates-20231108T010534Z.pb"


def dated(raw: bytes, start_date: str) -> bytes:
    """The capture with every trip update's start_date set to `start_date`."""
    message = pb.FeedMessage()
    message.ParseFromString(raw)
    for entity in message.entity:
        entity.trip_update.trip.start_date = start_date
    return bytes(message.SerializeToString())


@pytest.fixture
def yesterday(shared_data: Path, tmp_path: Path) -> Path:
    path = tmp_path / "yesterday.pb"
    path.write_bytes(dated((shared_data / CALTRAIN).read_bytes(), "20231106"))
    return path


def test_yesterdays_instance_is_refused_and_each_trip_listed_once(
        shared_data: Path, yesterday: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["departures", "--feed", str(shared_data / "caltrain-2023/gtfs.zip"),
                 "--realtime", str(yesterday), "--stop", "70061",
                 "--at", "2023-11-07T17:06:00-08:00", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    deps = json.loads(out)["departures"]
    keys = [(d["trip_id"], d["stop_id"]) for d in deps]
    assert deps and len(keys) == len(set(keys))
    assert all(d["service_date"] == "2023-11-07" and not d["realtime"] for d in deps)
    assert "19 of 19 trip updates name an instance that cannot be the one meant" in err


def test_rt_info_counts_and_hints(shared_data: Path, yesterday: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["rt-info", str(yesterday), "--feed",
                 str(shared_data / "caltrain-2023/gtfs.zip"), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    info = json.loads(out)
    assert info["merge"]["trip_updates"]["rejected"] == {"instance_in_past": 19}
    assert info["merge"]["trip_updates"]["implausible"] == 19
    assert "start_date" in info["hint"]


def test_the_real_capture_is_still_applied(shared_data: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["rt-info", str(shared_data / CALTRAIN), "--feed",
                 str(shared_data / "caltrain-2023/gtfs.zip"), "--json"])
    info = json.loads(capsys.readouterr()[0])
    assert code == 0 and info["merge"]["trip_updates"]["matched"] == 19
    assert info["merge"]["trip_updates"]["implausible"] == 0 and info["hint"] is None


def test_a_delay_beyond_the_bound_is_refused(tt: Timetable) -> None:
    late = DEFAULT_MAX_DELAY_S + 60
    state = apply(tt, trip_update("e", "T1", stu(20, dep_delay=late), start_date="20260615"))
    stats = state.feed("tu").stats
    assert dict(stats.rejected) == {Reason.IMPLAUSIBLY_LATE: 1} and stats.implausible == 1
    assert not only(board(tt, "A", hm("10:05"), state), "T1").realtime
    assert realtime_hint(tt, stats, TS) is not None
    # the bound is an argument: a larger one takes the same update
    wider = RealtimeState().apply(
        "tu", parse_feed(feed_bytes(TS, trip_update("e", "T1", stu(20, dep_delay=late),
                                                    start_date="20260615"))),
        tt, max_delay_s=late)
    assert wider.feed("tu").stats.trip_updates_matched == 1


def test_a_late_trip_past_its_scheduled_end_is_still_meant(tt: Timetable) -> None:
    # T1 ends at 10:40; at 10:50 it runs 15 min late: its instance is the one meant
    state = apply(tt, trip_update("e", "T1", stu(40, dep_delay=900), start_date="20260615"),
                  ts=hm("10:50"))
    assert state.feed("tu").stats.trip_updates_matched == 1
    assert only(board(tt, "C", hm("10:40"), state), "T1").delay_s == 900


def test_an_instance_ended_beyond_the_bound_is_refused(tt: Timetable) -> None:
    # yesterday's T1 (ended 2026-06-14 10:40) at today's 09:55: not the instance meant,
    # however small its delay
    state = apply(tt, trip_update("e", "T1", stu(20, dep_delay=60), start_date="20260614"))
    assert dict(state.feed("tu").stats.rejected) == {Reason.INSTANCE_IN_PAST: 1}
    # a cancellation of it neither
    cancelled = apply(tt, trip_update("e", "T1", start_date="20260614", relationship=3))
    assert dict(cancelled.feed("tu").stats.rejected) == {Reason.INSTANCE_IN_PAST: 1}


def test_the_service_takes_the_bound_from_its_settings() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from displays.service.cluster.keys import Keys
    from displays.service.config.settings import SettingsError, load_settings
    from displays.service.live.hub import RealtimeHub
    from displays.service.metrics import Metrics

    assert load_settings({}).max_delay_s == DEFAULT_MAX_DELAY_S
    settings = load_settings({"ABFAHRT_MAX_DELAY": "7200"})
    with ThreadPoolExecutor(max_workers=1) as worker:
        hub = RealtimeHub.from_settings(settings, None, Keys(), Metrics(), worker)
    assert hub.max_delay_s == 7200
    with pytest.raises(SettingsError):
        load_settings({"ABFAHRT_MAX_DELAY": "60"})

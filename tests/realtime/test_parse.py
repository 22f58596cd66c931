"""Decoding: presence (unset ≠ 0), header checks, bad bytes, and every real capture."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from google.transit import gtfs_realtime_pb2 as pb

from realtime.encode import encode_feed_dict
from realtime.errors import FeedDecodeError, FeedHeaderInvalid
from realtime.parse import parse_feed
from realtime.records import Incrementality, StopRelationship, TripRelationship
from tests.realtime.rt_builder import STU, feed_bytes, message, stu, trip_update, vehicle


def test_unset_delay_is_none_and_explicit_zero_is_zero() -> None:
    data = feed_bytes(1_700_000_000, trip_update("e", "T1", stu(10, dep_time=1_700_000_100),
                                                 stu(20, dep_delay=0)))
    [tu] = parse_feed(data).trip_updates
    first, second = tu.stop_time_updates
    assert first.departure is not None and second.departure is not None
    assert (first.departure.delay, first.departure.time) == (None, 1_700_000_100)
    assert (second.departure.delay, second.departure.time) == (0, None)
    assert (first.arrival, first.stop_id, first.relationship) == (None, None,
                                                                  StopRelationship.SCHEDULED)


def test_unset_direction_id_is_none_and_zero_is_zero() -> None:
    data = feed_bytes(1_700_000_000, trip_update("a", "T1"),
                      trip_update("b", "T2", direction_id=0, relationship=pb.TripDescriptor.NEW))
    a, b = parse_feed(data).trip_updates
    assert (a.trip.direction_id, b.trip.direction_id) == (None, 0)
    assert (a.trip.relationship, b.trip.relationship) == (TripRelationship.SCHEDULED,
                                                          TripRelationship.NEW)


def test_header_fields_and_entity_counts() -> None:
    data = feed_bytes(1_700_000_000, trip_update("a", "T1"), vehicle("v", "T1", occupancy=3))
    feed = parse_feed(data)
    assert (feed.header.version, feed.header.incrementality, feed.header.timestamp) == (
        "2.0", Incrementality.FULL_DATASET, 1_700_000_000)
    assert dict(feed.entity_counts) == {"trip_update": 1, "vehicle": 1, "alert": 0,
                                        "deleted": 0, "other": 0}
    assert feed.vehicles[0].occupancy == "STANDING_ROOM_ONLY"


def test_stop_time_properties_are_decoded() -> None:
    u = stu(10, assigned_stop_id="HBF:2", stop_headsign="Dom", pickup_type=2, occupancy=5,
            relationship=STU.NO_DATA)
    [tu] = parse_feed(feed_bytes(1_700_000_000, trip_update("e", "T1", u))).trip_updates
    got = tu.stop_time_updates[0]
    assert (got.assigned_stop_id, got.stop_headsign, got.pickup_type, got.departure_occupancy,
            got.relationship) == ("HBF:2", "Dom", 2, "FULL", StopRelationship.NO_DATA)


def test_milliseconds_header_timestamp_is_rejected() -> None:
    with pytest.raises(FeedHeaderInvalid, match="milliseconds"):
        parse_feed(feed_bytes(1_700_000_000_000))


def test_missing_header_timestamp_is_rejected() -> None:
    with pytest.raises(FeedHeaderInvalid, match="no timestamp"):
        parse_feed(feed_bytes(None))


@pytest.mark.parametrize("data", [b"this is not protobuf", b"\xff" * 64, b""],
                         ids=["text", "ff-bytes", "empty"])
def test_garbage_bytes_raise_decode_error(data: bytes) -> None:
    with pytest.raises(FeedDecodeError):
        parse_feed(data)


def test_truncated_capture_raises_decode_error(shared_data: Path) -> None:
    raw = (shared_data / "caltrain-2023" / "trip-updates-20231108T010534Z.pb").read_bytes()
    with pytest.raises(FeedDecodeError):
        parse_feed(raw[: len(raw) // 2])


def test_gzip_compressed_feed_is_inflated_and_bad_gzip_is_an_error() -> None:
    data = feed_bytes(1_700_000_000, trip_update("a", "T1"))
    assert len(parse_feed(gzip.compress(data)).trip_updates) == 1
    with pytest.raises(FeedDecodeError, match="gzip"):
        parse_feed(gzip.compress(data)[:20])


def test_encode_feed_dict_round_trips_and_refuses_non_feeds() -> None:
    as_dict = {"header": {"gtfsRealtimeVersion": "2.0", "timestamp": "1700000000"},
               "entity": [{"id": "a", "tripUpdate": {"trip": {"tripId": "T1"}}}]}
    assert parse_feed(encode_feed_dict(as_dict)).trip_updates[0].trip.trip_id == "T1"
    with pytest.raises(FeedDecodeError):
        encode_feed_dict({"header": {"nonsense": 1}})


def test_differential_incrementality_is_kept() -> None:
    msg = message(1_700_000_000, incrementality=pb.FeedHeader.DIFFERENTIAL)
    assert parse_feed(msg.SerializeToString()).header.incrementality is \
        Incrementality.DIFFERENTIAL


# (folder/file, header timestamp, trip updates, vehicles, alerts) — as in each SOURCE.md
REAL_FILES = [
    ("caltrain-2023/trip-updates-20231108T010534Z.pb", 1699405534, 19, 0, 0),
    ("caltrain-2023/vehicle-positions-20231108T010559Z.pb", 1699405559, 0, 14, 0),
    ("caltrain-2023/service-alerts-20231108T010546Z-empty.pb", 1699405546, 0, 0, 0),
    ("bart-2019/trip-updates-20190807T174521Z.pb", 1565199921, 91, 0, 0),
    ("bart-2019/trip-updates-20190528T020258Z.pb", 1559008978, 26, 0, 0),
    ("bart-2019/alerts-20190807T174542Z.pb", 1565199942, 0, 0, 1),
    ("auckland-2016/auckland-tripupdates-20160519080020.pb", 1463601620, 650, 0, 0),
    ("de-rt-samples/gtfsde-realtime-free-20250624T004345Z.pb", 1750725825, 5000, 0, 5180),
    ("de-rt-samples/vbn-tripupdates-20200318T064151Z.pb", 1584513711, 1559, 0, 0),
    ("nyct-rt-edgecases/a_division.pb", 1637960185, 285, 174, 1),
    ("edge-cases/bullrunner-vehicle-positions-20170913T145255Z.pb", 1505314375, 0, 10, 0),
]


@pytest.mark.parametrize(("name", "ts", "tus", "vps", "alerts"), REAL_FILES,
                         ids=[r[0].split("/")[1] for r in REAL_FILES])
def test_real_capture_counts(shared_data: Path, name: str, ts: int, tus: int, vps: int,
                             alerts: int) -> None:
    feed = parse_feed((shared_data / name).read_bytes())
    assert (feed.header.timestamp, len(feed.trip_updates), len(feed.vehicles),
            len(feed.alerts)) == (ts, tus, vps, alerts)


def test_every_shared_rt_file_parses(shared_data: Path) -> None:
    files = sorted(shared_data.glob("*/*.pb"))
    assert len(files) >= 23
    for path in files:
        feed = parse_feed(path.read_bytes())
        assert 10**9 < feed.header.timestamp < 2 * 10**9, path
        counts = dict(feed.entity_counts)
        assert sum(counts.values()) == (len(feed.trip_updates) + len(feed.vehicles)
                                        + len(feed.alerts) + counts["deleted"]
                                        + counts["other"]), path


def test_de_capture_stop_time_updates_and_alert_text(shared_data: Path) -> None:
    feed = parse_feed(
        (shared_data / "de-rt-samples/gtfsde-realtime-free-20250624T004345Z.pb").read_bytes())
    assert sum(len(t.stop_time_updates) for t in feed.trip_updates) == 87_593
    assert {t.trip.start_date for t in feed.trip_updates} == {"20250623", "20250624"}
    kinds = [("trip" if a.informed_entities[0].trip is not None else
              "stop" if a.informed_entities[0].stop_id is not None else "other")
             for a in feed.alerts]
    assert (kinds.count("trip"), kinds.count("stop"), kinds.count("other")) == (5033, 147, 0)

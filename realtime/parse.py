"""Decode GTFS-RT protobuf bytes into `realtime.records`, once. The only user of gtfs_realtime_pb2.

Every `HasField` check happens here (GTFS-RT best practice: check presence before use), so the
rest of the package sees None for "not given" and never a protobuf default.
"""

from __future__ import annotations

import gc
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from google.protobuf.message import DecodeError
from google.transit import gtfs_realtime_pb2 as pb

from realtime.errors import FeedDecodeError, FeedHeaderInvalid
from realtime.records import (
    Alert,
    EntitySelector,
    FeedHeader,
    Incrementality,
    RealtimeFeed,
    StopRelationship,
    StopTimeEvent,
    StopTimeUpdate,
    TimeRange,
    Translation,
    TripDescriptor,
    TripProperties,
    TripRelationship,
    TripUpdate,
    VehicleDescriptor,
    VehiclePosition,
)

MAX_SECONDS = 10**11          # a header timestamp above this is milliseconds (RTV E001)
MAX_INFLATED = 256 * 1024 * 1024


def _names(enum: Any) -> dict[int, str]:
    return {v.number: v.name for v in enum.DESCRIPTOR.values}


_TRIP_REL = {n: TripRelationship(s) for n, s in
             _names(pb.TripDescriptor.ScheduleRelationship).items()}
_STOP_REL = {n: StopRelationship(s) for n, s in
             _names(pb.TripUpdate.StopTimeUpdate.ScheduleRelationship).items()}
_OCCUPANCY = _names(pb.VehiclePosition.OccupancyStatus)
_WHEELCHAIR = _names(pb.VehicleDescriptor.WheelchairAccessible)
_CAUSE = _names(pb.Alert.Cause)
_EFFECT = _names(pb.Alert.Effect)
_SEVERITY = _names(pb.Alert.SeverityLevel)
_INCREMENTALITY = _names(pb.FeedHeader.Incrementality)


def parse_feed(data: bytes) -> RealtimeFeed:
    """Return the decoded feed; raise FeedDecodeError for bytes that are not a usable feed.

    gzip-compressed bytes are inflated first. The header must carry a timestamp in seconds.
    """
    if data[:2] == b"\x1f\x8b":      # 0x1f cannot start a FeedMessage (wire type 7)
        data = _gunzip(data)
    message = pb.FeedMessage()
    try:
        message.ParseFromString(data)
    except (DecodeError, RuntimeWarning, ValueError) as exc:
        raise FeedDecodeError(f"not a GTFS-RT FeedMessage ({exc})") from exc
    header = _header(message)
    with _no_cyclic_gc():
        return _entities(message, header)


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cycle collector while building ~10^5 acyclic records (halves decode time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _entities(message: Any, header: FeedHeader) -> RealtimeFeed:
    trip_updates: list[TripUpdate] = []
    vehicles: list[VehiclePosition] = []
    alerts: list[Alert] = []
    counts = {"trip_update": 0, "vehicle": 0, "alert": 0, "deleted": 0, "other": 0}
    for entity in message.entity:
        if entity.is_deleted:
            counts["deleted"] += 1       # only meaningful in DIFFERENTIAL feeds (RTV E039)
            continue
        if entity.HasField("trip_update"):
            counts["trip_update"] += 1
            trip_updates.append(_trip_update(entity.id, entity.trip_update))
        if entity.HasField("vehicle"):
            counts["vehicle"] += 1
            vehicles.append(_vehicle_position(entity.id, entity.vehicle))
        if entity.HasField("alert"):
            counts["alert"] += 1
            alerts.append(_alert(entity.id, entity.alert))
        if not (entity.HasField("trip_update") or entity.HasField("vehicle")
                or entity.HasField("alert")):
            counts["other"] += 1
    return RealtimeFeed(header=header, trip_updates=tuple(trip_updates),
                        vehicles=tuple(vehicles), alerts=tuple(alerts),
                        entity_counts=tuple(counts.items()))


def _gunzip(data: bytes) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, MAX_INFLATED)
    except zlib.error as exc:
        raise FeedDecodeError(f"bad gzip data ({exc})") from exc
    if inflater.unconsumed_tail:
        raise FeedDecodeError(f"gzip data inflates beyond {MAX_INFLATED} bytes")
    if not inflater.eof:
        raise FeedDecodeError("truncated gzip data")
    return out


def _header(message: Any) -> FeedHeader:
    if not message.HasField("header"):
        raise FeedHeaderInvalid("feed has no header")
    h = message.header
    if not h.HasField("timestamp") or h.timestamp == 0:
        raise FeedHeaderInvalid("feed header has no timestamp (RTV E048)")
    if h.timestamp > MAX_SECONDS:
        raise FeedHeaderInvalid(
            f"feed header timestamp {h.timestamp} is not POSIX seconds (milliseconds? RTV E001)")
    return FeedHeader(
        version=h.gtfs_realtime_version,
        incrementality=Incrementality(_INCREMENTALITY.get(h.incrementality, "FULL_DATASET")),
        timestamp=int(h.timestamp),
        feed_version=h.feed_version if h.HasField("feed_version") else None)


def _str(msg: Any, name: str) -> str | None:
    if msg.HasField(name):
        value: str = getattr(msg, name)
        return value or None
    return None


def _trip(t: Any) -> TripDescriptor:
    return TripDescriptor(
        trip_id=_str(t, "trip_id"), route_id=_str(t, "route_id"),
        direction_id=t.direction_id if t.HasField("direction_id") else None,
        start_time=_str(t, "start_time"), start_date=_str(t, "start_date"),
        relationship=_TRIP_REL.get(t.schedule_relationship, TripRelationship.SCHEDULED))


def _event(e: Any) -> StopTimeEvent:
    # hot path (one call per arrival/departure): positional construction, no helpers
    has = e.HasField
    return StopTimeEvent(
        e.delay if has("delay") else None,
        (e.time or None) if has("time") else None,
        e.uncertainty if has("uncertainty") else None,
        e.scheduled_time if has("scheduled_time") else None)


def _stop_time_update(u: Any) -> StopTimeUpdate:
    # hot path (one call per stop_time_update): positional construction, no helpers
    has = u.HasField
    assigned = headsign = None
    pickup = drop = None
    if has("stop_time_properties"):
        p = u.stop_time_properties
        assigned, headsign = _str(p, "assigned_stop_id"), _str(p, "stop_headsign")
        pickup = p.pickup_type if p.HasField("pickup_type") else None
        drop = p.drop_off_type if p.HasField("drop_off_type") else None
    return StopTimeUpdate(
        u.stop_sequence if has("stop_sequence") else None,
        (u.stop_id or None) if has("stop_id") else None,
        _event(u.arrival) if has("arrival") else None,
        _event(u.departure) if has("departure") else None,
        _STOP_REL.get(u.schedule_relationship, StopRelationship.SCHEDULED),
        assigned, headsign, pickup, drop,
        (_OCCUPANCY.get(u.departure_occupancy_status)
         if has("departure_occupancy_status") else None))


def _vehicle(v: Any) -> VehicleDescriptor:
    wheelchair = None
    if v.HasField("wheelchair_accessible"):
        name = _WHEELCHAIR.get(v.wheelchair_accessible)
        wheelchair = None if name == "NO_VALUE" else name
    return VehicleDescriptor(id=_str(v, "id"), label=_str(v, "label"), wheelchair=wheelchair)


def _trip_update(entity_id: str, tu: Any) -> TripUpdate:
    props = None
    if tu.HasField("trip_properties"):
        p = tu.trip_properties
        props = TripProperties(
            trip_id=_str(p, "trip_id"), start_date=_str(p, "start_date"),
            start_time=_str(p, "start_time"), trip_headsign=_str(p, "trip_headsign"),
            trip_short_name=_str(p, "trip_short_name"))
    return TripUpdate(
        entity_id=entity_id, trip=_trip(tu.trip),
        stop_time_updates=tuple(_stop_time_update(u) for u in tu.stop_time_update),
        delay=tu.delay if tu.HasField("delay") else None,
        timestamp=tu.timestamp if tu.HasField("timestamp") else None,
        properties=props,
        vehicle=_vehicle(tu.vehicle) if tu.HasField("vehicle") else None)


def _vehicle_position(entity_id: str, vp: Any) -> VehiclePosition:
    return VehiclePosition(
        entity_id=entity_id,
        trip=_trip(vp.trip) if vp.HasField("trip") else None,
        vehicle=_vehicle(vp.vehicle) if vp.HasField("vehicle") else None,
        occupancy=_OCCUPANCY.get(vp.occupancy_status) if vp.HasField("occupancy_status") else None,
        timestamp=vp.timestamp if vp.HasField("timestamp") else None,
        current_stop_sequence=(vp.current_stop_sequence if vp.HasField("current_stop_sequence")
                               else None),
        stop_id=_str(vp, "stop_id"))


def _translations(ts: Any) -> tuple[Translation, ...]:
    return tuple(Translation(text=t.text, language=_str(t, "language")) for t in ts.translation)


def _periods(ranges: Any) -> tuple[TimeRange, ...]:
    # an unset or 0 bound is open: a decoded 0 must not mean 1970 (OBA-Android#990)
    return tuple(TimeRange(start=r.start if r.HasField("start") and r.start else None,
                           end=r.end if r.HasField("end") and r.end else None) for r in ranges)


def _selector(s: Any) -> EntitySelector:
    return EntitySelector(
        agency_id=_str(s, "agency_id"), route_id=_str(s, "route_id"),
        route_type=s.route_type if s.HasField("route_type") else None,
        trip=_trip(s.trip) if s.HasField("trip") else None,
        stop_id=_str(s, "stop_id"),
        direction_id=s.direction_id if s.HasField("direction_id") else None)


def _alert(entity_id: str, a: Any) -> Alert:
    # active_period is the classic field; communication_period (newer) stands in when absent
    periods = _periods(a.active_period) or _periods(a.communication_period)
    return Alert(
        entity_id=entity_id, active_periods=periods,
        informed_entities=tuple(_selector(s) for s in a.informed_entity),
        cause=_CAUSE.get(a.cause) if a.HasField("cause") else None,
        effect=_EFFECT.get(a.effect) if a.HasField("effect") else None,
        severity=_SEVERITY.get(a.severity_level) if a.HasField("severity_level") else None,
        header=_translations(a.header_text) if a.HasField("header_text") else (),
        description=(_translations(a.description_text) if a.HasField("description_text")
                     else ()),
        url=_translations(a.url) if a.HasField("url") else ())


def encode_feed_dict(message: dict[str, Any]) -> bytes:
    """Return the protobuf bytes of a FeedMessage given as its JSON mapping (json_format names).

    The one way the project builds GTFS-RT (the demo simulation, the open-data alerts feed, test
    fixtures), so that nothing outside this module imports the protobuf classes; the bytes then
    go through `parse_feed` like any real feed. Raise FeedDecodeError for a dict that is no feed.
    """
    from google.protobuf import json_format

    try:
        return bytes(json_format.ParseDict(message, pb.FeedMessage()).SerializeToString())
    except (json_format.ParseError, TypeError, ValueError) as exc:
        raise FeedDecodeError(f"not a FeedMessage dict ({exc})") from exc

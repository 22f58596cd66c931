"""GTFS-RT protobuf bytes to `realtime.records`: the one reader of `gtfs_realtime_pb2`.

Every `HasField` check happens here (GTFS-RT best practice: check presence before use), so the
rest of the package sees None for "not given" and never a protobuf default. `read_message`
checks the bytes and the header; `entities` lists what each entity carries without decoding it;
the record builders (`trip_update`, `vehicle_position`, `alert`, `trip_descriptor`,
`selectors`) decode one entity each, on demand.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from typing import Any

from google.protobuf.message import DecodeError
from google.transit import gtfs_realtime_pb2 as pb

from realtime.errors import FeedDecodeError, FeedHeaderInvalid
from realtime.records import (
    Alert,
    EntitySelector,
    FeedHeader,
    Incrementality,
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


def read_message(data: bytes) -> tuple[Any, FeedHeader, bytes]:
    """Return the FeedMessage in `data`, its checked header and its bytes (gzip is inflated
    first); raise FeedDecodeError for bytes that are not a usable feed."""
    if data[:2] == b"\x1f\x8b":      # 0x1f cannot start a FeedMessage (wire type 7)
        data = _gunzip(data)
    message = pb.FeedMessage()
    try:
        message.ParseFromString(data)
    except (DecodeError, RuntimeWarning, ValueError) as exc:
        raise FeedDecodeError(f"not a GTFS-RT FeedMessage ({exc})") from exc
    return message, _header(message), data


def entities(message: Any) -> Iterator[tuple[Any, bool, Any, Any, Any]]:
    """Yield every entity of a FeedMessage, undecoded, as (entity, is_deleted, trip_update,
    vehicle, alert), the parts None where it has none (a plain tuple: ~10^4 per feed)."""
    for entity in message.entity:
        has = entity.HasField
        yield (entity, entity.is_deleted,
               entity.trip_update if has("trip_update") else None,
               entity.vehicle if has("vehicle") else None,
               entity.alert if has("alert") else None)


def entity_id(entity: Any) -> str:
    """The id of an undecoded entity."""
    return str(entity.id)


class TripView:
    """A TripDescriptor read field by field when asked: the pre-filter (`realtime.reach`)
    mostly needs one or two fields of an entity it will never decode."""

    __slots__ = ("_t",)

    def __init__(self, t: Any) -> None:
        self._t = t

    @property
    def trip_id(self) -> str | None:
        return self._t.trip_id or None

    @property
    def route_id(self) -> str | None:
        return self._t.route_id or None

    @property
    def direction_id(self) -> int | None:
        return self._t.direction_id if self._t.HasField("direction_id") else None

    @property
    def start_time(self) -> str | None:
        return self._t.start_time or None

    @property
    def start_date(self) -> str | None:
        return self._t.start_date or None

    @property
    def relationship(self) -> TripRelationship:
        return _TRIP_REL.get(self._t.schedule_relationship, TripRelationship.SCHEDULED)


def vehicle_trip(vp: Any) -> Any:
    """The undecoded TripDescriptor of a VehiclePosition, None when it names no trip."""
    return vp.trip if vp.HasField("trip") else None


def trip_ids(trips: list[Any]) -> list[str]:
    """The trip_id of each undecoded TripDescriptor ("" for None or none given)."""
    return [t.trip_id if t is not None else "" for t in trips]


def selector_keys(a: Any) -> list[tuple[bool, str, str, str]]:
    """What the pre-filter reads of an undecoded Alert's informed entities: per selector
    (names a trip, its trip_id, stop_id, route_id) — the trip's route for a trip selector;
    "" for not given."""
    out: list[tuple[bool, str, str, str]] = []
    for s in a.informed_entity:
        if s.HasField("trip"):
            t = s.trip
            out.append((True, t.trip_id, "", t.route_id))
        else:
            out.append((False, "", s.stop_id, s.route_id))
    return out


def selectors(a: Any) -> tuple[EntitySelector, ...]:
    """The informed entities of an undecoded Alert."""
    return tuple([_selector(s) for s in a.informed_entity])


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
    # an unset string field reads as "", which is "not given" here too: no HasField needed
    value: str = getattr(msg, name)
    return value or None


def trip_descriptor(t: Any) -> TripDescriptor:
    # hot path (every trip update and alert selector): positional construction
    return TripDescriptor(
        t.trip_id or None, t.route_id or None,
        t.direction_id if t.HasField("direction_id") else None,
        t.start_time or None, t.start_date or None,
        _TRIP_REL.get(t.schedule_relationship, TripRelationship.SCHEDULED))


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
    arrival = _event(u.arrival) if has("arrival") else None
    if not has("departure"):
        departure = None
    elif arrival is not None and u.departure == u.arrival:
        departure = arrival               # one frozen record for two equal events
    else:
        departure = _event(u.departure)
    return StopTimeUpdate(
        u.stop_sequence if has("stop_sequence") else None,
        u.stop_id or None, arrival, departure,
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


def trip_update(entity_id: str, tu: Any, trip: TripDescriptor | None = None,
                updates: Sequence[StopTimeUpdate] | None = None) -> TripUpdate:
    """Decode a TripUpdate (`trip`, `updates`: its descriptor and its stop_time_updates, when
    already decoded)."""
    props = None
    if tu.HasField("trip_properties"):
        p = tu.trip_properties
        props = TripProperties(
            trip_id=_str(p, "trip_id"), start_date=_str(p, "start_date"),
            start_time=_str(p, "start_time"), trip_headsign=_str(p, "trip_headsign"),
            trip_short_name=_str(p, "trip_short_name"))
    return TripUpdate(
        entity_id=entity_id, trip=trip_descriptor(tu.trip) if trip is None else trip,
        stop_time_updates=(tuple([_stop_time_update(u) for u in tu.stop_time_update])
                           if updates is None else updates),
        delay=tu.delay if tu.HasField("delay") else None,
        timestamp=tu.timestamp if tu.HasField("timestamp") else None,
        properties=props,
        vehicle=_vehicle(tu.vehicle) if tu.HasField("vehicle") else None)


def vehicle_position(entity_id: str, vp: Any) -> VehiclePosition:
    return VehiclePosition(
        entity_id=entity_id,
        trip=trip_descriptor(vp.trip) if vp.HasField("trip") else None,
        vehicle=_vehicle(vp.vehicle) if vp.HasField("vehicle") else None,
        occupancy=_OCCUPANCY.get(vp.occupancy_status) if vp.HasField("occupancy_status") else None,
        timestamp=vp.timestamp if vp.HasField("timestamp") else None,
        current_stop_sequence=(vp.current_stop_sequence if vp.HasField("current_stop_sequence")
                               else None),
        stop_id=_str(vp, "stop_id"))


def _translations(ts: Any) -> tuple[Translation, ...]:
    # an unset TranslatedString has no translations: no HasField needed
    return tuple([Translation(t.text, t.language or None) for t in ts.translation])


def _periods(ranges: Any) -> tuple[TimeRange, ...]:
    # an unset or 0 bound is open: a decoded 0 must not mean 1970 (OBA-Android#990)
    return tuple([TimeRange(r.start or None, r.end or None) for r in ranges])


def _selector(s: Any) -> EntitySelector:
    has = s.HasField
    return EntitySelector(
        s.agency_id or None, s.route_id or None,
        s.route_type if has("route_type") else None,
        trip_descriptor(s.trip) if has("trip") else None,
        s.stop_id or None,
        s.direction_id if has("direction_id") else None)


TextCache = dict[bytes, tuple[Translation, ...]]


def _texts(ts: Any, cache: TextCache) -> tuple[Translation, ...]:
    """`_translations`, shared within one feed: alerts repeat their texts (the Germany-wide
    capture has 5,704 translations and 158 distinct ones)."""
    key = ts.SerializeToString()
    found = cache.get(key)
    if found is None:
        found = cache[key] = _translations(ts)
    return found


def alert(entity_id: str, a: Any, cache: TextCache | None = None) -> Alert:
    """Decode an Alert (`cache`: texts already decoded in this feed)."""
    # active_period is the classic field; communication_period (newer) stands in when absent
    has = a.HasField
    texts = {} if cache is None else cache
    periods = (_periods(a.active_period) if a.active_period
               else _periods(a.communication_period) if a.communication_period else ())
    return Alert(
        entity_id, periods, selectors(a),
        _CAUSE.get(a.cause) if has("cause") else None,
        _EFFECT.get(a.effect) if has("effect") else None,
        _SEVERITY.get(a.severity_level) if has("severity_level") else None,
        _texts(a.header_text, texts) if has("header_text") else (),
        _texts(a.description_text, texts) if has("description_text") else (),
        _texts(a.url, texts) if has("url") else ())



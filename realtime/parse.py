"""Decode GTFS-RT protobuf bytes into `realtime.records`, once. The only user of gtfs_realtime_pb2.

Every `HasField` check happens here (GTFS-RT best practice: check presence before use), so the
rest of the package sees None for "not given" and never a protobuf default.
"""

from __future__ import annotations

import gc
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import numpy.typing as npt
from google.protobuf.message import DecodeError
from google.transit import gtfs_realtime_pb2 as pb

from feeds import Timetable
from realtime.errors import FeedDecodeError, FeedHeaderInvalid
from realtime.reasons import Reason
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


def parse_feed(data: bytes, *, timetable: Timetable | None = None) -> RealtimeFeed:
    """Return the decoded feed; raise FeedDecodeError for bytes that are not a usable feed.

    gzip-compressed bytes are inflated first. The header must carry a timestamp in seconds.

    With `timetable`, trip updates and vehicle positions that cannot match it (an unknown
    trip_id and no other way to name a trip; a NEW trip of an unknown route) are counted by the
    reason resolution would give and never turned into records, and so are alerts whose every
    selector names a trip, stop or route the timetable does not have (`_alert_reach`):
    a Germany-wide feed against a city's timetable then costs little more than the protobuf
    decode. The result must be applied to that timetable only (`RealtimeFeed.filtered_for`).
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
        if timetable is not None:
            return _entities_for(message, header, timetable)
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
    texts: TextCache = {}
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
            alerts.append(_alert(entity.id, entity.alert, texts))
        if not (entity.HasField("trip_update") or entity.HasField("vehicle")
                or entity.HasField("alert")):
            counts["other"] += 1
    return RealtimeFeed(header=header, trip_updates=tuple(trip_updates),
                        vehicles=tuple(vehicles), alerts=tuple(alerts),
                        entity_counts=tuple(counts.items()))


def _entities_for(message: Any, header: FeedHeader, tt: Timetable) -> RealtimeFeed:
    """`_entities`, decoding only the trip updates and vehicles that can match `tt`."""
    trip_updates: list[TripUpdate] = []
    vehicles: list[VehiclePosition] = []
    alerts: list[Alert] = []
    counts = {"trip_update": 0, "vehicle": 0, "alert": 0, "deleted": 0, "other": 0}
    texts: TextCache = {}
    pending: list[tuple[int, Any, Any]] = []     # (kind 0 trip update / 1 vehicle, entity, trip)
    pending_alerts: list[Any] = []
    for entity in message.entity:
        if entity.is_deleted:
            counts["deleted"] += 1
            continue
        has = entity.HasField
        tu, vp, al = has("trip_update"), has("vehicle"), has("alert")
        if tu:
            counts["trip_update"] += 1
            pending.append((0, entity, entity.trip_update.trip))
        if vp:
            counts["vehicle"] += 1
            v = entity.vehicle
            pending.append((1, entity, v.trip if v.HasField("trip") else None))
        if al:
            counts["alert"] += 1
            pending_alerts.append(entity)
        if not (tu or vp or al):
            counts["other"] += 1
    usable = usable_trips(tt, [t.trip_id if t is not None else "" for _, _, t in pending])
    skipped: tuple[Counter[str], Counter[str]] = (Counter(), Counter())
    for (kind, entity, trip), known in zip(pending, usable, strict=True):
        reason = None if known else _cannot_match(tt, kind, trip)
        if reason is not None:
            skipped[kind][reason] += 1
        elif kind == 0:
            trip_updates.append(_trip_update(entity.id, entity.trip_update))
        else:
            vehicles.append(_vehicle_position(entity.id, entity.vehicle))
    reach = _alert_reach(tt, [e.alert for e in pending_alerts])
    for entity, kept in zip(pending_alerts, reach, strict=True):
        if kept:
            alerts.append(_alert(entity.id, entity.alert, texts))
    return RealtimeFeed(header=header, trip_updates=tuple(trip_updates),
                        vehicles=tuple(vehicles), alerts=tuple(alerts),
                        entity_counts=tuple(counts.items()), filtered_for=tt.feed_hash,
                        skipped_trip_updates=tuple(sorted(skipped[0].items())),
                        skipped_vehicles=tuple(sorted(skipped[1].items())),
                        skipped_alerts=len(pending_alerts) - len(alerts))


def usable_trips(tt: Timetable, trip_ids: list[str]) -> npt.NDArray[np.bool_]:
    """Return which trip ids name a trip of `tt` that realtime can use (one vectorised lookup;
    see `realtime.instances.find_usable_trip`)."""
    ids = tt.trip_ids
    if not trip_ids or ids.size == 0:
        return np.zeros(len(trip_ids), dtype=bool)
    raw = [t.encode("utf-8") for t in trip_ids]
    fits = np.array([0 < len(r) <= ids.dtype.itemsize for r in raw], dtype=bool)
    keys = np.array([r if ok else b"" for r, ok in zip(raw, fits, strict=True)], dtype=ids.dtype)
    pos = np.minimum(np.searchsorted(ids, keys), ids.size - 1)
    found: npt.NDArray[np.bool_] = fits & (ids[pos] == keys)
    found &= tt.trip_st_start[pos] < tt.trip_st_end[pos]
    return found


def _alert_reach(tt: Timetable, alerts: list[Any]) -> list[bool]:
    """Return, per alert, whether it may concern `tt`: False only when every selector it has
    names a trip, stop or route that `tt` does not have.

    Selector fields are AND-ed (RT-ref L550–L565), so one unknown id rules a selector out.
    A trip selector whose trip_id is unknown still counts when its route is known (it may name
    a NEW trip of that route). An alert without selectors is kept: it is shown as it would be
    without the filter. Trip ids are looked up at once (`usable_trips`).
    """
    left = [0] * len(alerts)                  # selectors not ruled out, per alert
    owners: list[int] = []
    trip_ids: list[str] = []
    trip_routes: list[str] = []
    for i, alert in enumerate(alerts):
        for s in alert.informed_entity:
            if s.HasField("trip"):
                t = s.trip
                owners.append(i)
                trip_ids.append(t.trip_id)
                trip_routes.append(t.route_id)
                continue
            stop, route = s.stop_id, s.route_id
            if not ((stop and tt.find_stop(stop) < 0) or (route and tt.find_route(route) < 0)):
                left[i] += 1
    known = usable_trips(tt, trip_ids).tolist()
    for i, trip_id, route, ok in zip(owners, trip_ids, trip_routes, known, strict=True):
        if ok or not trip_id or (route and tt.find_route(route) >= 0):
            left[i] += 1
    return [n > 0 or len(a.informed_entity) == 0 for n, a in zip(left, alerts, strict=True)]


def _cannot_match(tt: Timetable, kind: int, trip: Any) -> str | None:
    """Return why an entity whose trip_id is not usable in `tt` cannot match, or None when it
    might (a NEW trip of a known route; a descriptor by route, direction and start)."""
    if trip is None:
        return Reason.NO_TRIP
    rel = _TRIP_REL.get(trip.schedule_relationship, TripRelationship.SCHEDULED)
    if kind == 0 and rel in (TripRelationship.NEW, TripRelationship.ADDED):
        return None if tt.find_route(trip.route_id) >= 0 else Reason.UNKNOWN_ROUTE
    if kind == 0 and rel is TripRelationship.REPLACEMENT:
        return Reason.UNSUPPORTED_RELATIONSHIP
    if kind == 0 and rel is TripRelationship.DUPLICATED:
        return Reason.UNKNOWN_TRIP
    if trip.route_id and trip.HasField("direction_id") and trip.start_time and trip.start_date:
        # named by route, direction and start (InstanceResolver._resolve_alternative)
        return None if tt.find_route(trip.route_id) >= 0 else Reason.UNKNOWN_TRIP
    return Reason.UNKNOWN_TRIP if trip.trip_id else Reason.NO_TRIP_DESCRIPTOR


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


def _trip(t: Any) -> TripDescriptor:
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
        _trip(s.trip) if has("trip") else None,
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


def _alert(entity_id: str, a: Any, cache: TextCache | None = None) -> Alert:
    # active_period is the classic field; communication_period (newer) stands in when absent
    has = a.HasField
    texts = {} if cache is None else cache
    periods = (_periods(a.active_period) if a.active_period
               else _periods(a.communication_period) if a.communication_period else ())
    return Alert(
        entity_id, periods, tuple([_selector(s) for s in a.informed_entity]),
        _CAUSE.get(a.cause) if has("cause") else None,
        _EFFECT.get(a.effect) if has("effect") else None,
        _SEVERITY.get(a.severity_level) if has("severity_level") else None,
        _texts(a.header_text, texts) if has("header_text") else (),
        _texts(a.description_text, texts) if has("description_text") else (),
        _texts(a.url, texts) if has("url") else ())


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

"""Build GTFS-RT FeedMessages in code (gtfs-realtime-bindings) for the realtime tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from google.transit import gtfs_realtime_pb2 as pb

TU = pb.TripUpdate
STU = pb.TripUpdate.StopTimeUpdate
TD = pb.TripDescriptor


def message(timestamp: int | None, *entities: pb.FeedEntity,
            incrementality: int = pb.FeedHeader.FULL_DATASET) -> pb.FeedMessage:
    msg = pb.FeedMessage()
    msg.header.gtfs_realtime_version = "2.0"
    msg.header.incrementality = incrementality  # type: ignore[assignment]
    if timestamp is not None:
        msg.header.timestamp = timestamp
    for e in entities:
        msg.entity.append(e)
    return msg


def feed_bytes(timestamp: int | None, *entities: pb.FeedEntity) -> bytes:
    return bytes(message(timestamp, *entities).SerializeToString())


def trip_update(entity_id: str, trip_id: str | None = None, *stus: pb.TripUpdate.StopTimeUpdate,
                start_date: str | None = None, start_time: str | None = None,
                route_id: str | None = None, direction_id: int | None = None,
                relationship: int | None = None, delay: int | None = None,
                properties: dict[str, str] | None = None,
                vehicle: dict[str, Any] | None = None) -> pb.FeedEntity:
    e = pb.FeedEntity(id=entity_id)
    tu = e.trip_update
    tu.trip.SetInParent()
    if trip_id is not None:
        tu.trip.trip_id = trip_id
    if start_date is not None:
        tu.trip.start_date = start_date
    if start_time is not None:
        tu.trip.start_time = start_time
    if route_id is not None:
        tu.trip.route_id = route_id
    if direction_id is not None:
        tu.trip.direction_id = direction_id
    if relationship is not None:
        tu.trip.schedule_relationship = relationship  # type: ignore[assignment]
    if delay is not None:
        tu.delay = delay
    for p_name, p_value in (properties or {}).items():
        setattr(tu.trip_properties, p_name, p_value)
    for v_name, v_value in (vehicle or {}).items():
        setattr(tu.vehicle, v_name, v_value)
    for s in stus:
        tu.stop_time_update.append(s)
    return e


def stu(seq: int | None = None, stop_id: str | None = None, *,
        dep_delay: int | None = None, dep_time: int | None = None,
        arr_delay: int | None = None, arr_time: int | None = None,
        relationship: int | None = None, assigned_stop_id: str | None = None,
        stop_headsign: str | None = None, pickup_type: int | None = None,
        occupancy: int | None = None, dep_scheduled: int | None = None
        ) -> pb.TripUpdate.StopTimeUpdate:
    u = STU()
    if seq is not None:
        u.stop_sequence = seq
    if stop_id is not None:
        u.stop_id = stop_id
    if dep_delay is not None:
        u.departure.delay = dep_delay
    if dep_time is not None:
        u.departure.time = dep_time
    if dep_scheduled is not None:
        u.departure.scheduled_time = dep_scheduled
    if arr_delay is not None:
        u.arrival.delay = arr_delay
    if arr_time is not None:
        u.arrival.time = arr_time
    if relationship is not None:
        u.schedule_relationship = relationship  # type: ignore[assignment]
    if assigned_stop_id is not None:
        u.stop_time_properties.assigned_stop_id = assigned_stop_id
    if stop_headsign is not None:
        u.stop_time_properties.stop_headsign = stop_headsign
    if pickup_type is not None:
        u.stop_time_properties.pickup_type = pickup_type  # type: ignore[assignment]
    if occupancy is not None:
        u.departure_occupancy_status = occupancy  # type: ignore[assignment]
    return u


def vehicle(entity_id: str, trip_id: str | None, *, start_date: str | None = None,
            occupancy: int | None = None, wheelchair: int | None = None,
            route_id: str | None = None) -> pb.FeedEntity:
    e = pb.FeedEntity(id=entity_id)
    v = e.vehicle
    v.SetInParent()
    if trip_id is not None:
        v.trip.trip_id = trip_id
    if route_id is not None:
        v.trip.route_id = route_id
    if start_date is not None:
        v.trip.start_date = start_date
    if occupancy is not None:
        v.occupancy_status = occupancy  # type: ignore[assignment]
    if wheelchair is not None:
        v.vehicle.wheelchair_accessible = wheelchair  # type: ignore[assignment]
    v.vehicle.id = f"bus-{entity_id}"
    return e


def _translated(target: Any, texts: Sequence[tuple[str, str | None]]) -> None:
    for text, lang in texts:
        t = target.translation.add(text=text)
        if lang is not None:
            t.language = lang


def _selector(target: Any, sel: dict[str, Any]) -> None:
    for k, v in sel.items():
        if k == "trip":
            for tk, tv in v.items():
                setattr(target.trip, tk, tv)
        else:
            setattr(target, k, v)


def alert(entity_id: str, selectors: Sequence[dict[str, Any]], *,
          periods: Sequence[tuple[int | None, int | None]] = (),
          header: Sequence[tuple[str, str | None]] = (),
          description: Sequence[tuple[str, str | None]] = (),
          cause: int | None = None, effect: int | None = None,
          severity: int | None = None) -> pb.FeedEntity:
    e = pb.FeedEntity(id=entity_id)
    a = e.alert
    a.SetInParent()
    for sel in selectors:
        _selector(a.informed_entity.add(), sel)
    for start, end in periods:
        r = a.active_period.add()
        if start is not None:
            r.start = start
        if end is not None:
            r.end = end
    _translated(a.header_text, header)
    _translated(a.description_text, description)
    if cause is not None:
        a.cause = cause  # type: ignore[assignment]
    if effect is not None:
        a.effect = effect  # type: ignore[assignment]
    if severity is not None:
        a.severity_level = severity  # type: ignore[assignment]
    return e

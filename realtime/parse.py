"""Parse GTFS-RT bytes into a `RealtimeFeed`, once: decoding (`realtime.decode`) with the
timetable pre-filter (`realtime.reach`) in between, so that what cannot match is not decoded.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from feeds import Timetable
from realtime import decode
from realtime.decode import TripView
from realtime.gc_pause import no_cyclic_gc
from realtime.reach import TRIP_UPDATE, VEHICLE, alert_reach, cannot_match, usable_trips
from realtime.records import Alert, RealtimeFeed, TripUpdate, VehiclePosition
from realtime.stop_times import StopTimeTable
from realtime.wire import WireError

COLUMNS_FROM = 32              # trip updates from which their stop_time_updates are columns


def parse_feed(data: bytes, *, timetable: Timetable | None = None) -> RealtimeFeed:
    """Return the decoded feed; raise FeedDecodeError for bytes that are not a usable feed.

    gzip-compressed bytes are inflated first. The header must carry a timestamp in seconds.

    With `timetable`, trip updates and vehicle positions that cannot match it (an unknown
    trip_id and no other way to name a trip; a NEW trip of an unknown route) are counted by the
    reason resolution would give and never turned into records, and so are alerts whose every
    selector names a trip, stop or route the timetable does not have (`realtime.reach`):
    a Germany-wide feed against a city's timetable then costs little more than the protobuf
    decode. The result must be applied to that timetable only (`RealtimeFeed.filtered_for`).
    """
    message, header, raw = decode.read_message(data)
    with no_cyclic_gc():
        return _entities(message, header, raw, timetable)


def _columns(raw: bytes, positions: list[int]) -> StopTimeTable | None:
    """The stop_time_updates of the trip updates at `positions` as columns, when there are
    enough of them to pay (below COLUMNS_FROM, records are cheaper than the array set-up)."""
    if len(positions) < COLUMNS_FROM:
        return None
    try:
        return StopTimeTable.read(raw, positions)
    except (WireError, IndexError):
        return None                  # something the scanner does not read: records then


def _entities(message: Any, header: Any, raw: bytes, tt: Timetable | None) -> RealtimeFeed:
    """Sort the entities by kind, drop (counted) those that cannot concern `tt`, decode the
    rest. Without `tt` every entity is decoded. The stop_time_updates of many trip updates are
    read as columns (`realtime.stop_times`), not as one record each."""
    counts = {"trip_update": 0, "vehicle": 0, "alert": 0, "deleted": 0, "other": 0}
    named: list[tuple[int, int, Any, Any, Any]] = []  # kind, at, entity, part, its trip
    alerts: list[tuple[Any, Any]] = []
    for at, (entity, deleted, tu, vp, al) in enumerate(decode.entities(message)):
        if deleted:
            counts["deleted"] += 1       # only meaningful in DIFFERENTIAL feeds (RTV E039)
            continue
        if tu is not None:
            counts["trip_update"] += 1
            named.append((TRIP_UPDATE, at, entity, tu, tu.trip))
        if vp is not None:
            counts["vehicle"] += 1
            named.append((VEHICLE, at, entity, vp, decode.vehicle_trip(vp)))
        if al is not None:
            counts["alert"] += 1
            alerts.append((entity, al))
        if tu is None and vp is None and al is None:
            counts["other"] += 1
    trip_updates: list[TripUpdate] = []
    vehicles: list[VehiclePosition] = []
    skipped: tuple[Counter[str], Counter[str]] = (Counter(), Counter())
    usable = (usable_trips(tt, decode.trip_ids([t for *_, t in named])).tolist()
              if tt is not None else [True] * len(named))
    wanted: list[tuple[int, int, Any, Any, Any]] = []
    for entry, known in zip(named, usable, strict=True):
        trip = entry[4]
        reason = (None if known or tt is None
                  else cannot_match(tt, entry[0], None if trip is None else TripView(trip)))
        if reason is not None:
            skipped[entry[0]][reason] += 1
        else:
            wanted.append(entry)
    table = _columns(raw, [at for kind, at, *_ in wanted if kind == TRIP_UPDATE])
    for kind, at, entity, part, _ in wanted:
        if kind == TRIP_UPDATE:
            rows = table.rows_of(at) if table is not None else None
            trip_updates.append(decode.trip_update(decode.entity_id(entity), part, None, rows))
        else:
            vehicles.append(decode.vehicle_position(decode.entity_id(entity), part))
    reach = (alert_reach(tt, [decode.selector_keys(a) for _, a in alerts]) if tt is not None
             else [True] * len(alerts))
    texts: decode.TextCache = {}
    kept: list[Alert] = [decode.alert(decode.entity_id(entity), a, texts)
                         for (entity, a), ok in zip(alerts, reach, strict=True) if ok]
    return RealtimeFeed(header=header, trip_updates=tuple(trip_updates),
                        vehicles=tuple(vehicles), alerts=tuple(kept),
                        entity_counts=tuple(counts.items()),
                        filtered_for=tt.feed_hash if tt is not None else None,
                        skipped_trip_updates=tuple(sorted(skipped[TRIP_UPDATE].items())),
                        skipped_vehicles=tuple(sorted(skipped[VEHICLE].items())),
                        skipped_alerts=len(alerts) - len(kept))

"""The GTFS-RT records: what `realtime.parse` decodes a FeedMessage into, once.

Frozen and slotted; an optional protobuf field that was not set is None here (an unset `delay`
is not 0, an unset `direction_id` is not 0). Epochs are POSIX seconds (UTC). Enum values keep
their GTFS-RT names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Incrementality(StrEnum):
    FULL_DATASET = "FULL_DATASET"
    DIFFERENTIAL = "DIFFERENTIAL"


class TripRelationship(StrEnum):
    SCHEDULED = "SCHEDULED"
    ADDED = "ADDED"                  # deprecated; handled like NEW (unknown trip) or DUPLICATED
    UNSCHEDULED = "UNSCHEDULED"
    CANCELED = "CANCELED"
    REPLACEMENT = "REPLACEMENT"
    DUPLICATED = "DUPLICATED"
    DELETED = "DELETED"
    NEW = "NEW"


class StopRelationship(StrEnum):
    SCHEDULED = "SCHEDULED"
    SKIPPED = "SKIPPED"
    NO_DATA = "NO_DATA"
    UNSCHEDULED = "UNSCHEDULED"


@dataclass(frozen=True, slots=True)
class FeedHeader:
    version: str
    incrementality: Incrementality
    timestamp: int                   # POSIX seconds, checked by parse
    feed_version: str | None = None


@dataclass(frozen=True, slots=True)
class TripDescriptor:
    trip_id: str | None = None
    route_id: str | None = None
    direction_id: int | None = None
    start_time: str | None = None    # GTFS time, may exceed 24:00:00
    start_date: str | None = None    # YYYYMMDD service date
    relationship: TripRelationship = TripRelationship.SCHEDULED


@dataclass(frozen=True, slots=True)
class StopTimeEvent:
    delay: int | None = None         # seconds, + late / - early
    time: int | None = None          # absolute epoch; wins over delay
    uncertainty: int | None = None
    scheduled_time: int | None = None

    @property
    def has_data(self) -> bool:
        return self.time is not None or self.delay is not None


@dataclass(frozen=True, slots=True)
class StopTimeUpdate:
    stop_sequence: int | None = None
    stop_id: str | None = None
    arrival: StopTimeEvent | None = None
    departure: StopTimeEvent | None = None
    relationship: StopRelationship = StopRelationship.SCHEDULED
    assigned_stop_id: str | None = None
    stop_headsign: str | None = None
    pickup_type: int | None = None   # 0 regular, 1 none, 2 phone, 3 coordinate with driver
    drop_off_type: int | None = None
    departure_occupancy: str | None = None   # OccupancyStatus name

    @property
    def has_data(self) -> bool:
        return ((self.arrival is not None and self.arrival.has_data)
                or (self.departure is not None and self.departure.has_data))


@dataclass(frozen=True, slots=True)
class TripProperties:
    trip_id: str | None = None       # DUPLICATED: the new trip's id
    start_date: str | None = None
    start_time: str | None = None
    trip_headsign: str | None = None
    trip_short_name: str | None = None


@dataclass(frozen=True, slots=True)
class VehicleDescriptor:
    id: str | None = None
    label: str | None = None
    wheelchair: str | None = None    # WheelchairAccessible name; None when NO_VALUE/unset


@dataclass(frozen=True, slots=True)
class TripUpdate:
    entity_id: str
    trip: TripDescriptor
    stop_time_updates: Sequence[StopTimeUpdate] = ()   # a tuple, or columns (stop_times)
    delay: int | None = None         # trip-level delay (experimental)
    timestamp: int | None = None
    properties: TripProperties | None = None
    vehicle: VehicleDescriptor | None = None


@dataclass(frozen=True, slots=True)
class TimeRange:
    start: int | None = None         # None: open (−∞)
    end: int | None = None           # None: open (+∞); exclusive

    def contains(self, t: int) -> bool:
        return (self.start is None or self.start <= t) and (self.end is None or t < self.end)


@dataclass(frozen=True, slots=True)
class Translation:
    text: str
    language: str | None = None      # BCP-47 tag; None when untagged


@dataclass(frozen=True, slots=True)
class EntitySelector:
    agency_id: str | None = None
    route_id: str | None = None
    route_type: int | None = None
    trip: TripDescriptor | None = None
    stop_id: str | None = None
    direction_id: int | None = None


@dataclass(frozen=True, slots=True)
class Alert:
    entity_id: str
    active_periods: tuple[TimeRange, ...] = ()
    informed_entities: tuple[EntitySelector, ...] = ()
    cause: str | None = None         # Cause name
    effect: str | None = None        # Effect name
    severity: str | None = None      # SeverityLevel name
    header: tuple[Translation, ...] = ()
    description: tuple[Translation, ...] = ()
    url: tuple[Translation, ...] = ()

    def is_active(self, t: int) -> bool:
        """No period means active while in the feed; else any period containing t."""
        return not self.active_periods or any(p.contains(t) for p in self.active_periods)


@dataclass(frozen=True, slots=True)
class VehiclePosition:
    entity_id: str
    trip: TripDescriptor | None = None
    vehicle: VehicleDescriptor | None = None
    occupancy: str | None = None     # OccupancyStatus name
    timestamp: int | None = None
    current_stop_sequence: int | None = None
    stop_id: str | None = None


@dataclass(frozen=True, slots=True)
class RealtimeFeed:
    """One decoded FeedMessage."""

    header: FeedHeader
    trip_updates: tuple[TripUpdate, ...] = ()
    vehicles: tuple[VehiclePosition, ...] = ()
    alerts: tuple[Alert, ...] = ()
    entity_counts: tuple[tuple[str, int], ...] = ()   # (kind, count): trip_update, vehicle, ...
    # Parsed for one timetable (its feed_hash): trip updates and vehicle positions that cannot
    # match it were counted by reason (realtime.reasons.Reason values) and not decoded.
    filtered_for: str | None = None
    skipped_trip_updates: tuple[tuple[str, int], ...] = ()
    skipped_vehicles: tuple[tuple[str, int], ...] = ()
    skipped_alerts: int = 0          # alerts about nothing of that timetable, not decoded

"""Lay one stop's realtime state over its scheduled Departure (a copy; the schedule is kept)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from feeds import Departure, Timetable
from realtime.propagation import RowUpdate

PICKUP_NONE = 1


@dataclass(frozen=True, slots=True)
class VehicleInfo:
    """What a vehicle position says about the trip instance it serves."""

    occupancy: str | None = None      # OccupancyStatus name; None for NO_DATA_AVAILABLE
    wheelchair: str | None = None     # WheelchairAccessible name; None: nothing said


def is_boarding_stop(tt: Timetable, stop: int) -> bool:
    """True for a stop or platform (location_type 0), the only stops realtime may name for a
    call (GTFS-RT validator E010/E015): a station's departures are those of its platforms."""
    return int(tt.stop_location_type[stop]) == 0


def is_boardable(row: RowUpdate) -> bool:
    """False when realtime says nobody can board here (StopTimeProperties.pickup_type NONE)."""
    return row.pickup != PICKUP_NONE


def overlay_departure(tt: Timetable, dep: Departure, row: RowUpdate,
                      trip_headsign: str | None = None) -> Departure:
    """Return `dep` with the prediction, status, platform and headsign of `row` applied."""
    changes: dict[str, object] = {}
    if row.skipped:
        changes.update(status="skipped", predicted=None, delay_s=None, realtime=True)
    elif row.predicted is not None:
        changes.update(predicted=row.predicted, delay_s=row.delay, realtime=row.realtime)
    if row.stop >= 0 and tt.stop_id(row.stop) != dep.stop_id:
        changes.update(stop_id=tt.stop_id(row.stop),
                       platform=tt.stop_platform[row.stop] or None, platform_changed=True,
                       planned_stop_id=dep.planned_stop_id or dep.stop_id,
                       planned_platform=dep.planned_platform if dep.platform_changed
                       else dep.platform)
    headsign = row.headsign or trip_headsign
    if headsign:
        changes["headsign"] = headsign
    if row.pickup is not None:
        changes["on_request"] = row.pickup in (2, 3)
    if row.occupancy is not None and row.occupancy != "NO_DATA_AVAILABLE":
        changes["occupancy"] = row.occupancy
    return replace(dep, **changes) if changes else dep  # type: ignore[arg-type]


def overlay_vehicle(dep: Departure, vehicle: VehicleInfo) -> Departure:
    """Attach a vehicle's occupancy and accessibility (a stop-level occupancy wins)."""
    changes: dict[str, object] = {}
    if dep.occupancy is None and vehicle.occupancy is not None:
        changes["occupancy"] = vehicle.occupancy
    if vehicle.wheelchair is not None:
        changes["wheelchair_accessible"] = {"WHEELCHAIR_ACCESSIBLE": True,
                                            "WHEELCHAIR_INACCESSIBLE": False}.get(
                                                vehicle.wheelchair)
    return replace(dep, **changes) if changes else dep  # type: ignore[arg-type]

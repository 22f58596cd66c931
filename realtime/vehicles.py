"""Vehicle positions: occupancy and accessibility of the vehicle serving a trip instance."""

from __future__ import annotations

from collections.abc import Iterable

from realtime.instances import InstanceResolver
from realtime.overlay import VehicleInfo
from realtime.reasons import Reason, Tally
from realtime.records import VehiclePosition

InstanceKey = tuple[int, int, int]


def resolve_vehicles(vehicles: Iterable[VehiclePosition], resolver: InstanceResolver,
                     tally: Tally) -> dict[InstanceKey, VehicleInfo]:
    """Return vehicle info by trip instance; positions without a resolvable trip are counted.

    OccupancyStatus is not a linear scale and NO_DATA_AVAILABLE is not EMPTY (A2.10): it
    becomes None.
    """
    out: dict[InstanceKey, VehicleInfo] = {}
    for vp in vehicles:
        if vp.trip is None:
            tally.vehicles_rejected[Reason.NO_TRIP] += 1
            continue
        inst = resolver.resolve(vp.trip)
        if isinstance(inst, Reason):
            tally.vehicles_rejected[inst] += 1
            continue
        occupancy = vp.occupancy if vp.occupancy != "NO_DATA_AVAILABLE" else None
        wheelchair = vp.vehicle.wheelchair if vp.vehicle is not None else None
        out[inst.key] = VehicleInfo(occupancy=occupancy, wheelchair=wheelchair)
        tally.vehicles_matched += 1
    return out

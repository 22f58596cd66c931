"""Small frozen records of the static network: agencies and routes (few, so objects are fine)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Agency:
    id: str
    name: str
    timezone: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Route:
    id: str
    short_name: str | None
    long_name: str | None
    type: int
    color: str | None          # "RRGGBB" as in routes.txt, no "#"; None when absent or invalid
    text_color: str | None
    agency_id: str | None = None


class ExclusionReason(StrEnum):
    """Why a trip (or a row) was left out of the timetable; the rest of the feed is kept."""

    UNKNOWN_ROUTE = "unknown_route"
    UNKNOWN_SERVICE = "unknown_service"          # service_id in neither calendar file
    UNKNOWN_STOP = "unknown_stop"
    TOO_FEW_STOP_TIMES = "too_few_stop_times"    # fewer than two stop_times: no journey
    DUPLICATE_STOP_SEQUENCE = "duplicate_stop_sequence"
    MISSING_TRIP_EDGE = "missing_trip_edge"      # first or last stop without a time
    TIME_TRAVEL = "time_travel"                  # times decrease along the trip
    DUPLICATE_TRIP_ID = "duplicate_trip_id"
    ORPHAN_STOP_TIMES = "orphan_stop_times"      # rows whose trip_id is not in trips.txt (rows)
    BAD_FREQUENCY = "bad_frequency"              # frequencies row: headway <= 0 or end <= start

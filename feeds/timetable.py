"""The immutable, compact timetable: numpy arrays indexed by stop, trip and service.

Built once per feed (`feeds.build`), cached on disk (`feeds.cache`), shared read-only by every
query. Times in `st_*` and `ix_dep` are seconds since the service-day base ("noon minus 12 h"
in agency_timezone, see `feeds.timebase`); `day_base[d]` is that base as a UTC epoch for the
service date `first_day + d`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from feeds.ids import IdArray, find_id, id_at
from feeds.model import Agency, Route

I8 = npt.NDArray[np.int8]
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Bool2D = npt.NDArray[np.bool_]

# st_flags bits
APPROXIMATE = 1        # timepoint=0, or the time was interpolated by the loader


@dataclass(frozen=True, eq=False)
class Timetable:
    """One static feed, ready for departure queries. Never mutated after build."""

    feed_hash: str
    timezone: str
    feed_version: str | None
    agencies: tuple[Agency, ...]
    # routes (few): sorted ids and one record each
    route_ids: IdArray
    routes: tuple[Route, ...]
    # stops
    stop_ids: IdArray
    stop_name: tuple[str, ...]
    stop_platform: tuple[str, ...]      # platform_code, "" when none
    stop_parent: I32                     # parent station index or -1
    stop_location_type: I8
    stop_lat: F64
    stop_lon: F64
    stop_wheelchair: I8                  # 0 unknown, 1 accessible, 2 not
    child_ptr: I32                       # CSR: children of a station
    child_idx: I32
    # trips
    trip_ids: IdArray
    trip_route: I32
    trip_service: I32
    trip_headsign: I32                   # index into texts, -1 none
    trip_direction: I8                   # -1 when not given
    trip_wheelchair: I8                  # 0 unknown, 1 accessible, 2 not
    trip_st_start: I32                   # stop_times rows [start, end) of the trip
    trip_st_end: I32
    # stop_times, ordered by (trip, stop_sequence)
    st_trip: I32
    st_stop: I32
    st_seq: I32
    st_arr: I32
    st_dep: I32
    st_pickup: I8
    st_drop: I8
    st_flags: I8
    st_headsign: I32                     # index into texts, -1 = fall back to trip_headsign
    # frequencies
    freq_trip: I32
    freq_start: I32
    freq_end: I32
    freq_headway: I32
    freq_exact: I8
    # services
    service_ids: IdArray
    first_day: dt.date
    service_active: Bool2D               # [service, day]
    day_base: I64                        # [day] UTC epoch of noon minus 12 h
    # departure index by stop: rows [ix_ptr[s], ix_ptr[s+1]) sorted by ix_dep
    ix_ptr: I32
    ix_dep: I32
    ix_st: I32
    ix_freq: I32                         # frequencies row of a generated instance, -1 plain
    max_span_days: int                   # a trip's departures reach this many days past its date
    texts: tuple[str, ...]
    excluded: dict[str, int] = field(default_factory=dict)
    source_counts: dict[str, int] = field(default_factory=dict)   # rows read per file
    notes: tuple[str, ...] = ()          # what the loader tolerated (Latin-1, blanked cells)
    region: str | None = None            # the region the feed was cut to (feeds.region), if any

    # ---- lookups -------------------------------------------------------------------------
    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def n_days(self) -> int:
        return int(self.service_active.shape[1])

    def find_stop(self, stop_id: str) -> int:
        return find_id(self.stop_ids, stop_id)

    def find_trip(self, trip_id: str) -> int:
        return find_id(self.trip_ids, trip_id)

    def find_route(self, route_id: str) -> int:
        return find_id(self.route_ids, route_id)

    def stop_id(self, index: int) -> str:
        return id_at(self.stop_ids, index)

    def trip_id(self, index: int) -> str:
        return id_at(self.trip_ids, index)

    def text(self, index: int) -> str | None:
        return self.texts[index] if index >= 0 else None

    def children(self, stop: int) -> I32:
        return self.child_idx[self.child_ptr[stop]:self.child_ptr[stop + 1]]

    def platforms_of(self, stop: int) -> list[int]:
        """Return the boarding stops a board for `stop` covers: itself, or a station's children."""
        kids = self.children(stop)
        if self.stop_location_type[stop] == 1 and kids.size:
            return [int(k) for k in kids if self.stop_location_type[k] in (0, 4)] or [stop]
        return [stop]

    def day_index(self, day: dt.date) -> int:
        """Return the index of a service date in the calendar (may be outside [0, n_days))."""
        return (day - self.first_day).days

    def day_of(self, index: int) -> dt.date:
        return self.first_day + dt.timedelta(days=index)

    def is_active(self, service: int, day: int) -> bool:
        return 0 <= day < self.n_days and bool(self.service_active[service, day])

    def headsign_of(self, st_row: int) -> str | None:
        """stop_headsign of the row if non-empty, else trip_headsign (no carry-down).

        A feed with neither (common in German rail extracts) gets the name of the trip's last
        stop, which is what a rider reads on a board anyway.
        """
        own = int(self.st_headsign[st_row])
        if own >= 0:
            return self.texts[own]
        trip = int(self.st_trip[st_row])
        headsign = self.text(int(self.trip_headsign[trip]))
        if headsign is None:
            return self.stop_name[int(self.st_stop[int(self.trip_st_end[trip]) - 1])] or None
        return headsign

    def trip_rows(self, trip: int) -> range:
        return range(int(self.trip_st_start[trip]), int(self.trip_st_end[trip]))

    def calendar_range(self) -> tuple[dt.date, dt.date] | None:
        """Return the first and last service dates on which any service runs."""
        days = np.flatnonzero(self.service_active.any(axis=0))
        if days.size == 0:
            return None
        return self.day_of(int(days[0])), self.day_of(int(days[-1]))

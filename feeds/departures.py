"""Scheduled departures of a stop (or station) in a time window: the pure timetable query.

`find_departures(tt, stop, start, end)` answers from the departure index: for each service date
whose trips can reach [start, end) — the dates from `max_span_days` before `start` up to `end` —
the rows with base + time in the window whose service runs that date. Times are UTC epochs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from feeds.model import Route
from feeds.timetable import APPROXIMATE, Timetable


@dataclass(frozen=True, slots=True)
class Departure:
    """One departure of one trip instance at one stop: the schedule, with realtime fields.

    `feeds` fills the schedule; `realtime.merge` returns copies with the realtime fields set.
    """

    trip_id: str
    service_date: dt.date
    stop_id: str
    stop_sequence: int
    route: Route
    direction_id: int | None
    headsign: str | None
    scheduled: int                       # UTC epoch (s)
    platform: str | None
    on_request: bool
    approximate: bool
    headway_s: int | None                # frequency-based (exact_times=0) trips only
    wheelchair_accessible: bool | None
    # internal handles into the timetable (not part of the contract document)
    trip_index: int = field(repr=False)
    st_row: int = field(repr=False)
    start_shift: int = field(default=0, repr=False)   # seconds a frequency instance is shifted
    # realtime overlay
    predicted: int | None = None
    delay_s: int | None = None
    realtime: bool = False
    status: str = "scheduled"            # scheduled | cancelled | skipped | added
    platform_changed: bool = False
    # the platform the timetable planned, when realtime moved the departure to another one
    # (SIRI AimedQuayRef, OJP PlannedQuay, TRIAS PlannedBay): its stop id and platform code
    planned_stop_id: str | None = None
    planned_platform: str | None = None
    occupancy: str | None = None
    alert_ids: tuple[str, ...] = ()

    @property
    def effective(self) -> int:
        """The time the departure is sorted and windowed by: predicted, else scheduled."""
        return self.predicted if self.predicted is not None else self.scheduled

    def sort_key(self) -> tuple[int, int, str, int, str]:
        """The one board order: the contract's (effective, scheduled, trip_id), then
        stop_sequence and stop_id so that ties (a loop, a station's platforms) are stable."""
        return (self.effective, self.scheduled, self.trip_id, self.stop_sequence, self.stop_id)


def _wheelchair(flag: int) -> bool | None:
    return {1: True, 2: False}.get(flag)


def find_rows(tt: Timetable, stop: int, start: int, end: int
              ) -> list[tuple[int, int, int, int]]:
    """Return (day, epoch, st_row, freq_row) of the stop's departures with start <= epoch < end.

    Unsorted across service days; `day` indexes tt.day_base.
    """
    lo_ix, hi_ix = int(tt.ix_ptr[stop]), int(tt.ix_ptr[stop + 1])
    if lo_ix == hi_ix or tt.n_days == 0:
        return []
    deps = tt.ix_dep[lo_ix:hi_ix]
    last_day = int(np.searchsorted(tt.day_base, end, side="right")) - 1
    first_day = max(int(np.searchsorted(tt.day_base, start, side="right")) - 1
                    - tt.max_span_days, 0)
    out: list[tuple[int, int, int, int]] = []
    for day in range(first_day, min(last_day, tt.n_days - 1) + 1):
        base = int(tt.day_base[day])
        a = int(np.searchsorted(deps, start - base, side="left"))
        b = int(np.searchsorted(deps, end - base, side="left"))
        if a == b:
            continue
        rows = tt.ix_st[lo_ix + a:lo_ix + b]
        active = tt.service_active[tt.trip_service[tt.st_trip[rows]], day]
        for k in np.flatnonzero(active):
            i = lo_ix + a + int(k)
            out.append((day, base + int(tt.ix_dep[i]), int(tt.ix_st[i]), int(tt.ix_freq[i])))
    return out


def build_departure(tt: Timetable, day: int, epoch: int, st_row: int, freq_row: int
                    ) -> Departure:
    """Return the scheduled Departure record of one index row."""
    trip = int(tt.st_trip[st_row])
    stop = int(tt.st_stop[st_row])
    headway = None
    approximate = bool(tt.st_flags[st_row] & APPROXIMATE)
    shift = 0
    if freq_row >= 0:
        shift = epoch - int(tt.day_base[day]) - int(tt.st_dep[st_row])
        if tt.freq_exact[freq_row] == 0:
            headway = int(tt.freq_headway[freq_row])
            approximate = True
    direction = int(tt.trip_direction[trip])
    return Departure(
        trip_id=tt.trip_id(trip), service_date=tt.day_of(day), stop_id=tt.stop_id(stop),
        stop_sequence=int(tt.st_seq[st_row]), route=tt.routes[int(tt.trip_route[trip])],
        direction_id=direction if direction >= 0 else None, headsign=tt.headsign_of(st_row),
        scheduled=epoch, platform=tt.stop_platform[stop] or None,
        on_request=int(tt.st_pickup[st_row]) in (2, 3), approximate=approximate,
        headway_s=headway, wheelchair_accessible=_wheelchair(int(tt.trip_wheelchair[trip])),
        trip_index=trip, st_row=st_row, start_shift=shift)


def find_departures(tt: Timetable, stop: int, start: int, end: int) -> list[Departure]:
    """Return the scheduled departures of a stop or station with start <= scheduled < end.

    A station (location_type 1) lists the union of its platforms. Sorted by `Departure.sort_key`
    (scheduled time, then trip_id, stop_sequence, stop_id).
    """
    rows = [r for platform in tt.platforms_of(stop) for r in find_rows(tt, platform, start, end)]
    departures = [build_departure(tt, *row) for row in rows]
    departures.sort(key=Departure.sort_key)
    return departures

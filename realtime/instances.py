"""Resolve a TripDescriptor to one trip instance of the timetable (GTFS-RT reference, A2.7).

An instance is a trip on a service date (and, for frequency trips, a start time). `start_date`
is the *service* date; a start_time past 24:00:00 counts from that date's base, and the same
instant written as "00:15:00" of the next date is accepted too (motis PR #502). Without
start_date the instance running nearest `now` is taken (the feed's header time, never a clock).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from feeds import Timetable
from feeds.timebase import parse_gtfs_date, parse_gtfs_time, service_day_base
from realtime.reasons import Reason
from realtime.records import TripDescriptor

# Without start_date, an instance more than this far from "now" is not the one meant: a trip
# that does not run today must not take tomorrow's instance (motis#1190).
MAX_INSTANCE_GAP_S = 6 * 3600

# A trip update applies to the instance its start_date names only when that instance can be
# the one meant (issue 28.1): no stop more than this late, and a run that ended at most this
# long before the feed's header time. A TripUpdate dated yesterday for a trip running today
# otherwise becomes a second departure 24 h late. Long-distance rail is rarely 4 h late;
# configurable (ABFAHRT_MAX_DELAY).
DEFAULT_MAX_DELAY_S = 4 * 3600


@dataclass(frozen=True, slots=True)
class TripInstance:
    trip: int                 # trip index in the timetable
    day: int                  # service-day index (tt.day_base)
    shift: int = 0            # seconds a frequency instance is shifted from its template
    freq_row: int = -1        # the frequencies row that generated it (-1: not a frequency trip)

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.trip, self.day, self.shift)


def _seconds(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return parse_gtfs_time(text)
    except ValueError:
        return None


def find_usable_trip(tt: Timetable, trip_id: str | None) -> int:
    """Return the index of the trip realtime may refer to by `trip_id`, or -1 (unknown_trip).

    A trip the loader excluded (unknown stop, too few stop_times, …) keeps its id in
    `tt.trip_ids` but has no stop_times (`trip_st_start == trip_st_end`); for realtime it does
    not exist. Every lookup of a static trip by id goes through here: reading the rows of such
    a trip would read the next trip's rows, or past the end of the stop_times.
    """
    trip = tt.find_trip(trip_id) if trip_id is not None else -1
    if trip < 0 or int(tt.trip_st_start[trip]) >= int(tt.trip_st_end[trip]):
        return -1
    return trip


class InstanceResolver:
    """Resolve descriptors against one timetable at one instant; caches its lookups."""

    def __init__(self, tt: Timetable, now: int) -> None:
        self.tt = tt
        self.now = now
        self.today = int(np.searchsorted(tt.day_base, now, side="right")) - 1

    @cached_property
    def _alternatives(self) -> dict[tuple[int, int, int], list[int]]:
        """(route, direction, first departure) -> trips, for matching without a trip_id."""
        tt = self.tt
        out: dict[tuple[int, int, int], list[int]] = {}
        first = tt.st_dep[tt.trip_st_start[tt.trip_st_start < tt.trip_st_end]]
        valid = np.flatnonzero(tt.trip_st_start < tt.trip_st_end)
        for trip, route, direction, dep in zip(valid.tolist(), tt.trip_route[valid].tolist(),
                                               tt.trip_direction[valid].tolist(), first.tolist(),
                                               strict=True):
            out.setdefault((route, direction, dep), []).append(trip)
        return out

    @cached_property
    def _freq_rows(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for row, trip in enumerate(self.tt.freq_trip.tolist()):
            out.setdefault(trip, []).append(row)
        return out

    def day_of_date(self, text: str | None) -> int | None:
        if text is None:
            return None
        try:
            return self.tt.day_index(parse_gtfs_date(text))
        except ValueError:
            return None

    def base(self, day: int) -> int:
        """Return the base epoch of a service day index, also outside the calendar."""
        tt = self.tt
        if 0 <= day < tt.n_days:
            return int(tt.day_base[day])
        return service_day_base(tt.day_of(day), tt.zone)

    def resolve(self, desc: TripDescriptor) -> TripInstance | Reason:
        """Return the instance a descriptor names, or the reason it names none."""
        trip = find_usable_trip(self.tt, desc.trip_id)
        if trip >= 0:
            return self.resolve_trip(trip, desc.start_date, desc.start_time)
        if (desc.route_id is not None and desc.direction_id is not None
                and desc.start_time is not None and desc.start_date is not None):
            return self._resolve_alternative(desc)
        return Reason.UNKNOWN_TRIP if desc.trip_id is not None else Reason.NO_TRIP_DESCRIPTOR

    def resolve_dated(self, trips: npt.NDArray[np.int64], start_dates: list[str],
                      start_times: list[str | None]) -> list[TripInstance | Reason | None]:
        """`resolve_trip` for many usable trips named with a start_date at once; None for a
        frequency trip (left to `resolve_trip`)."""
        tt = self.tt
        out: list[TripInstance | Reason | None] = [None] * len(start_dates)
        if not start_dates:
            return out
        days = {d: self.day_of_date(d) for d in set(start_dates)}
        starts = {t: _seconds(t) for t in set(start_times)}
        day = np.array([-1 if (k := days[d]) is None else k for d in start_dates], dtype=np.int64)
        start = np.array([-1 if (s := starts[t]) is None else s for t in start_times],
                         dtype=np.int64)
        bases = {k: self.base(k) for k in {*day.tolist(), *(day - 1).tolist()}}
        base = np.array([bases[k] for k in day.tolist()], dtype=np.int64)
        base_prev = np.array([bases[k] for k in (day - 1).tolist()], dtype=np.int64)
        service = tt.trip_service[trips]
        first_dep = tt.st_dep[tt.trip_st_start[trips]].astype(np.int64)
        prev = (start >= 0) & (base_prev + first_dep == base + start) & self._active(service,
                                                                                     day - 1)
        here = self._active(service, day)
        frequency = np.isin(trips, tt.freq_trip)
        for k, (trip, d) in enumerate(zip(trips.tolist(), day.tolist(), strict=True)):
            if frequency[k]:
                continue
            out[k] = (Reason.UNKNOWN_INSTANCE if days[start_dates[k]] is None
                      else TripInstance(trip, d - 1) if prev[k]
                      else TripInstance(trip, d) if here[k] else Reason.NO_SERVICE_ON_DATE)
        return out

    def _active(self, service: npt.NDArray[np.integer[Any]], day: npt.NDArray[np.int64]
                ) -> npt.NDArray[np.bool_]:
        """`tt.is_active` of many (service, day) pairs."""
        ok = (day >= 0) & (day < self.tt.n_days)
        active: npt.NDArray[np.bool_] = ok & self.tt.service_active[
            service, np.where(ok, day, 0)]
        return active

    def resolve_trip(self, trip: int, start_date: str | None, start_time: str | None
                     ) -> TripInstance | Reason:
        """Resolve the instance of `trip`, a usable trip (see `find_usable_trip`)."""
        tt = self.tt
        first_dep = int(tt.st_dep[int(tt.trip_st_start[trip])])
        start = _seconds(start_time)
        date_day = self.day_of_date(start_date)
        if start_date is not None and date_day is None:
            return Reason.UNKNOWN_INSTANCE
        freq_rows = self._freq_rows.get(trip)
        if freq_rows:
            if start is None:
                return Reason.UNKNOWN_INSTANCE
            return self._resolve_frequency(trip, freq_rows, first_dep, start, date_day)
        service = int(tt.trip_service[trip])
        if date_day is not None:
            if start is not None:
                # "00:15:00" on D+1 is the same instant as "24:15:00" on D
                prev = date_day - 1
                if (self.base(prev) + first_dep == self.base(date_day) + start
                        and tt.is_active(service, prev)):
                    return TripInstance(trip, prev)
            if tt.is_active(service, date_day):
                return TripInstance(trip, date_day)
            return Reason.NO_SERVICE_ON_DATE
        last_arr = int(tt.st_arr[int(tt.trip_st_end[trip]) - 1])
        best: tuple[int, int] | None = None
        for day in range(self.today - tt.max_span_days - 1, self.today + 2):
            if not tt.is_active(service, day):
                continue
            base = int(tt.day_base[day])
            gap = max(base + first_dep - self.now, self.now - (base + last_arr), 0)
            if best is None or gap < best[0]:
                best = (gap, day)
        if best is None or best[0] > MAX_INSTANCE_GAP_S:
            return Reason.NO_SERVICE_ON_DATE    # not today's trip: never attach it to another day
        return TripInstance(trip, best[1])

    def _resolve_frequency(self, trip: int, rows: list[int], first_dep: int, start: int,
                           date_day: int | None) -> TripInstance | Reason:
        tt = self.tt
        service = int(tt.trip_service[trip])
        if date_day is not None:
            target = self.base(date_day) + start
            days = [date_day, date_day - 1]
        else:
            days = list(range(self.today - tt.max_span_days - 1, self.today + 2))
            target = None
        found: list[tuple[int, int, int, int]] = []
        for day in days:
            if not tt.is_active(service, day):
                continue
            rel = (target - int(tt.day_base[day])) if target is not None else start
            for f in rows:
                lo, hi, step = (int(tt.freq_start[f]), int(tt.freq_end[f]),
                                int(tt.freq_headway[f]))
                if not lo <= rel < hi:
                    continue
                k, rest = divmod(rel - lo, step)
                if rest and tt.freq_exact[f] == 1:
                    continue              # exact_times=1: only the generated starts exist
                if rest * 2 >= step and lo + (k + 1) * step < hi:
                    k += 1                # exact_times=0: the nearest generated start
                begin = int(tt.day_base[day]) + lo + k * step
                found.append((abs(begin - self.now), day, lo + k * step - first_dep, f))
        if not found:
            return Reason.UNKNOWN_INSTANCE if date_day is None or tt.is_active(
                service, date_day) else Reason.NO_SERVICE_ON_DATE
        _, day, shift, f = min(found)
        return TripInstance(trip, day, shift, f)

    def _resolve_alternative(self, desc: TripDescriptor) -> TripInstance | Reason:
        """route_id + direction_id + start_time + start_date must name exactly one trip."""
        tt = self.tt
        route = tt.find_route(desc.route_id or "")
        start = _seconds(desc.start_time)
        day = self.day_of_date(desc.start_date)
        if route < 0 or start is None or day is None:
            return Reason.UNKNOWN_TRIP
        direction = desc.direction_id if desc.direction_id is not None else -1
        hits = [TripInstance(t, day)
                for t in self._alternatives.get((route, direction, start), [])
                if tt.is_active(int(tt.trip_service[t]), day)]
        if start < 86_400:                 # the same instant written on the next date
            hits += [TripInstance(t, day - 1)
                     for t in self._alternatives.get((route, direction, start + 86_400), [])
                     if tt.is_active(int(tt.trip_service[t]), day - 1)]
        if len(hits) == 1:
            return hits[0]
        return Reason.AMBIGUOUS_TRIP if hits else Reason.UNKNOWN_TRIP

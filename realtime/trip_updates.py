"""Resolve the TripUpdates of one feed against the timetable, once per feed (not per board).

The result is looked up per departure when a board is merged: an overlay per trip instance,
the rows moved to another platform (assigned_stop_id), and the departures of trips that are not
in the static feed (NEW / ADDED, DUPLICATED).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from feeds import Departure, Timetable
from feeds.departures import build_departure
from feeds.timebase import parse_gtfs_date, parse_gtfs_time
from realtime.added_trips import build_new_trip
from realtime.instances import (
    DEFAULT_MAX_DELAY_S,
    InstanceResolver,
    TripInstance,
    find_usable_trip,
)
from realtime.overlay import is_boardable, is_boarding_stop, overlay_departure
from realtime.predict_columns import Planned, Predicted, predict
from realtime.propagation import (
    DEFAULT_EARLY_LIMIT_S,
    RowUpdates,
    TripSchedule,
    match_updates,
    predict_rows,
)
from realtime.reach import usable_trip_indices
from realtime.reasons import Reason, Tally
from realtime.records import TripRelationship, TripUpdate
from realtime.row_columns import RowSpan
from realtime.stop_times import StopTimeTable, StopTimeUpdates

InstanceKey = tuple[int, int, int]       # (trip, service day, frequency shift)


@dataclass(frozen=True, slots=True)
class TripOverlay:
    status: str                          # "scheduled" | "cancelled" | "deleted"
    rows: RowUpdates | RowSpan | tuple[()] = ()   # one per stop_time of the trip, in order
    headsign: str | None = None          # TripProperties.trip_headsign


@dataclass(frozen=True, slots=True)
class MovedRow:
    """A scheduled stop_time whose platform was changed to another stop (assigned_stop_id)."""

    instance: TripInstance
    st_row: int


@dataclass(frozen=True)
class TripUpdateIndex:
    overlays: Mapping[InstanceKey, TripOverlay] = field(default_factory=dict)
    moved_in: Mapping[int, tuple[MovedRow, ...]] = field(default_factory=dict)
    added: Mapping[int, tuple[Departure, ...]] = field(default_factory=dict)   # by stop
    max_late_s: int = 0                  # largest positive delay: how far boards look back
    max_early_s: int = 0                 # largest negative delay: how far boards look ahead


def instance_schedule(tt: Timetable, inst: TripInstance, base: int | None = None
                      ) -> TripSchedule:
    """Return the scheduled stops of an instance as epochs (base defaults to its day's)."""
    lo, hi = int(tt.trip_st_start[inst.trip]), int(tt.trip_st_end[inst.trip])
    offset = (int(tt.day_base[inst.day]) if base is None else base) + inst.shift
    return TripSchedule(
        seqs=tt.st_seq[lo:hi].tolist(), stops=tt.st_stop[lo:hi].tolist(),
        arrivals=[offset + t for t in tt.st_arr[lo:hi].tolist()],
        departures=[offset + t for t in tt.st_dep[lo:hi].tolist()])


def assigned_stop(tt: Timetable, stop_id: str, scheduled: int) -> int | Reason:
    """Return the stop an assigned_stop_id moves a call to, or why it is ignored (A2.9).

    It must be a stop or platform (location_type 0) of the scheduled stop's station; a stop
    without a station may only move to another stop without one.
    """
    stop = tt.find_stop(stop_id)
    if stop < 0:
        return Reason.UNKNOWN_STOP
    if not is_boarding_stop(tt, stop) or tt.stop_parent[stop] != tt.stop_parent[scheduled]:
        return Reason.INVALID_ASSIGNED_STOP
    return stop


class _Builder:
    def __init__(self, tt: Timetable, resolver: InstanceResolver, tally: Tally,
                 early_limit_s: int, max_delay_s: int) -> None:
        self.tt = tt
        self.resolver = resolver
        self.tally = tally
        self.early_limit_s = early_limit_s
        self.max_delay_s = max_delay_s
        self.overlays: dict[InstanceKey, TripOverlay] = {}
        self.moved: dict[int, list[MovedRow]] = {}
        self.added: dict[int, list[Departure]] = {}
        self.added_keys: set[tuple[str, str]] = set()
        self.late = 0
        self.early = 0

    def reject(self, reason: Reason) -> None:
        self.tally.rejected[reason] += 1

    def add(self, tu: TripUpdate,
            planned: tuple[TripInstance | Reason, Predicted | Reason | None] | None = None
            ) -> None:
        """Apply one trip update (`planned`: its instance and prediction from `plan`)."""
        if planned is not None:
            self._add_scheduled(tu, *planned)
            return
        rel = tu.trip.relationship
        known = find_usable_trip(self.tt, tu.trip.trip_id) >= 0
        props = tu.properties
        if rel in (TripRelationship.NEW, TripRelationship.ADDED) and not known:
            self._add_new(tu)
        elif rel is TripRelationship.DUPLICATED or (
                rel is TripRelationship.ADDED and props is not None
                and props.start_date is not None and props.start_time is not None):
            self._add_duplicated(tu)
        elif rel in (TripRelationship.REPLACEMENT, TripRelationship.ADDED):
            self.reject(Reason.UNSUPPORTED_RELATIONSHIP)
        else:
            self._add_scheduled(tu)

    def plan(self, updates: Sequence[TripUpdate]
             ) -> dict[int, tuple[TripInstance | Reason, Predicted | Reason | None]]:
        """Resolve the scheduled trip updates whose stop_time_updates are columns
        (`realtime.stop_times`) and predict them all at once (`realtime.predict_columns`):
        by position in `updates`, the instance (or why none) and the prediction (None: to be
        made per trip). Applied in feed order by `add`, as if made there."""
        table: StopTimeTable | None = None
        chosen: list[int] = []
        for i, tu in enumerate(updates):
            stus = tu.stop_time_updates
            if (tu.trip.relationship is TripRelationship.SCHEDULED
                    and isinstance(stus, StopTimeUpdates)
                    and (table is None or stus.table is table)):
                table = stus.table
                chosen.append(i)
        if table is None:
            return {}
        trips = usable_trip_indices(self.tt, [updates[i].trip.trip_id for i in chosen])
        dated = [k for k, i in enumerate(chosen)
                 if trips[k] >= 0 and updates[i].trip.start_date is not None]
        quick = self.resolver.resolve_dated(
            trips[dated], [updates[chosen[k]].trip.start_date or "" for k in dated],
            [updates[chosen[k]].trip.start_time for k in dated])
        found: dict[int, TripInstance | Reason | None] = dict.fromkeys(chosen)
        found.update((chosen[k], inst) for k, inst in zip(dated, quick, strict=True))
        for i, inst in found.items():
            if inst is None:
                found[i] = self.resolver.resolve(updates[i].trip)
        self._past(found)
        plans: dict[int, Planned] = {}
        for i, inst in found.items():
            tu = updates[i]
            if isinstance(inst, TripInstance):
                assert isinstance(tu.stop_time_updates, StopTimeUpdates)
                offset = int(self.tt.day_base[inst.day]) + inst.shift
                plans[i] = Planned(tu.stop_time_updates.lo, tu.stop_time_updates.hi,
                                   inst.trip, offset, tu.delay)
        done = predict(self.tt, table, list(plans.values()), self.early_limit_s,
                       self.max_delay_s)
        predicted = dict(zip(plans, done, strict=True))
        return {i: (inst, predicted.get(i)) for i, inst in found.items() if inst is not None}

    def _past(self, found: dict[int, TripInstance | Reason | None]) -> None:
        """Refuse, in place, the instances whose run ended more than max_delay_s before the
        resolver's now: not the instances meant (issue 28.1)."""
        insts = [(i, inst) for i, inst in found.items() if isinstance(inst, TripInstance)]
        if not insts:
            return
        tt = self.tt
        trip = np.array([inst.trip for _, inst in insts], dtype=np.int64)
        day = np.array([inst.day for _, inst in insts], dtype=np.int64)
        shift = np.array([inst.shift for _, inst in insts], dtype=np.int64)
        end = (tt.day_base[day].astype(np.int64) + shift
               + tt.st_arr[tt.trip_st_end[trip] - 1].astype(np.int64))
        for k in np.flatnonzero(end + self.max_delay_s < self.resolver.now).tolist():
            found[insts[k][0]] = Reason.INSTANCE_IN_PAST

    def _add_scheduled(self, tu: TripUpdate, resolved: TripInstance | Reason | None = None,
                       ready: Predicted | Reason | None = None) -> None:
        """Apply a trip update to the instance it names (`resolved`, `ready`: as planned)."""
        inst = resolved
        if inst is None:
            found: dict[int, TripInstance | Reason | None] = {0: self.resolver.resolve(tu.trip)}
            self._past(found)
            inst = found[0]
            assert inst is not None
        if isinstance(inst, Reason):
            self.reject(inst)
            return
        if inst.key in self.overlays:
            self.reject(Reason.DUPLICATE_TRIP_UPDATE)   # at most one TripUpdate per instance
            return
        rel = tu.trip.relationship
        if rel is TripRelationship.CANCELED:
            overlay = TripOverlay("cancelled")
        elif rel is TripRelationship.DELETED:
            overlay = TripOverlay("deleted")
        else:
            rows = (self._predict(tu, instance_schedule(self.tt, inst)) if ready is None
                    else self._take(ready))
            if isinstance(rows, Reason):
                self.reject(rows)
                return
            overlay = TripOverlay("scheduled", rows,
                                  tu.properties.trip_headsign if tu.properties else None)
            lo = int(self.tt.trip_st_start[inst.trip])
            for i, row in rows.extras.items():       # only rows with properties can move
                if row.stop >= 0 and row.stop != int(self.tt.st_stop[lo + i]):
                    self.moved.setdefault(row.stop, []).append(MovedRow(inst, lo + i))
        self.overlays[inst.key] = overlay
        self.tally.matched += 1

    def _take(self, ready: Predicted | Reason) -> RowSpan | Reason:
        """A prediction made by `plan`, counted as `_predict` counts its own."""
        if isinstance(ready, Reason):
            return ready
        if ready.dropped:
            self.tally.dropped[Reason.STOP_SEQUENCE_NOT_IN_TRIP] += ready.dropped
        self.late, self.early = max(self.late, ready.late), max(self.early, ready.early)
        return ready.rows

    def _predict(self, tu: TripUpdate, sched: TripSchedule) -> RowUpdates | Reason:
        dropped: list[Reason] = []
        pairs = match_updates(tu.stop_time_updates, sched, self.tt.find_stop, dropped)
        if isinstance(pairs, Reason):
            return pairs
        rows = predict_rows(sched, pairs, tu.delay, self._assigned_stop, dropped,
                            self.early_limit_s)
        if isinstance(rows, Reason):
            return rows
        late = early = 0
        for predicted, planned in zip(rows.predicted, sched.departures, strict=True):
            if predicted is not None:
                late = max(late, predicted - planned)
                early = max(early, planned - predicted)
        if late > self.max_delay_s:
            return Reason.IMPLAUSIBLY_LATE              # another instance meant (issue 28.1)
        for reason in dropped:
            self.tally.dropped[reason] += 1
        self.late, self.early = max(self.late, late), max(self.early, early)
        return rows

    def _assigned_stop(self, stop_id: str, scheduled: int) -> int | Reason:
        return assigned_stop(self.tt, stop_id, scheduled)

    def _add_duplicated(self, tu: TripUpdate) -> None:
        """A copy of a static trip at TripProperties start_date/start_time (RT-ref L264)."""
        tt = self.tt
        trip = find_usable_trip(tt, tu.trip.trip_id)
        props = tu.properties
        if trip < 0:
            self.reject(Reason.UNKNOWN_TRIP)
            return
        if props is None or props.start_date is None or props.start_time is None:
            self.reject(Reason.UNKNOWN_INSTANCE)
            return
        try:
            day = tt.day_index(parse_gtfs_date(props.start_date))
            start = parse_gtfs_time(props.start_time)
        except ValueError:
            self.reject(Reason.UNKNOWN_INSTANCE)
            return
        lo = int(tt.trip_st_start[trip])
        base = self.resolver.base(day) + start - int(tt.st_dep[lo])
        inst = TripInstance(trip, day)
        sched = instance_schedule(tt, inst, base)
        rows = self._predict(tu, sched)
        if isinstance(rows, Reason):
            self.reject(rows)
            return
        new_id = props.trip_id or f"{tu.trip.trip_id}@{props.start_date}T{props.start_time}"
        if (new_id, props.start_date) in self.added_keys:
            self.reject(Reason.DUPLICATE_TRIP_UPDATE)
            return
        self.added_keys.add((new_id, props.start_date))
        last = int(tt.trip_st_end[trip]) - 1
        for i, row in enumerate(rows):
            st_row = lo + i
            if st_row == last or int(tt.st_pickup[st_row]) == 1 or not is_boardable(row):
                continue
            dep = build_departure(tt, day, sched.departures[i], st_row, -1)
            dep = replace(dep, trip_id=new_id, status="added", realtime=True,
                          trip_index=-1, st_row=-1)
            dep = overlay_departure(tt, dep, row, props.trip_headsign)
            stop = row.stop if row.stop >= 0 else int(tt.st_stop[st_row])
            self.added.setdefault(stop, []).append(dep)
        self.tally.matched += 1

    def _add_new(self, tu: TripUpdate) -> None:
        trip_id = tu.trip.trip_id or tu.entity_id
        if (trip_id, tu.trip.start_date or "") in self.added_keys:
            self.reject(Reason.DUPLICATE_TRIP_UPDATE)
            return
        deps = build_new_trip(self.tt, tu, trip_id)
        if isinstance(deps, Reason):
            self.reject(deps)
            return
        self.added_keys.add((trip_id, tu.trip.start_date or ""))
        for stop, dep in deps:
            self.added.setdefault(stop, []).append(dep)
        self.tally.matched += 1

    def build(self) -> TripUpdateIndex:
        return TripUpdateIndex(
            overlays=self.overlays,
            moved_in={s: tuple(v) for s, v in self.moved.items()},
            added={s: tuple(v) for s, v in self.added.items()},
            max_late_s=self.late, max_early_s=self.early)


def resolve_trip_updates(tt: Timetable, updates: Sequence[TripUpdate],
                         resolver: InstanceResolver, tally: Tally,
                         early_limit_s: int = DEFAULT_EARLY_LIMIT_S,
                         max_delay_s: int = DEFAULT_MAX_DELAY_S) -> TripUpdateIndex:
    """Return the lookups a board merge needs; count what could not be applied in `tally`.

    A trip update whose instance cannot be the one meant — a stop predicted more than
    `max_delay_s` late, or a run that ended more than `max_delay_s` before the resolver's
    `now` — is refused (`Reason.IMPLAUSIBLY_LATE`, `Reason.INSTANCE_IN_PAST`)."""
    builder = _Builder(tt, resolver, tally, early_limit_s, max_delay_s)
    planned = builder.plan(updates)
    for i, tu in enumerate(updates):
        builder.add(tu, planned.get(i))
    return builder.build()

"""Turn the stop_time_updates of one resolved trip into a prediction per stop (RT-TU, A2.2–A2.5).

* `time` wins over `delay`; an event with neither is no data (an unset delay is not 0).
* A delay propagates forward to later stops; SKIPPED passes it on, NO_DATA ends it.
* `TripUpdate.delay` applies from the first stop until the first stop_time_update with data.
* Stops before the first update keep their schedule and are not realtime; they are only clamped
  so that times never decrease (OTP `REQUIRED_NO_DATA`, nigiri PR #162).
* stop_sequence identifies the stop; stop_id only when it is unambiguous in the trip, or made
  unambiguous by the neighbouring updates (A2.4; OBA#163).
* An assigned_stop_id is checked by the caller's `assign_stop` (A2.9); one it refuses is
  dropped (counted) and the row stays at its scheduled stop with its times.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from realtime.reasons import Reason
from realtime.records import StopRelationship, StopTimeEvent, StopTimeUpdate

DEFAULT_EARLY_LIMIT_S = 1800   # predicted more than 30 min before schedule: not this trip

# (assigned_stop_id, scheduled stop index) -> the assigned stop index, or why it is refused
AssignStop = Callable[[str, int], "int | Reason"]


@dataclass(frozen=True, slots=True)
class RowUpdate:
    """The realtime state of one stop_time of one trip instance."""

    predicted: int | None = None      # departure epoch
    delay: int | None = None          # predicted - scheduled departure (s)
    realtime: bool = False            # a fresh prediction applies to this stop
    skipped: bool = False
    stop: int = -1                    # assigned stop index (platform change); -1 as scheduled
    headsign: str | None = None       # StopTimeProperties.stop_headsign
    pickup: int | None = None         # StopTimeProperties.pickup_type
    occupancy: str | None = None      # departure_occupancy_status
    arrival: int | None = None        # predicted arrival epoch (for the ordering checks)


NO_UPDATE = RowUpdate()


@dataclass(frozen=True, slots=True)
class TripSchedule:
    """The scheduled stops of one trip instance: GTFS stop_sequence, stop index, epochs."""

    seqs: Sequence[int]
    stops: Sequence[int]
    arrivals: Sequence[int]
    departures: Sequence[int]


def match_updates(updates: Sequence[StopTimeUpdate], sched: TripSchedule,
                  find_stop: Callable[[str], int], dropped: list[Reason]
                  ) -> list[tuple[int, StopTimeUpdate]] | Reason:
    """Return (row position, update) pairs in trip order, or the reason to reject them all.

    An update that names no row of the trip is dropped (its reason appended to `dropped`).
    """
    given = [u.stop_sequence for u in updates if u.stop_sequence is not None]
    for a, b in pairwise(given):
        if b == a:
            return Reason.REPEATED_STOP_SEQUENCE
        if b < a:
            return Reason.UNSORTED_STOP_SEQUENCE
    by_seq = {seq: i for i, seq in enumerate(sched.seqs)}
    by_stop: dict[int, list[int]] = {}
    for i, stop in enumerate(sched.stops):
        by_stop.setdefault(stop, []).append(i)
    slots: list[int | list[int] | None] = []
    for u in updates:
        if u.stop_sequence is not None:
            pos = by_seq.get(u.stop_sequence)
            if pos is None:
                dropped.append(Reason.STOP_SEQUENCE_NOT_IN_TRIP)
            slots.append(pos)
            continue
        stop = find_stop(u.stop_id) if u.stop_id is not None else -1
        rows = by_stop.get(stop, []) if stop >= 0 else []
        if not rows:
            dropped.append(Reason.UNKNOWN_STOP if stop < 0 else Reason.STOP_NOT_IN_TRIP)
            slots.append(None)
        else:
            slots.append(rows[0] if len(rows) == 1 else rows)
    positions = _disambiguate(slots, dropped)
    pairs = [(pos, u) for pos, u in zip(positions, updates, strict=True) if pos is not None]
    for (a, _), (b, _) in pairwise(pairs):
        if b == a:
            return Reason.REPEATED_STOP_SEQUENCE
        if b < a:
            return Reason.UNSORTED_STOP_SEQUENCE
    return pairs


def _disambiguate(slots: list[int | list[int] | None], dropped: list[Reason]
                  ) -> list[int | None]:
    """Place a repeated stop_id between its neighbours, or drop it (never the first blindly)."""
    out: list[int | None] = []
    for j, slot in enumerate(slots):
        if not isinstance(slot, list):
            out.append(slot)
            continue
        before = max((p for p in out if p is not None), default=-1)
        after = min((s for s in slots[j + 1:] if isinstance(s, int)), default=None)
        fits = [p for p in slot if p > before and (after is None or p < after)]
        if len(fits) == 1 and (before >= 0 or after is not None):
            out.append(fits[0])
        else:
            dropped.append(Reason.AMBIGUOUS_STOP)
            out.append(None)
    return out


def _event_time(event: StopTimeEvent | None, scheduled: int) -> int | None:
    if event is None:
        return None
    if event.time is not None:
        return event.time
    if event.delay is not None:
        return scheduled + event.delay
    return None


def predict_rows(sched: TripSchedule, pairs: list[tuple[int, StopTimeUpdate]],
                 trip_delay: int | None, assign_stop: AssignStop,
                 dropped: list[Reason], early_limit_s: int = DEFAULT_EARLY_LIMIT_S
                 ) -> tuple[RowUpdate, ...] | Reason:
    """Return one RowUpdate per scheduled stop, or the reason the whole update is rejected."""
    n = len(sched.departures)
    arr: list[int | None] = [None] * n
    dep: list[int | None] = [None] * n
    given = [False] * n
    skipped = [False] * n
    extras: dict[int, StopTimeUpdate] = {}
    at_row = dict(pairs)
    delay = trip_delay
    for i in range(n):
        u = at_row.get(i)
        if u is not None:
            extras[i] = u
            if u.relationship is StopRelationship.SKIPPED:
                skipped[i] = True                      # the delay passes over a skipped stop
                continue
            if u.relationship is StopRelationship.NO_DATA or not u.has_data:
                delay = None                           # no realtime from here on
                continue
            a = _event_time(u.arrival, sched.arrivals[i])
            d = _event_time(u.departure, sched.departures[i])
            if d is None:
                assert a is not None
                d = max(a, sched.departures[i] + (a - sched.arrivals[i]))
            if a is None:
                a = min(d, sched.arrivals[i] + (d - sched.departures[i]))
            if (d - sched.departures[i] < -early_limit_s
                    or a - sched.arrivals[i] < -early_limit_s):
                return Reason.IMPLAUSIBLY_EARLY
            arr[i], dep[i], given[i] = a, d, True
            delay = d - sched.departures[i]
        elif delay is not None:
            arr[i] = sched.arrivals[i] + delay
            dep[i] = sched.departures[i] + delay
    if not _given_in_order(arr, dep, given):
        return Reason.PREDICTIONS_BACKWARDS
    _clamp_propagated(arr, dep, given, skipped)
    clamped = _clamp_gaps(sched, arr, dep, skipped)
    return tuple(_row(sched, i, arr, dep, skipped, i in clamped, extras.get(i), assign_stop,
                      dropped) for i in range(n))


def _given_in_order(arr: list[int | None], dep: list[int | None], given: list[bool]) -> bool:
    last = None
    for i, ok in enumerate(given):
        if not ok:
            continue
        a, d = arr[i], dep[i]
        assert a is not None and d is not None
        if d < a or (last is not None and a < last):
            return False
        last = d
    return True


def _clamp_propagated(arr: list[int | None], dep: list[int | None], given: list[bool],
                      skipped: list[bool]) -> None:
    """A propagated time must not pass the next stop's predicted arrival (the bus caught up)."""
    limit: int | None = None
    for i in range(len(dep) - 1, -1, -1):
        a, d = arr[i], dep[i]
        if skipped[i] or a is None or d is None:
            continue
        if not given[i] and limit is not None and d > limit:
            d = dep[i] = limit
            a = arr[i] = min(a, d)
        limit = a


def _clamp_gaps(sched: TripSchedule, arr: list[int | None], dep: list[int | None],
                skipped: list[bool]) -> set[int]:
    """Schedule-only stops before a prediction — the trip's start, or after a NO_DATA — are
    clamped so that times never decrease along the trip (OTP#7097, nigiri PR #162); they stay
    not realtime. Return the clamped rows."""
    clamped: set[int] = set()
    limit: int | None = None          # the earliest time known for any later stop
    for i in range(len(dep) - 1, -1, -1):
        if skipped[i]:
            continue
        if dep[i] is not None:
            limit = arr[i]
            continue
        if limit is not None and sched.departures[i] > limit:
            dep[i] = limit
            arr[i] = min(sched.arrivals[i], limit)
            clamped.add(i)
        limit = sched.arrivals[i] if limit is None else min(limit, sched.arrivals[i])
    return clamped


def _row(sched: TripSchedule, i: int, arr: list[int | None], dep: list[int | None],
         skipped: list[bool], clamped: bool, u: StopTimeUpdate | None,
         assign_stop: AssignStop, dropped: list[Reason]) -> RowUpdate:
    d = dep[i]
    if u is None and d is None:
        return NO_UPDATE
    stop = -1
    headsign = pickup = occupancy = None
    if u is not None:
        if u.assigned_stop_id is not None:
            assigned = assign_stop(u.assigned_stop_id, sched.stops[i])
            if isinstance(assigned, Reason):
                dropped.append(assigned)
            else:
                stop = assigned
        headsign, pickup, occupancy = u.stop_headsign, u.pickup_type, u.departure_occupancy
    if skipped[i]:
        return RowUpdate(skipped=True, realtime=True, stop=stop, headsign=headsign,
                         pickup=pickup, occupancy=occupancy)
    return RowUpdate(
        predicted=d, delay=d - sched.departures[i] if d is not None else None,
        realtime=d is not None and not clamped, stop=stop, headsign=headsign, pickup=pickup,
        occupancy=occupancy, arrival=arr[i])

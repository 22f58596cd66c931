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

from realtime.lazy_sequence import LazySequence
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


class RowUpdates(LazySequence[RowUpdate]):
    """The RowUpdate of every stop of one trip instance, kept compact: a board reads a few of
    them, so each is built on access. Rows with properties (skipped, another platform, a
    headsign, pickup or occupancy) are kept as records; the rest as two epochs and a flag."""

    __slots__ = ("_arrivals", "_clamped", "_departures", "_scheduled", "extras")

    def __init__(self, scheduled: Sequence[int], arrivals: list[int | None],
                 departures: list[int | None], clamped: set[int],
                 extras: dict[int, RowUpdate]) -> None:
        self._scheduled = scheduled
        self._arrivals = arrivals
        self._departures = departures
        self._clamped = clamped
        self.extras = extras            # position -> the record of a row with properties

    def __len__(self) -> int:
        return len(self._departures)

    def _item(self, i: int) -> RowUpdate:
        extra = self.extras.get(i)
        if extra is not None:
            return extra
        d = self._departures[i]
        if d is None:
            return NO_UPDATE
        return RowUpdate(d, d - self._scheduled[i], i not in self._clamped, False, -1, None,
                         None, None, self._arrivals[i])

    @property
    def predicted(self) -> list[int | None]:
        """The predicted departure of every row (None: none; skipped rows included)."""
        return [None if (e := self.extras.get(i)) is not None and e.skipped else d
                for i, d in enumerate(self._departures)]

    def __reduce__(self) -> tuple[object, ...]:
        return (RowUpdates, (list(self._scheduled), self._arrivals, self._departures,
                             self._clamped, self.extras))


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
                 ) -> RowUpdates | Reason:
    """Return one RowUpdate per scheduled stop, or the reason the whole update is rejected."""
    n = len(sched.departures)
    arr: list[int | None] = [None] * n
    dep: list[int | None] = [None] * n
    given = [False] * n
    skipped = [False] * n
    at_row = dict(pairs)
    delay = trip_delay
    sched_arr, sched_dep = sched.arrivals, sched.departures
    skip, no_data = StopRelationship.SKIPPED, StopRelationship.NO_DATA
    for i in range(n):
        u = at_row.get(i)
        if u is None:
            if delay is not None:
                arr[i] = sched_arr[i] + delay
                dep[i] = sched_dep[i] + delay
            continue
        rel = u.relationship
        if rel is skip:
            skipped[i] = True                          # the delay passes over a skipped stop
            continue
        # inlined _event_time: `time` wins over `delay`; neither is no data
        ev = u.arrival
        a = (None if ev is None else ev.time if ev.time is not None
             else sched_arr[i] + ev.delay if ev.delay is not None else None)
        ev = u.departure
        d = (None if ev is None else ev.time if ev.time is not None
             else sched_dep[i] + ev.delay if ev.delay is not None else None)
        if rel is no_data or (a is None and d is None):
            delay = None                               # no realtime from here on
            continue
        if d is None:
            assert a is not None
            d = max(a, sched_dep[i] + (a - sched_arr[i]))
        if a is None:
            a = min(d, sched_arr[i] + (d - sched_dep[i]))
        if d - sched_dep[i] < -early_limit_s or a - sched_arr[i] < -early_limit_s:
            return Reason.IMPLAUSIBLY_EARLY
        arr[i], dep[i], given[i] = a, d, True
        delay = d - sched_dep[i]
    if not _given_in_order(arr, dep, given):
        return Reason.PREDICTIONS_BACKWARDS
    _clamp_propagated(arr, dep, given, skipped)
    clamped = _clamp_gaps(sched, arr, dep, skipped)
    extras = {i: _row(sched, i, arr, dep, skipped, i in clamped, at_row.get(i), assign_stop,
                      dropped)
              for i in range(n) if skipped[i] or _has_properties(at_row.get(i))}
    return RowUpdates(sched_dep, arr, dep, clamped, extras)


def _has_properties(u: StopTimeUpdate | None) -> bool:
    return u is not None and (u.assigned_stop_id is not None or u.stop_headsign is not None
                              or u.pickup_type is not None
                              or u.departure_occupancy is not None)


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

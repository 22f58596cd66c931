"""Merge a stop's scheduled departures with the live realtime snapshots: one board's worth.

Selection follows the departures contract: effective = predicted, else scheduled; listed iff
at <= effective < at + window; sorted by (effective, scheduled, trip_id); limit after sorting.
The schedule is queried wider than the window — back by the largest delay and ahead by the
largest early running in the snapshots — so a late bus stays listed until its *predicted* time
has passed (vingerha/gtfs2#157). Cost per board: one index query plus dict lookups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from feeds import Departure, Timetable
from feeds.departures import build_departure, find_rows
from realtime.alerts import (
    StopScope,
    agency_of,
    board_alerts,
    departure_alert_ids,
    stop_family,
)
from realtime.freshness import (
    DEFAULT_MAX_AGE_S,
    Freshness,
    board_freshness,
    feed_freshness,
    usable_snapshot,
)
from realtime.overlay import is_boardable, overlay_departure, overlay_vehicle
from realtime.propagation import RowUpdate
from realtime.records import Alert
from realtime.state import RealtimeState, Snapshot
from realtime.trip_updates import InstanceKey, TripOverlay


@dataclass(frozen=True)
class MergedBoard:
    departures: tuple[Departure, ...]
    status: Freshness                       # over the sources that can carry predictions
    feed_timestamp: int | None              # the oldest header timestamp of those sources
    alerts: tuple[Alert, ...]               # the active alerts of the stop, as decoded
    sources: tuple[tuple[str, Freshness], ...]   # every source with its own freshness


def merge_board(tt: Timetable, stop: int, at: int, window_s: int,
                state: RealtimeState | None, max_age_s: int = DEFAULT_MAX_AGE_S,
                limit: int | None = None) -> MergedBoard:
    """Return the departures, realtime status and alerts of stop index `stop` at `at`."""
    feeds = state.feeds if state is not None else ()
    live: list[Snapshot] = []
    sources: list[tuple[str, Freshness]] = []
    for feed in feeds:
        fresh = feed_freshness(feed, tt, at, max_age_s)
        sources.append((feed.source, fresh))
        snap = usable_snapshot(feed, tt)
        if snap is not None and fresh is Freshness.LIVE:
            live.append(snap)
    status, feed_timestamp = board_freshness(feeds, tt, at, max_age_s)
    departures = sorted(_departures(tt, stop, at, window_s, live), key=Departure.sort_key)
    if limit is not None:
        departures = departures[:limit]
    alerts: list[Alert] = []
    with_alerts = [s for s in live if s.alerts.alerts]
    if with_alerts:
        departures = [_with_alert_ids(tt, d, with_alerts, at) for d in departures]
        scope = stop_scope(tt, stop)
        seen: set[str] = set()
        for snap in with_alerts:
            for alert in board_alerts(snap.alerts, scope, at):
                if alert.entity_id not in seen:
                    seen.add(alert.entity_id)
                    alerts.append(alert)
    return MergedBoard(
        departures=tuple(departures),
        status=status, feed_timestamp=feed_timestamp,
        alerts=tuple(alerts), sources=tuple(sources))


def _with_alert_ids(tt: Timetable, dep: Departure, snaps: Sequence[Snapshot], at: int
                    ) -> Departure:
    ids: list[str] = []
    for snap in snaps:
        ids += [i for i in departure_alert_ids(tt, snap.alerts, dep, at) if i not in ids]
    return replace(dep, alert_ids=tuple(ids)) if ids else dep


def stop_scope(tt: Timetable, stop: int) -> StopScope:
    """The stop ids, routes, route types and agencies a board's alerts are chosen by."""
    ids: set[str] = set()
    trips: list[npt.NDArray[np.int32]] = []
    for p in tt.platforms_of(stop):
        ids |= stop_family(tt, p)
        trips.append(tt.st_trip[tt.ix_st[int(tt.ix_ptr[p]):int(tt.ix_ptr[p + 1])]])
    ids |= stop_family(tt, stop)
    served = np.unique(np.concatenate(trips)) if trips else np.zeros(0, dtype=np.int32)
    pairs = {(int(r), int(d)) for r, d in zip(tt.trip_route[served].tolist(),
                                              tt.trip_direction[served].tolist(), strict=True)}
    routes = [tt.routes[r] for r in {r for r, _ in pairs}]
    agencies = {a for a in (agency_of(tt, r.agency_id) for r in routes) if a is not None}
    if len(tt.agencies) == 1 and tt.agencies[0].id:
        agencies.add(tt.agencies[0].id)          # one operator: its alerts reach every stop
    return StopScope(
        stop_ids=frozenset(ids), routes=frozenset(r.id for r in routes),
        route_directions=frozenset((tt.routes[r].id, d) for r, d in pairs if d >= 0),
        route_types=frozenset(r.type for r in routes), agencies=frozenset(agencies))


def _find_overlay(live: Sequence[Snapshot], key: InstanceKey
                  ) -> tuple[TripOverlay | None, Snapshot | None]:
    for snap in live:
        overlay = snap.trips.overlays.get(key)
        if overlay is not None:
            return overlay, snap
    return None, None


def _vehicle(live: Sequence[Snapshot], key: InstanceKey, dep: Departure) -> Departure:
    for snap in live:
        info = snap.vehicles.get(key)
        if info is not None:
            return overlay_vehicle(dep, info)
    return dep


def _row_effective(overlay: TripOverlay, row: RowUpdate | None, scheduled: int) -> int:
    if overlay.status != "scheduled" or row is None or row.skipped or row.predicted is None:
        return scheduled
    return row.predicted


def _departures(tt: Timetable, stop: int, at: int, window_s: int,
                live: Sequence[Snapshot]) -> list[Departure]:
    end = at + window_s
    back = max((s.trips.max_late_s for s in live), default=0)
    ahead = max((s.trips.max_early_s for s in live), default=0)
    out: list[Departure] = []
    for platform in tt.platforms_of(stop):
        for day, epoch, st_row, freq_row in find_rows(tt, platform, at - back, end + ahead):
            trip = int(tt.st_trip[st_row])
            shift = (epoch - int(tt.day_base[day]) - int(tt.st_dep[st_row])
                     if freq_row >= 0 else 0)
            key = (trip, day, shift)
            overlay, _ = _find_overlay(live, key) if live else (None, None)
            if overlay is None:
                if at <= epoch < end:
                    out.append(_vehicle(live, key, build_departure(tt, day, epoch, st_row,
                                                                   freq_row)))
                continue
            dep = _overlaid(tt, overlay, key, day, epoch, st_row, freq_row, platform, at, end)
            if dep is not None:
                out.append(_vehicle(live, key, dep))
        for snap in live:
            for moved in snap.trips.moved_in.get(platform, ()):
                inst = moved.instance
                overlay, owner = _find_overlay(live, inst.key)
                if overlay is None or owner is not snap:
                    continue
                epoch = int(tt.day_base[inst.day]) + int(tt.st_dep[moved.st_row]) + inst.shift
                dep = _overlaid(tt, overlay, inst.key, inst.day, epoch, moved.st_row,
                                inst.freq_row, platform, at, end)
                if dep is not None:
                    out.append(_vehicle(live, inst.key, dep))
            out += [d for d in snap.trips.added.get(platform, ()) if at <= d.effective < end]
    return out


def _overlaid(tt: Timetable, overlay: TripOverlay, key: InstanceKey, day: int, epoch: int,
              st_row: int, freq_row: int, platform: int, at: int, end: int
              ) -> Departure | None:
    """Return the realtime departure of one scheduled row at `platform`, if it is listed."""
    if overlay.status == "deleted":
        return None                                   # DELETED trips are not shown
    row = None
    if overlay.rows:
        row = overlay.rows[st_row - int(tt.trip_st_start[key[0]])]
        target = row.stop if row.stop >= 0 else int(tt.st_stop[st_row])
        if target != platform or not is_boardable(row):
            return None                               # moved to another platform / no pickup
    if not at <= _row_effective(overlay, row, epoch) < end:
        return None
    dep = build_departure(tt, day, epoch, st_row, freq_row)
    if overlay.status == "cancelled":
        return replace(dep, status="cancelled", predicted=None, delay_s=None, realtime=True)
    assert row is not None
    return overlay_departure(tt, dep, row, overlay.headsign)

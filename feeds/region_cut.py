"""Cut the tables of a feed to a region before the timetable is built (see `feeds.region`).

Kept: every trip that calls at a stop of the region, with all its stop_times; the stops those
trips call at, the region's own stops, and the stations/parents all of them need; the routes,
services and frequencies of the kept trips; every agency. Nothing else. A station of the region
brings its platforms (and their boarding areas), so its board is the same as in the full build.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from feeds.ids import IdArray
from feeds.read import Tables, clean_id
from feeds.region import Region
from feeds.stop_times_reader import RawStopTimes

Mask = npt.NDArray[np.bool_]


def _positions(ids: IdArray, values: list[str | None]) -> npt.NDArray[np.int64]:
    """Return each value's index in the sorted ids (-1 when absent or None)."""
    if not ids.size:
        return np.full(len(values), -1, dtype=np.int64)
    keys = np.array([(v or "").encode("utf-8") for v in values], dtype=object)
    fits = np.array([0 < len(k) <= ids.dtype.itemsize for k in keys], dtype=bool)
    as_bytes = np.where(fits, keys, b"").astype(ids.dtype)
    pos = np.minimum(np.searchsorted(ids, as_bytes), ids.size - 1)
    found: npt.NDArray[np.int64] = np.where(fits & (ids[pos] == as_bytes), pos, -1)
    return found


def _stop_tree(stops: Any, stop_ids: IdArray) -> tuple[npt.NDArray[np.int64], Any, Any]:
    """Return (parent index per stop, lat, lon), all indexed like `stop_ids`."""
    n = len(stop_ids)
    pos = _positions(stop_ids, [clean_id(v) for v in stops["stop_id"].tolist()])
    parent_of_row = _positions(stop_ids, [clean_id(v) for v in stops["parent_station"].tolist()]
                               ) if "parent_station" in stops.columns else np.full(len(pos), -1)
    parent = np.full(n, -1, dtype=np.int64)
    lat, lon = np.full(n, np.nan), np.full(n, np.nan)
    ok = pos >= 0
    parent[pos[ok]] = parent_of_row[ok]
    for column, out in (("stop_lat", lat), ("stop_lon", lon)):
        if column in stops.columns:
            out[pos[ok]] = pd.to_numeric(stops[column], errors="coerce").to_numpy(float)[ok]
    return parent, lat, lon


def _with_descendants(mask: Mask, parent: npt.NDArray[np.int64]) -> Mask:
    out = mask.copy()
    has_parent = parent >= 0
    for _ in range(4):                     # station > platform > boarding area: 2 levels
        grow = has_parent & ~out
        grow[grow] = out[parent[grow]]
        if not grow.any():
            break
        out |= grow
    return out


def _with_ancestors(mask: Mask, parent: npt.NDArray[np.int64]) -> Mask:
    out = mask.copy()
    for _ in range(4):
        above = parent[out & (parent >= 0)]
        new = above[~out[above]]
        if not new.size:
            break
        out[new] = True
    return out


def _remap(mask: Mask) -> npt.NDArray[np.int32]:
    """Old index -> new index among the kept (-1 for dropped); the last slot maps -1 to -1."""
    new = np.full(len(mask) + 1, -1, dtype=np.int32)
    new[:-1][mask] = np.arange(int(mask.sum()), dtype=np.int32)
    return new


def _filter(frame: Any, column: str, keep: set[str], strip: bool = True) -> Any:
    if frame is None or column not in frame.columns:
        return frame
    values = [clean_id(v, strip) for v in frame[column].tolist()]
    return frame[np.array([v in keep for v in values], dtype=bool)].reset_index(drop=True)


def _id_set(ids: IdArray, mask: Mask) -> set[str]:
    return {bytes(b).decode("utf-8") for b in ids[mask]}


def cut_tables(tables: Tables, region: Region) -> Tables:
    """Return the tables of the trips that call in `region` (see the module docstring)."""
    raw = tables.stop_times
    trip_ids, stop_ids = tables.trip_ids, tables.stop_ids
    stops, trips = tables.get("stops"), tables.get("trips")
    if raw is None or trip_ids is None or stop_ids is None or stops is None or trips is None:
        return tables
    parent, lat, lon = _stop_tree(stops, stop_ids)
    in_region = _with_descendants(region.contains(stop_ids, lat, lon), parent)
    called = raw.stop >= 0
    calls_here = np.zeros(len(raw.trip), dtype=bool)
    calls_here[called] = in_region[raw.stop[called]]
    kept_trip = np.zeros(len(trip_ids), dtype=bool)
    kept_trip[raw.trip[calls_here]] = True
    rows = kept_trip[raw.trip]
    used = np.zeros(len(stop_ids), dtype=bool)
    row_stops = raw.stop[rows]
    used[row_stops[row_stops >= 0]] = True
    kept_stop = _with_ancestors(used | in_region, parent)

    trip_map, stop_map = _remap(kept_trip), _remap(kept_stop)
    cut = RawStopTimes(
        trip=trip_map[raw.trip[rows]], stop=stop_map[raw.stop[rows]], seq=raw.seq[rows],
        arr=raw.arr[rows], dep=raw.dep[rows], pickup=raw.pickup[rows], drop=raw.drop[rows],
        timepoint=raw.timepoint[rows], headsign=raw.headsign[rows], texts=raw.texts,
        rows=int(rows.sum()), orphans=0, notes=raw.notes)

    kept_trips = _filter(trips, "trip_id", _id_set(trip_ids, kept_trip), strip=False)
    services = {s for s in (clean_id(v) for v in kept_trips["service_id"].tolist()) if s}
    route_ids = {r for r in (clean_id(v) for v in kept_trips["route_id"].tolist()) if r}
    frames = dict(tables.frames)
    frames["stops"] = _filter(stops, "stop_id", _id_set(stop_ids, kept_stop))
    frames["trips"] = kept_trips
    frames["routes"] = _filter(frames.get("routes"), "route_id", route_ids)
    frames["calendar"] = _filter(frames.get("calendar"), "service_id", services)
    frames["calendar_dates"] = _filter(frames.get("calendar_dates"), "service_id", services)
    frames["frequencies"] = _filter(frames.get("frequencies"), "trip_id",
                                    _id_set(trip_ids, kept_trip), strip=False)
    return replace(tables, frames=frames, stop_times=cut, trip_ids=trip_ids[kept_trip],
                   stop_ids=stop_ids[kept_stop])

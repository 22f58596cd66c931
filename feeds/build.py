"""Build a Timetable from the tables gtfs-kit read (pandas stays inside this module)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pandas as pd

from feeds.arrow_columns import arrow_text, lookup
from feeds.calendar import build_service_matrix
from feeds.departure_index import build_departure_index
from feeds.errors import FeedInvalid
from feeds.ids import IdArray, build_ids, decode_ids
from feeds.model import ExclusionReason
from feeds.progress import Progress, ProgressCallback, no_progress
from feeds.read import Tables, table_ids
from feeds.stop_times import build_stop_times, parse_times, trip_ranges
from feeds.tables import (
    agencies_of,
    calendar_of,
    clean_text,
    int_column,
    routes_of,
    stops_of,
    text_column,
)
from feeds.timebase import build_day_bases
from feeds.timetable import Timetable

I32 = npt.NDArray[np.int32]


def build_timetable(tables: Tables, *, key: str | None = None, region: str | None = None,
                    progress: ProgressCallback = no_progress) -> Timetable:
    """Return the Timetable of a feed; raise FeedInvalid when the feed cannot work.

    Consumes `tables`: its stop_times columns and frames are released while the timetable is
    built, so that a national feed's build stays within a few GiB.

    `key` is the timetable's feed_hash (default: the feed's identity); `region` the canonical
    text of the region the tables were cut to.
    """
    excluded: Counter[str] = Counter()
    agencies, timezone = agencies_of(tables.get("agency"))
    stops = stops_of(tables.get("stops"))
    stops.pop("_index")
    route_ids, routes, route_index = routes_of(tables.get("routes"))
    service_list, cal_rows, cal_exc = calendar_of(tables)
    service_ids = build_ids(service_list)
    service_index = pd.Index(decode_ids(service_ids))

    trips = tables.get("trips")
    named = trips["trip_id"].notna()
    if not named.all():
        trips = trips[named]         # (a copy of every column: only when a row has no id)
    duplicated = trips["trip_id"].duplicated()
    if duplicated.any():
        excluded[ExclusionReason.DUPLICATE_TRIP_ID] += int(duplicated.sum())
        trips = trips[~duplicated]
    trip_ids = tables.trip_ids if tables.trip_ids is not None else table_ids(
        trips, "trip_id", strip=False)
    order = id_positions(trip_ids, trips["trip_id"])
    n_trips = len(trip_ids)

    def by_trip(values: npt.NDArray[Any], fill: int) -> npt.NDArray[Any]:
        out = np.full(n_trips, fill, dtype=values.dtype)
        out[order] = values
        return out

    trip_route = by_trip(id_positions(route_ids, trips["route_id"], route_index), -1)
    trip_service = by_trip(id_positions(service_ids, trips["service_id"], service_index), -1)
    trip_direction = by_trip(int_column(trips, "direction_id", -1).astype(np.int8), -1)
    trip_wheel = by_trip(int_column(trips, "wheelchair_accessible", 0).astype(np.int8), 0)

    raw = tables.stop_times
    if raw is None or raw.rows == 0:
        raise FeedInvalid("stop_times.txt", "no stop_times")
    source_counts = _source_counts(tables)
    progress(Progress("trips", n_trips, n_trips, "trips"))
    st, bad = build_stop_times(raw, n_trips, excluded)
    stop_texts = st.texts
    for mask, reason in ((trip_route < 0, ExclusionReason.UNKNOWN_ROUTE),
                         (trip_service < 0, ExclusionReason.UNKNOWN_SERVICE)):
        new = mask & ~bad
        if new.any():
            excluded[reason] += int(new.sum())
            bad |= new
    keep = ~bad[st.trip]
    names = ("trip", "stop", "seq", "arr", "dep", "pickup", "drop", "flags", "headsign")
    st_cols = {k: getattr(st, k) if keep.all() else getattr(st, k)[keep] for k in names}
    del keep, st

    # one text table for headsigns: stop_headsign codes first, then trip headsigns appended
    texts = list(stop_texts)
    trip_hs_codes, trip_hs_uniques = pd.factorize(clean_text(trips, "trip_headsign"),
                                                  use_na_sentinel=True)
    trip_headsign = np.where(trip_hs_codes >= 0, trip_hs_codes + len(texts), -1).astype(np.int32)
    texts.extend(str(t) for t in trip_hs_uniques)
    trip_headsign = by_trip(trip_headsign, -1)

    counts = np.bincount(st_cols["trip"], minlength=n_trips)
    trip_st_start, trip_st_end = trip_ranges(st_cols["trip"], n_trips)

    freq = _frequencies(tables.get("frequencies"), trip_ids, bad, counts, excluded)
    feed_info = tables.get("feed_info")
    version = text_column(feed_info, "feed_version")[0] if feed_info is not None else None
    del trips
    tables.frames.clear()            # the DataFrames are not needed any more: free them now
    progress(Progress("index", len(st_cols["trip"]), len(st_cols["trip"])))
    index = build_departure_index(
        len(stops["stop_ids"]), st_cols["trip"], st_cols["stop"], st_cols["dep"],
        st_cols["pickup"], trip_st_start, trip_st_end, *freq[:4])

    progress(Progress("calendar"))
    first_day, active = build_service_matrix(service_list, cal_rows, cal_exc)
    zone = ZoneInfo(timezone)
    day_base = build_day_bases(first_day, active.shape[1], zone)
    dst_note = _dst_note(first_day, day_base, active, trip_service,
                         st_cols["trip"][st_cols["dep"] < 4 * 3600], zone)
    max_dep = int(index.dep.max()) if index.dep.size else 0
    return Timetable(
        feed_hash=key or tables.content_hash, region=region, timezone=timezone,
        feed_version=version,
        agencies=agencies, route_ids=route_ids, routes=routes, **stops,
        trip_ids=trip_ids, trip_route=trip_route, trip_service=trip_service,
        trip_headsign=trip_headsign, trip_direction=trip_direction, trip_wheelchair=trip_wheel,
        trip_st_start=trip_st_start, trip_st_end=trip_st_end,
        st_trip=st_cols["trip"], st_stop=st_cols["stop"], st_seq=st_cols["seq"],
        st_arr=st_cols["arr"], st_dep=st_cols["dep"], st_pickup=st_cols["pickup"],
        st_drop=st_cols["drop"], st_flags=st_cols["flags"], st_headsign=st_cols["headsign"],
        freq_trip=freq[0], freq_start=freq[1], freq_end=freq[2], freq_headway=freq[3],
        freq_exact=freq[4],
        service_ids=service_ids, first_day=first_day, service_active=active,
        day_base=day_base,
        ix_ptr=index.ptr, ix_dep=index.dep, ix_st=index.st, ix_freq=index.freq,
        max_span_days=max_dep // 86_400 + 1,  # +1: a 23 h DST day
        texts=tuple(texts),
        excluded=dict(excluded), source_counts=source_counts,
        notes=tuple(f"{f}: not UTF-8, read as Latin-1" for f in tables.recoded)
        + tables.blanked + dst_note,
    )


def id_positions(ids: IdArray, column: pd.Series, index: pd.Index | None = None) -> I32:
    """Return each cell's position in the sorted id table `ids` (-1: not there or empty),
    matched as written (as `pd.Index.get_indexer` of the decoded ids does, which `index` may
    hold already); Arrow-backed text is looked up without making Python strings."""
    text = arrow_text(column)
    if text is not None:
        return lookup(text, ids)
    found: I32 = (index if index is not None else pd.Index(decode_ids(ids))).get_indexer(
        column).astype(np.int32)
    return found


def _dst_note(first_day: dt.date, day_base: npt.NDArray[np.int64],
              active: npt.NDArray[np.bool_], trip_service: npt.NDArray[np.int32],
              early_trips: npt.NDArray[np.int32], zone: ZoneInfo) -> tuple[str, ...]:
    """Flag trips with times in [00:00, 04:00) on DST change days (gtfs-semantics A1.1).

    On those days "noon minus 12 h" is not midnight, so such times read an hour off to anyone
    who assumes midnight; producers disagree (google/transit#325). Night buses are better
    expressed as 24:xx+ on the previous service day.
    """
    early = np.unique(early_trips)
    notes = []
    for day in range(len(day_base)):
        date = first_day + dt.timedelta(days=day)
        midnight = int(dt.datetime(date.year, date.month, date.day, tzinfo=zone).timestamp())
        if midnight == int(day_base[day]) or early.size == 0:
            continue
        services = trip_service[early]
        running = int(np.count_nonzero(active[services[services >= 0], day]))
        if running:
            notes.append(f"{running} trip(s) with times 00:00–04:00 run on {date.isoformat()}, "
                         "a DST change day: times count from noon minus 12 h (GTFS), not "
                         "midnight")
    return tuple(notes)


def _source_counts(tables: Tables) -> dict[str, int]:
    counts = {name: len(frame) for name, frame in tables.frames.items() if frame is not None}
    if tables.stop_times is not None:
        counts["stop_times"] = tables.stop_times.rows
    return counts


def _frequencies(
    frame: pd.DataFrame | None,
    trip_ids: IdArray,
    bad: npt.NDArray[np.bool_],
    counts: npt.NDArray[np.int64],
    excluded: Counter[str],
) -> tuple[Any, Any, Any, Any, Any]:
    if frame is None or frame.empty:
        empty = np.zeros(0, dtype=np.int32)
        return empty, empty, empty, empty, np.zeros(0, dtype=np.int8)
    trip = id_positions(trip_ids, frame["trip_id"])
    start = parse_times(frame["start_time"], "frequencies.txt", "start_time")
    end = parse_times(frame["end_time"], "frequencies.txt", "end_time")
    headway = int_column(frame, "headway_secs", 0).astype(np.int32)
    exact = int_column(frame, "exact_times", 0).astype(np.int8)
    valid = (trip >= 0) & (headway > 0) & (start >= 0) & (end > start)
    if (~valid).any():
        excluded[ExclusionReason.BAD_FREQUENCY] += int((~valid).sum())
    valid &= ~bad[np.maximum(trip, 0)] & (counts[np.maximum(trip, 0)] >= 2)
    return trip[valid], start[valid], end[valid], headway[valid], exact[valid]

"""The small tables of a feed (agency, stops, routes, calendars) as the timetable holds them:
text cleaned, colours checked, ids and references resolved. pandas stays inside `feeds/`."""

from __future__ import annotations

import math
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt
import pandas as pd

from feeds.calendar import WEEKDAYS, CalendarException, CalendarRow
from feeds.errors import FeedInvalid
from feeds.ids import build_ids, decode_ids
from feeds.model import Agency, Route
from feeds.read import Tables
from feeds.timebase import parse_gtfs_date


def _text(value: Any) -> str | None:
    """Return a clean string for a cell, None for empty/NA (numbers read by pandas included)."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))
    text = str(value).strip()
    return text or None


def clean_text(frame: pd.DataFrame, name: str) -> pd.Series:
    """Return a text column stripped, with empty cells as NA (vectorised `_text`)."""
    if name not in frame.columns:
        return pd.Series([None] * len(frame), dtype=object)
    text = frame[name].astype("string").str.strip()
    return text.mask(text == "").astype(object).where(text.notna() & (text != ""), None)


def text_column(frame: pd.DataFrame, name: str) -> list[str | None]:
    if name not in frame.columns:
        return [None] * len(frame)
    return [_text(v) for v in frame[name].tolist()]


def int_column(frame: pd.DataFrame, name: str, default: int) -> npt.NDArray[np.int64]:
    if name not in frame.columns:
        return np.full(len(frame), default, dtype=np.int64)
    numbers = pd.to_numeric(frame[name], errors="coerce").fillna(default)
    values: npt.NDArray[np.int64] = numbers.to_numpy(dtype=np.int64)
    return values


def _colour(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.lstrip("#")
    return value if len(value) == 6 and all(c in "0123456789abcdefABCDEF" for c in value) else None


def agencies_of(frame: pd.DataFrame) -> tuple[tuple[Agency, ...], str]:
    zones = text_column(frame, "agency_timezone")
    ids, names, urls = (text_column(frame, c) for c in ("agency_id", "agency_name", "agency_url"))
    agencies = []
    for row, zone in enumerate(zones, start=1):
        if zone is None:
            raise FeedInvalid("agency.txt", "agency_timezone is required", row=row,
                              field="agency_timezone")
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise FeedInvalid("agency.txt", f"unknown time zone {zone!r}", row=row,
                              field="agency_timezone") from exc
        agencies.append(Agency(id=ids[row - 1] or "", name=names[row - 1] or "",
                               timezone=zone, url=urls[row - 1]))
    # GTFS requires one timezone for all agencies; times are read in the first one's.
    return tuple(agencies), agencies[0].timezone


def stops_of(frame: pd.DataFrame) -> dict[str, Any]:
    ids = text_column(frame, "stop_id")
    for row, value in enumerate(ids, start=1):
        if value is None:
            raise FeedInvalid("stops.txt", "stop_id is empty", row=row, field="stop_id")
    sorted_ids = build_ids(i for i in ids if i is not None)
    index = pd.Index(decode_ids(sorted_ids))
    pos = index.get_indexer(pd.Index(ids))
    n = len(sorted_ids)

    def place(values: list[Any], fill: Any) -> list[Any]:
        out = [fill] * n
        for p, v in zip(pos, values, strict=True):
            out[p] = v if v is not None else fill
        return out

    names = place(text_column(frame, "stop_name"), "")
    platforms = place(text_column(frame, "platform_code"), "")
    parent_ids = place(text_column(frame, "parent_station"), None)
    parent = index.get_indexer(pd.Index([p if p is not None else "" for p in parent_ids]))
    loc = np.zeros(n, dtype=np.int8)
    loc[pos] = int_column(frame, "location_type", 0)
    wheel = np.zeros(n, dtype=np.int8)
    wheel[pos] = int_column(frame, "wheelchair_boarding", 0)
    lat = np.zeros(n)
    lon = np.zeros(n)
    lat[pos] = pd.to_numeric(frame["stop_lat"], errors="coerce").fillna(0).to_numpy(float)
    lon[pos] = pd.to_numeric(frame["stop_lon"], errors="coerce").fillna(0).to_numpy(float)
    parent = parent.astype(np.int32)
    # a platform without stop-level wheelchair info inherits its station's (GTFS L227)
    inherit = (wheel == 0) & (parent >= 0)
    wheel[inherit] = wheel[parent[inherit]]
    has_parent = np.flatnonzero(parent >= 0)
    order = has_parent[np.argsort(parent[has_parent], kind="stable")]
    child_ptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(parent[has_parent], minlength=n), out=child_ptr[1:])
    return dict(stop_ids=sorted_ids, stop_name=tuple(names), stop_platform=tuple(platforms),
                stop_parent=parent, stop_location_type=loc, stop_lat=lat, stop_lon=lon,
                stop_wheelchair=wheel, child_ptr=child_ptr, child_idx=order.astype(np.int32),
                _index=index)


def routes_of(frame: pd.DataFrame) -> tuple[Any, tuple[Route, ...], pd.Index]:
    ids = text_column(frame, "route_id")
    records = {}
    types = int_column(frame, "route_type", 3)
    cols = {c: text_column(frame, c) for c in ("route_short_name", "route_long_name", "route_color",
                                           "route_text_color", "agency_id")}
    for i, rid in enumerate(ids):
        if rid is None or rid in records:
            continue
        records[rid] = Route(
            id=rid, short_name=cols["route_short_name"][i], long_name=cols["route_long_name"][i],
            type=int(types[i]), color=_colour(cols["route_color"][i]),
            text_color=_colour(cols["route_text_color"][i]), agency_id=cols["agency_id"][i])
    sorted_ids = build_ids(records)
    index = pd.Index(decode_ids(sorted_ids))
    return sorted_ids, tuple(records[r] for r in index), index


def calendar_of(tables: Tables) -> tuple[list[str], list[CalendarRow], list[CalendarException]]:
    rows: list[CalendarRow] = []
    exceptions: list[CalendarException] = []
    cal = tables.get("calendar")
    if cal is not None:
        flags = [int_column(cal, d, 0) for d in WEEKDAYS]
        for i, (sid, start, end) in enumerate(zip(text_column(cal, "service_id"),
                                                  text_column(cal, "start_date"),
                                                  text_column(cal, "end_date"), strict=True)):
            try:
                rows.append(CalendarRow(str(sid), tuple(bool(f[i]) for f in flags),  # type: ignore[arg-type]
                                        parse_gtfs_date(start or ""), parse_gtfs_date(end or "")))
            except ValueError as exc:
                raise FeedInvalid("calendar.txt", str(exc), row=i + 1,
                                  field="start_date/end_date") from exc
    dates = tables.get("calendar_dates")
    if dates is not None:
        kinds = int_column(dates, "exception_type", 0)
        for i, (sid, day) in enumerate(zip(text_column(dates, "service_id"),
                                           text_column(dates, "date"), strict=True)):
            try:
                date = parse_gtfs_date(day or "")
            except ValueError as exc:
                raise FeedInvalid("calendar_dates.txt", str(exc), row=i + 1, field="date") from exc
            if kinds[i] in (1, 2):
                exceptions.append(CalendarException(str(sid), date, added=kinds[i] == 1))
    service_ids = sorted({r.service_id for r in rows} | {e.service_id for e in exceptions})
    return service_ids, rows, exceptions

"""Build small GTFS zips in code for tests (shared by feeds/ and realtime/ tests).

Usage::

    feed = GtfsBuilder()                        # one agency, Europe/Berlin
    feed.add_station("HBF", "Mainz Hbf", platforms={"HBF:1": "1", "HBF:2": "2"})
    feed.add_stop("UNI", "Universität")
    feed.add_route("R50", short_name="50", color="E30613")
    feed.add_calendar("WK", "1111100", "20260101", "20261231")
    feed.add_trip("T1", "R50", "WK", [("HBF:1", "06:30:00"), ("UNI", "06:45:00")])
    path = feed.write(tmp_path / "feed.zip")

Rows are plain dicts; columns are the union of keys, in first-seen order. Values are written
with the csv module (fields with commas or quotes are quoted). `write_gtfs_zip` writes any files
verbatim (str rows, or raw bytes for encoding tests). Add functions here; never change existing
signatures (other test packages use them).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BERLIN = "Europe/Berlin"

Row = Mapping[str, Any]
# a stop_time given to add_trip: (stop_id, time) for arrival = departure, (stop_id, arr, dep),
# or (stop_id, arr, dep, {extra columns such as pickup_type, stop_headsign, timepoint})
StopTimeSpec = tuple[Any, ...]


def csv_text(rows: Sequence[Row], columns: Sequence[str] | None = None) -> str:
    """Return rows as CSV text (header + rows); None becomes an empty cell."""
    if columns is None:
        seen: dict[str, None] = {}
        for row in rows:
            for key in row:
                seen.setdefault(key, None)
        columns = list(seen)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return out.getvalue()


def write_gtfs_zip(path: Path, files: Mapping[str, Sequence[Row] | str | bytes]) -> Path:
    """Write a zip with one member per entry: `name` (".txt" added if missing) -> content.

    Content is a list of row dicts (CSV), a str (written as UTF-8) or bytes (written verbatim).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            member = name if name.endswith(".txt") else f"{name}.txt"
            if isinstance(content, bytes):
                data = content
            elif isinstance(content, str):
                data = content.encode("utf-8")
            else:
                data = csv_text(content).encode("utf-8")
            zf.writestr(member, data)
    return path


@dataclass
class GtfsBuilder:
    """A small feed under construction; `write` turns it into a GTFS zip."""

    timezone: str = BERLIN
    agency_id: str = "MVG"
    agency_name: str = "Mainzer Mobilität"
    agency: list[dict[str, Any]] = field(default_factory=list)
    stops: list[dict[str, Any]] = field(default_factory=list)
    routes: list[dict[str, Any]] = field(default_factory=list)
    trips: list[dict[str, Any]] = field(default_factory=list)
    stop_times: list[dict[str, Any]] = field(default_factory=list)
    calendar: list[dict[str, Any]] = field(default_factory=list)
    calendar_dates: list[dict[str, Any]] = field(default_factory=list)
    frequencies: list[dict[str, Any]] = field(default_factory=list)
    feed_info: list[dict[str, Any]] = field(default_factory=list)
    extra_files: dict[str, Sequence[Row] | str | bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.agency:
            self.agency.append({
                "agency_id": self.agency_id, "agency_name": self.agency_name,
                "agency_url": "https://www.mainzer-mobilitaet.de",
                "agency_timezone": self.timezone,
            })

    # ---- stops -------------------------------------------------------------------------
    def add_stop(self, stop_id: str, name: str | None = None, *, lat: float = 50.0,
                 lon: float = 8.27, parent: str | None = None, platform_code: str | None = None,
                 location_type: int | None = None, wheelchair_boarding: int | None = None,
                 **extra: Any) -> GtfsBuilder:
        """Add a stop/platform (location_type 0 unless given)."""
        self.stops.append({
            "stop_id": stop_id, "stop_name": name if name is not None else stop_id,
            "stop_lat": lat, "stop_lon": lon, "location_type": location_type,
            "parent_station": parent, "platform_code": platform_code,
            "wheelchair_boarding": wheelchair_boarding, **extra,
        })
        return self

    def add_station(self, station_id: str, name: str | None = None,
                    platforms: Mapping[str, str | None] | Iterable[str] = (),
                    **extra: Any) -> GtfsBuilder:
        """Add a station (location_type 1) and its platforms {platform_stop_id: platform_code}."""
        self.add_stop(station_id, name, location_type=1, **extra)
        codes = platforms if isinstance(platforms, Mapping) else dict.fromkeys(platforms)
        for pid, code in codes.items():
            self.add_stop(pid, name, parent=station_id, platform_code=code, location_type=0)
        return self

    # ---- routes, services --------------------------------------------------------------
    def add_route(self, route_id: str, short_name: str | None = None,
                  long_name: str | None = None, *, route_type: int = 3,
                  color: str | None = None, text_color: str | None = None,
                  **extra: Any) -> GtfsBuilder:
        self.routes.append({
            "route_id": route_id, "agency_id": self.agency_id,
            "route_short_name": short_name if short_name is not None else route_id,
            "route_long_name": long_name, "route_type": route_type,
            "route_color": color, "route_text_color": text_color, **extra,
        })
        return self

    def add_calendar(self, service_id: str, weekdays: str, start: str, end: str) -> GtfsBuilder:
        """Add a calendar.txt row; `weekdays` is seven 0/1 characters, Monday first."""
        if len(weekdays) != 7 or set(weekdays) - {"0", "1"}:
            raise ValueError(f"weekdays must be seven 0/1 characters: {weekdays!r}")
        names = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        row: dict[str, Any] = {"service_id": service_id}
        row.update({n: int(f) for n, f in zip(names, weekdays, strict=True)})
        row.update(start_date=start, end_date=end)
        self.calendar.append(row)
        return self

    def add_date(self, service_id: str, date: str, exception_type: int = 1) -> GtfsBuilder:
        """Add a calendar_dates.txt row (1 = added, 2 = removed)."""
        self.calendar_dates.append(
            {"service_id": service_id, "date": date, "exception_type": exception_type})
        return self

    def add_every_day(self, service_id: str, start: str = "20260101",
                      end: str = "20261231") -> GtfsBuilder:
        """Add a service running every day of [start, end]."""
        return self.add_calendar(service_id, "1111111", start, end)

    # ---- trips -------------------------------------------------------------------------
    def add_trip(self, trip_id: str, route_id: str, service_id: str,
                 stop_times: Sequence[StopTimeSpec], *, headsign: str | None = None,
                 direction_id: int | None = None, wheelchair_accessible: int | None = None,
                 first_sequence: int = 1, sequence_step: int = 1, **extra: Any) -> GtfsBuilder:
        """Add a trip and its stop_times (stop_sequence first_sequence, +step, ...)."""
        self.trips.append({
            "route_id": route_id, "service_id": service_id, "trip_id": trip_id,
            "trip_headsign": headsign, "direction_id": direction_id,
            "wheelchair_accessible": wheelchair_accessible, **extra,
        })
        for k, spec in enumerate(stop_times):
            stop_id = spec[0]
            arr = spec[1]
            dep = spec[2] if len(spec) > 2 else arr
            more = dict(spec[3]) if len(spec) > 3 else {}
            self.add_stop_time(trip_id, stop_id, arr, dep,
                               first_sequence + k * sequence_step, **more)
        return self

    def add_stop_time(self, trip_id: str, stop_id: str, arrival: str | None,
                      departure: str | None, sequence: int, **extra: Any) -> GtfsBuilder:
        self.stop_times.append({
            "trip_id": trip_id, "arrival_time": arrival, "departure_time": departure,
            "stop_id": stop_id, "stop_sequence": sequence, **extra,
        })
        return self

    def add_frequency(self, trip_id: str, start: str, end: str, headway_s: int,
                      exact_times: int | None = None) -> GtfsBuilder:
        self.frequencies.append({
            "trip_id": trip_id, "start_time": start, "end_time": end,
            "headway_secs": headway_s, "exact_times": exact_times,
        })
        return self

    # ---- output ------------------------------------------------------------------------
    def files(self) -> dict[str, Sequence[Row] | str | bytes]:
        """Return the feed's files by name (empty tables left out)."""
        tables: dict[str, Sequence[Row] | str | bytes] = {}
        for name in ("agency", "stops", "routes", "trips", "stop_times", "calendar",
                     "calendar_dates", "frequencies", "feed_info"):
            rows = getattr(self, name)
            if rows:
                tables[name] = rows
        tables.update(self.extra_files)
        return tables

    def write(self, path: Path, *, omit: Iterable[str] = (),
              replace: Mapping[str, Sequence[Row] | str | bytes] | None = None) -> Path:
        """Write the feed as a zip at `path`; `omit` drops files, `replace` swaps contents."""
        files = {k: v for k, v in self.files().items() if k not in set(omit)}
        files.update(replace or {})
        return write_gtfs_zip(path, files)

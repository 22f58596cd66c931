"""Write the demo feed: a small invented network with real Mainz stop names.

DEMO DATA — not an MVG timetable. Trams 50/51/52, buses 54/60/64/80 and night bus 91 (times past
24:00 on the previous service day), platforms at Hauptbahnhof (Haltebereiche A, C, D, L, M),
wheelchair flags and route colours. The calendar covers `today - 3` to `today + 365`, so the
network always runs around the day the service starts.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

AGENCY = "MVG-DEMO"
DEMO_ZONE = ZoneInfo("Europe/Berlin")
HBF = "de:07315:1001"

# station id suffix, name, lat, lon
STATIONS = {
    "1001": ("Hauptbahnhof", 50.0013, 8.2587),
    "1002": ("Schillerplatz", 49.9967, 8.2693),
    "1003": ("Höfchen/Listmann", 49.9990, 8.2745),
    "1004": ("Universität", 49.9935, 8.2411),
    "1005": ("Münsterplatz", 49.9985, 8.2650),
    "1006": ("Bismarckplatz", 50.0055, 8.2610),
    "1007": ("Pariser Tor", 49.9880, 8.2680),
    "1008": ("Hechtsheim/Bürgerhaus", 49.9620, 8.2860),
    "1009": ("Gonsenheim/Elbestraße", 50.0120, 8.2270),
    "1010": ("Finthen/Poststraße", 49.9840, 8.1720),
    "1011": ("Hochschule Mainz", 49.9870, 8.2290),
    "1012": ("Marienborn Bahnhof", 49.9730, 8.2160),
    "1013": ("Lerchenberg/Hindemithstraße", 49.9640, 8.1930),
    "1014": ("Bretzenheim/Bahnstraße", 49.9840, 8.2410),
    "1015": ("Zahlbach", 49.9910, 8.2480),
    "1016": ("Römisches Theater", 49.9920, 8.2790),
    "1017": ("Laubenheim", 49.9490, 8.3130),
    "1018": ("Mombach/Turmstraße", 50.0180, 8.2310),
    "1019": ("Hauptbahnhof West", 50.0019, 8.2560),
    "1020": ("Friedrich-von-Pfeiffer-Weg", 49.9920, 8.2340),
    "1021": ("Zollhafen/Inge-Reitz-Straße", 50.0130, 8.2700),
}

# Haltebereiche at Hauptbahnhof: (code, direction label)
HBF_PLATFORMS = ("A", "C", "D", "L", "M")


@dataclass(frozen=True)
class Line:
    id: str
    short: str
    long: str
    type: int            # 0 tram, 3 bus
    color: str
    text_color: str
    stops: tuple[str, ...]
    hbf_platform: tuple[str, str]    # Hauptbahnhof platform outbound, inbound
    minutes: int         # minutes between consecutive stops
    headway: int         # minutes, daytime
    first: int           # first departure, minutes after service-day base
    last: int
    wheelchair: int      # 1 accessible vehicles, 2 not
    night: bool = False


LINES = (
    Line("50", "50", "Finthen – Hauptbahnhof – Hechtsheim", 0, "E2001A", "FFFFFF",
         ("1010", "1009", "1001", "1002", "1007", "1008"), ("L", "M"), 3, 10, 5 * 60,
         23 * 60 + 50, 1),
    Line("51", "51", "Finthen – Hauptbahnhof – Lerchenberg", 0, "F39200", "000000",
         ("1010", "1001", "1004", "1011", "1012", "1013"), ("M", "L"), 3, 15, 5 * 60 + 5,
         23 * 60, 1),
    Line("52", "52", "Bretzenheim – Hauptbahnhof – Hechtsheim", 0, "7A1D90", "FFFFFF",
         ("1014", "1015", "1001", "1002", "1008"), ("L", "M"), 4, 20, 5 * 60 + 12, 22 * 60, 1),
    Line("54", "54", "Hauptbahnhof – Universität – Friedrich-von-Pfeiffer-Weg", 3, "0069B4",
         "FFFFFF", ("1001", "1004", "1020"), ("A", "A"), 3, 10, 6 * 60, 21 * 60, 1),
    Line("60", "60", "Höfchen – Hauptbahnhof – Mombach", 3, "009640", "FFFFFF",
         ("1003", "1005", "1006", "1001", "1018"), ("D", "D"), 2, 20, 5 * 60 + 30, 23 * 60, 2),
    Line("64", "64", "Hauptbahnhof West – Universität – Hochschule", 3, "6CB33F", "000000",
         ("1019", "1004", "1011"), ("A", "A"), 4, 30, 6 * 60 + 10, 20 * 60, 1),
    Line("80", "80", "Hauptbahnhof – Höfchen – Laubenheim", 3, "004E9E", "FFFFFF",
         ("1001", "1005", "1003", "1016", "1017"), ("C", "C"), 3, 20, 5 * 60 + 40, 23 * 60 + 20, 1),
    Line("91", "91", "Nachtbus Hauptbahnhof – Schillerplatz – Laubenheim", 3, "1D1D1B",
         "FFD500", ("1001", "1002", "1003", "1016", "1017"), ("C", "C"), 3, 60,
         24 * 60 + 30, 28 * 60 + 30, 1, night=True),
)


def stop_id(station: str, platform: str) -> str:
    return f"de:07315:{station}:{platform}"


def _platform_for(line: Line, station: str, outbound: bool) -> tuple[str, str]:
    """Return (stop_id, platform_code) a trip of `line` serves at `station`."""
    if station == "1001":
        code = line.hbf_platform[0 if outbound else 1]
        return stop_id(station, code), code
    code = "1" if outbound else "2"
    return stop_id(station, code), code


def _csv(rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def _hms(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"


def _stops() -> list[list[object]]:
    """Stations with the platforms the lines use (platform D at Hauptbahnhof has no ramp)."""
    stops: list[list[object]] = [["stop_id", "stop_name", "stop_lat", "stop_lon", "location_type",
                                  "parent_station", "platform_code", "wheelchair_boarding"]]
    platforms = {_platform_for(line, station, outbound)
                 for line in LINES for station in line.stops for outbound in (True, False)}
    for suffix, (name, lat, lon) in STATIONS.items():
        sid = f"de:07315:{suffix}"
        stops.append([sid, name, lat, lon, 1, "", "", 1])
        for pid, code in sorted(p for p in platforms if p[0].startswith(sid + ":")):
            stops.append([pid, name, lat, lon, 0, sid, code, 1 if code != "D" else 2])
    return stops


def build_demo_feed(today: dt.date) -> bytes:
    """Return the demo GTFS zip, valid from `today - 3 days` for a year."""
    start, end = today - dt.timedelta(days=3), today + dt.timedelta(days=365)
    stops = _stops()
    routes: list[list[object]] = [["route_id", "agency_id", "route_short_name", "route_long_name",
                                   "route_type", "route_color", "route_text_color"]]
    trips: list[list[object]] = [["route_id", "service_id", "trip_id", "trip_headsign",
                                  "direction_id", "wheelchair_accessible"]]
    times: list[list[object]] = [["trip_id", "arrival_time", "departure_time", "stop_id",
                                  "stop_sequence", "stop_headsign", "pickup_type",
                                  "drop_off_type", "timepoint"]]
    for line in LINES:
        routes.append([line.id, AGENCY, line.short, line.long, line.type, line.color,
                       line.text_color])
        for service, factor in (("WD", 1), ("SA", 2 if not line.night else 1),
                                ("SO", 2 if not line.night else 1)):
            headway = line.headway * factor
            for direction, seq in ((0, line.stops), (1, tuple(reversed(line.stops)))):
                headsign = STATIONS[seq[-1]][0]
                for k, t0 in enumerate(range(line.first, line.last + 1, headway)):
                    trip_id = f"{line.id}-{service}-{direction}-{k:03d}"
                    trips.append([line.id, service, trip_id, headsign, direction,
                                  line.wheelchair])
                    for i, station in enumerate(seq):
                        pid, _ = _platform_for(line, station, direction == 0)
                        t = _hms(t0 + i * line.minutes)
                        stop_headsign = ""
                        if line.id == "51" and i == 0 and direction == 0:
                            stop_headsign = "Lerchenberg über Hauptbahnhof"
                        timepoint = 1 if i in (0, len(seq) - 1) or line.type == 0 else 0
                        times.append([trip_id, t, t, pid, (i + 1) * 10, stop_headsign,
                                      1 if i == len(seq) - 1 else 0, 0, timepoint])
    weekdays = ("1,1,1,1,1,0,0", "0,0,0,0,0,1,0", "0,0,0,0,0,0,1")
    calendar: list[list[object]] = [["service_id", "monday", "tuesday", "wednesday", "thursday",
                                     "friday", "saturday", "sunday", "start_date", "end_date"]]
    for service, flags in zip(("WD", "SA", "SO"), weekdays, strict=True):
        calendar.append([service, *flags.split(","), start.strftime("%Y%m%d"),
                         end.strftime("%Y%m%d")])
    files: dict[str, list[list[object]]] = {
        "agency.txt": [["agency_id", "agency_name", "agency_url", "agency_timezone",
                        "agency_lang"],
                       [AGENCY, "Mainzer Mobilität (DEMODATEN)", "https://example.invalid/demo",
                        "Europe/Berlin", "de"]],
        "stops.txt": stops, "routes.txt": routes, "trips.txt": trips, "stop_times.txt": times,
        "calendar.txt": calendar,
        "feed_info.txt": [["feed_publisher_name", "feed_publisher_url", "feed_lang",
                           "feed_version"],
                          ["abfahrt demo (invented data)", "https://example.invalid/demo", "de",
                           f"demo-{today.isoformat()}"]],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, rows in files.items():
            # a fixed timestamp keeps the zip bytes (and so the cache key) stable per day
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, _csv(rows))
    return buffer.getvalue()


def write_demo_feed(folder: Path, today: dt.date) -> Path:
    """Write the demo feed for `today` into `folder` (atomically) and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"demo-{today.isoformat()}.zip"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(build_demo_feed(today))
        tmp.replace(path)
    return path

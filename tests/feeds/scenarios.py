"""Named scenario feeds shared by several test modules."""

from __future__ import annotations

from tests.gtfs_builder import GtfsBuilder


def dst_nights() -> GtfsBuilder:
    """One trip per A1.1 row: departs A at the row's time, arrives B ten minutes later."""
    feed = GtfsBuilder()
    feed.add_stop("A", "Hauptbahnhof").add_stop("B", "Bismarckplatz")
    feed.add_route("R6", "6")
    for sid, dates in (("SAT", ("20260328", "20261024")), ("SUN", ("20260329", "20261025"))):
        for day in dates:
            feed.add_date(sid, day, 1)
    rows = [("SUN", "0630", "06:30:00", "06:40:00"), ("SUN", "0130", "01:30:00", "01:40:00"),
            ("SUN", "0330", "03:30:00", "03:40:00"), ("SAT", "2510", "25:10:00", "25:20:00"),
            ("SAT", "2640", "26:40:00", "26:50:00"), ("SUN", "0030", "00:30:00", "00:40:00"),
            ("SAT", "2630", "26:30:00", "26:40:00"), ("SAT", "2730", "27:30:00", "27:40:00")]
    for sid, name, dep, arr in rows:
        feed.add_trip(f"{sid.lower()}-{name}", "R6", sid, [("A", dep), ("B", arr)])
    return feed

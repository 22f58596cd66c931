"""Static GTFS: load a feed once into an immutable, compact Timetable and answer departures.

Importing this package (and loading a cached timetable) does not import pandas or gtfs-kit;
they are imported only when a timetable is built.
"""

from feeds.build_process import build_timetable_cache
from feeds.departures import Departure, find_departures
from feeds.errors import FeedBuildFailed, FeedError, FeedInvalid, FeedTooLarge, FeedUnavailable
from feeds.load import feed_key, load_timetable, open_cached_timetable
from feeds.model import Agency, ExclusionReason, Route
from feeds.region import Region, RegionError, parse_region
from feeds.timetable import Timetable

__all__ = [
    "Agency",
    "Departure",
    "ExclusionReason",
    "FeedBuildFailed",
    "FeedError",
    "FeedInvalid",
    "FeedTooLarge",
    "FeedUnavailable",
    "Region",
    "RegionError",
    "Route",
    "Timetable",
    "build_timetable_cache",
    "feed_key",
    "find_departures",
    "load_timetable",
    "open_cached_timetable",
    "parse_region",
]

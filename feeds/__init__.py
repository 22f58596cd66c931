"""Static GTFS: load a feed once into an immutable, compact Timetable and answer departures."""

from feeds.departures import Departure, find_departures
from feeds.errors import FeedError, FeedInvalid, FeedUnavailable
from feeds.load import load_timetable
from feeds.model import Agency, ExclusionReason, Route
from feeds.timetable import Timetable

__all__ = [
    "Agency", "Departure", "ExclusionReason", "FeedError", "FeedInvalid", "FeedUnavailable",
    "Route", "Timetable", "find_departures", "load_timetable",
]

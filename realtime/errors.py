"""Whole-feed failures of the realtime layer. Per-entity problems are counted, never raised."""

from __future__ import annotations


class RealtimeError(Exception):
    """A GTFS-Realtime feed could not be used; the caller keeps its last good snapshot."""


class FeedUnavailable(RealtimeError):
    """The feed could not be fetched or read (network error, timeout, HTTP error, no file)."""


class FeedTooLarge(RealtimeError):
    """The feed body exceeded the configured maximum size; the download was aborted."""


class FeedDecodeError(RealtimeError):
    """The bytes are not a usable GTFS-RT FeedMessage (garbage, truncated, bad gzip)."""


class FeedHeaderInvalid(FeedDecodeError):
    """The message decoded but its header cannot be trusted (no timestamp, milliseconds)."""

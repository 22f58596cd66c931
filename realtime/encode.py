"""A FeedMessage given as its JSON mapping, to protobuf bytes: how the project writes GTFS-RT.

The demo simulation, the open-data alerts feed and test fixtures build feeds this way, so that
nothing outside `realtime` imports the protobuf classes; the bytes then go through
`realtime.parse.parse_feed` like any real feed. Beside `realtime.decode`, the only other user
of `gtfs_realtime_pb2`: writing a message needs its classes as much as reading one does.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format
from google.transit import gtfs_realtime_pb2 as pb

from realtime.errors import FeedDecodeError


def encode_feed_dict(message: dict[str, Any]) -> bytes:
    """Return the protobuf bytes of a FeedMessage given as its JSON mapping (json_format names).

    Raise FeedDecodeError for a dict that is no feed.
    """
    try:
        return bytes(json_format.ParseDict(message, pb.FeedMessage()).SerializeToString())
    except (json_format.ParseError, TypeError, ValueError) as exc:
        raise FeedDecodeError(f"not a FeedMessage dict ({exc})") from exc

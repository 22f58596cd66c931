"""Why a realtime entity (or one stop_time_update of it) was not applied: a closed set, counted.

Whole TripUpdates are rejected for trip-level reasons; a single bad stop_time_update is dropped
and the rest of its TripUpdate kept (OTP#4702: never lose the whole feed for one bad entity).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Reason(StrEnum):
    NO_TRIP_DESCRIPTOR = "no_trip_descriptor"      # neither trip_id nor route+direction+start
    UNKNOWN_TRIP = "unknown_trip"                  # trip_id not in the static feed (RTV E003)
    AMBIGUOUS_TRIP = "ambiguous_trip"              # descriptor fits several trips/instances
    NO_SERVICE_ON_DATE = "no_service_on_date"      # the trip does not run on start_date
    UNKNOWN_INSTANCE = "unknown_instance"          # start_time fits no (frequency) instance
    DUPLICATE_TRIP_UPDATE = "duplicate_trip_update"   # second TripUpdate for one instance
    UNKNOWN_ROUTE = "unknown_route"                # NEW/ADDED trip whose route_id is unknown
    UNKNOWN_STOP = "unknown_stop"                  # not in static (NEW: or not location_type 0)
    INVALID_ASSIGNED_STOP = "invalid_assigned_stop"   # not a platform of the scheduled station
    STOP_NOT_IN_TRIP = "stop_not_in_trip"          # known stop_id the trip does not serve
    STOP_SEQUENCE_NOT_IN_TRIP = "stop_sequence_not_in_trip"   # RTV E051
    AMBIGUOUS_STOP = "ambiguous_stop"              # loop stop_id without stop_sequence (E009)
    UNSORTED_STOP_SEQUENCE = "unsorted_stop_sequence"         # RTV E002
    REPEATED_STOP_SEQUENCE = "repeated_stop_sequence"         # RTV E036
    PREDICTIONS_BACKWARDS = "predictions_backwards"           # given times decrease (E022)
    IMPLAUSIBLY_EARLY = "implausibly_early"        # far before schedule (DELFI −3600 s case)
    # start_date names an instance that cannot be the one meant (issue 28.1): counted apart
    IMPLAUSIBLY_LATE = "implausibly_late"          # a delay beyond the plausibility bound
    INSTANCE_IN_PAST = "instance_in_past"          # its run ended more than the bound ago
    INCOMPLETE_ADDED_TRIP = "incomplete_added_trip"   # NEW/ADDED without stop ids and times
    UNSUPPORTED_RELATIONSHIP = "unsupported_relationship"     # e.g. REPLACEMENT
    NO_TRIP = "no_trip"                            # vehicle position without a trip


# The reasons that say a trip update named an instance it cannot mean (`FeedStats.implausible`).
IMPLAUSIBLE_INSTANCE = frozenset({Reason.IMPLAUSIBLY_LATE, Reason.INSTANCE_IN_PAST})


class FeedRefusal(StrEnum):
    """Why a whole feed was not applied (its source keeps the snapshot it had)."""

    OLDER_HEADER = "older_header"          # older than the applied feed (RTV E018)
    FUTURE_HEADER = "future_header"        # stamped ahead of the receiving instant (15.6)


@dataclass(frozen=True)
class FeedStats:
    """What applying one feed did: entity counts, matches and rejections by reason."""

    entities: Mapping[str, int] = field(default_factory=dict)   # by kind, as parsed
    trip_updates: int = 0
    trip_updates_matched: int = 0
    rejected: Mapping[Reason, int] = field(default_factory=dict)           # whole TripUpdates
    stop_time_updates_dropped: Mapping[Reason, int] = field(default_factory=dict)
    vehicles: int = 0
    vehicles_matched: int = 0
    vehicles_rejected: Mapping[Reason, int] = field(default_factory=dict)
    alerts: int = 0
    applied: bool = True              # False: the feed was refused, the state kept
    note: str | None = None
    refusal: FeedRefusal | None = None   # why applied is False
    skipped_early: int = 0            # entities left undecoded: they cannot match (parse)

    @property
    def implausible(self) -> int:
        """Trip updates refused because their instance cannot be the one meant."""
        return sum(n for reason, n in self.rejected.items() if reason in IMPLAUSIBLE_INSTANCE)

    def as_dict(self) -> dict[str, object]:
        """Return a JSON-ready summary (reasons sorted by name)."""
        return {
            "applied": self.applied,
            "refusal": str(self.refusal) if self.refusal is not None else None,
            "note": self.note,
            "entities": dict(self.entities),
            "trip_updates": {"total": self.trip_updates, "matched": self.trip_updates_matched,
                             "rejected": _sorted(self.rejected),
                             "implausible": self.implausible},
            "stop_time_updates_dropped": _sorted(self.stop_time_updates_dropped),
            "vehicles": {"total": self.vehicles, "matched": self.vehicles_matched,
                         "rejected": _sorted(self.vehicles_rejected)},
            "alerts": self.alerts,
        }


def _sorted(counts: Mapping[Reason, int]) -> dict[str, int]:
    return {str(k): counts[k] for k in sorted(counts)}


class Tally:
    """A mutable counter used while one feed is resolved; frozen into FeedStats at the end."""

    def __init__(self) -> None:
        self.rejected: Counter[Reason] = Counter()
        self.dropped: Counter[Reason] = Counter()
        self.vehicles_rejected: Counter[Reason] = Counter()
        self.matched = 0
        self.vehicles_matched = 0

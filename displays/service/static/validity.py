"""How long the timetable is valid, in words (log, `feed-info`) and as the status block."""

from __future__ import annotations

from displays.board.document import validity_document
from feeds.validity import Validity


def validity_text(v: Validity) -> str:
    """One line about the timetable's validity today, for the log and `feed-info`."""
    if v.first is None or v.last is None:
        return "the timetable has no day with service"
    span = f"{v.first} … {v.last}"
    days = v.days_left or 0
    if v.status == "expired":
        return (f"timetable EXPIRED: its last service day was {v.last} ({-days} days ago; "
                f"calendar {span}); boards say so instead of showing departures")
    if v.status == "not_yet_valid":
        return (f"timetable NOT YET VALID: its first service day is {v.first} "
                f"({(v.first - v.today).days} days ahead; calendar {span})")
    return f"timetable valid {span}, {days} days left"


def validity_status(v: Validity) -> dict[str, object]:
    """The validity block of /api/v1/status and `feed-info --json`."""
    return {**(validity_document(v) or {}), "today": v.today.isoformat(),
            "days_left": v.days_left}

"""Reading a standard's request safely, and its values typed.

The body is parsed without a DTD, entities or the network (`parse`), so an XML bomb or an
external entity is refused, not expanded; what a request names is read by local names in
the standard's namespaces. A value that is not what the standard allows raises
`RequestError` with a clear text, which each standard answers with its own error element.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from enum import StrEnum
from zoneinfo import ZoneInfo

from lxml import etree

from displays.standards.tree import Element

MAX_REQUEST_BYTES = 64 * 1024
MAX_VALUE_LEN = 256
EARLIEST, LATEST = 0, 32503680000 - 7 * 86400   # 1970 … a week before 3000


class Problem(StrEnum):
    """Why a request is not answered with departures (each standard has its own words)."""

    INVALID = "invalid"              # not a request of this standard, or a value it refuses
    UNKNOWN_STOP = "unknown_stop"    # names no stop or station of the timetable
    UNSUPPORTED = "unsupported"      # a request or feature this service does not offer
    NO_RESULTS = "no_results"        # a location search found nothing


class RequestError(ValueError):
    """The request cannot be answered; `problem` says why, the message says what to change."""

    def __init__(self, message: str, problem: Problem = Problem.INVALID) -> None:
        super().__init__(message)
        self.problem = problem


def parse(body: bytes) -> Element:
    """The request's root element; RequestError for anything that is not plain XML."""
    if len(body) > MAX_REQUEST_BYTES:
        raise RequestError(f"the request is larger than {MAX_REQUEST_BYTES} bytes")
    if not body.strip():
        raise RequestError("the request is empty: an XML document is expected")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             load_dtd=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise RequestError(f"not well-formed XML: {exc}") from None
    if root.getroottree().docinfo.doctype:
        raise RequestError("a document type declaration (DTD) is not accepted")
    return root


def local(element: Element) -> str:
    return etree.QName(element).localname


def children(element: Element) -> Iterator[Element]:
    """The element children (comments and processing instructions were dropped)."""
    return (c for c in element if isinstance(c.tag, str))


def child(element: Element, name: str) -> Element | None:
    """The first child of that local name (in whatever namespace the standard puts it)."""
    return next((c for c in children(element) if local(c) == name), None)


def path(element: Element | None, *names: str) -> Element | None:
    for name in names:
        if element is None:
            return None
        element = child(element, name)
    return element


def text(element: Element | None, *names: str) -> str | None:
    """The stripped text at that path of local names; None when absent or empty."""
    found = path(element, *names)
    if found is None:
        return None
    value = (found.text or "").strip()
    if len(value) > MAX_VALUE_LEN:
        raise RequestError(f"{names[-1] if names else local(found)}: longer than "
                           f"{MAX_VALUE_LEN} characters")
    return value or None


def expect(root: Element, namespace: str, name: str) -> None:
    if root.tag != f"{{{namespace}}}{name}":
        raise RequestError(f"the document is {root.tag!r}, not {name} in {namespace}")


def integer(name: str, raw: str | None, low: int, high: int) -> int | None:
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise RequestError(f"{name}: {raw!r} is not a whole number") from None
    if not low <= value <= high:
        raise RequestError(f"{name}: must be between {low} and {high}, not {value}")
    return value


def flag(name: str, raw: str | None, default: bool) -> bool:
    if raw is None:
        return default
    if raw in ("true", "1"):
        return True
    if raw in ("false", "0"):
        return False
    raise RequestError(f"{name}: {raw!r} is not a boolean (true or false)")


def instant(name: str, raw: str | None, zone: ZoneInfo) -> int | None:
    """An xsd:dateTime as an epoch; without an offset it is the timetable's local time."""
    if raw is None:
        return None
    try:
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise RequestError(f"{name}: {raw!r} is not an ISO 8601 date-time") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    try:
        epoch = int(value.timestamp())
    except (OverflowError, ValueError):
        epoch = -1
    if not EARLIEST <= epoch <= LATEST:
        raise RequestError(f"{name}: {raw!r} is outside 1970–2999")
    return epoch


DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?")


def duration(name: str, raw: str | None) -> int | None:
    """An xsd:duration in seconds: days, hours, minutes, seconds (years and months are no
    fixed length and far beyond any board's window: refused)."""
    if raw is None:
        return None
    match = DURATION.fullmatch(raw)
    if match is None or raw in ("P", "PT") or raw.endswith("T"):
        raise RequestError(f"{name}: {raw!r} is not a duration in days, hours, minutes "
                           f"and seconds (e.g. PT60M)")
    days, hours, minutes, seconds = match.groups()
    return (int(days or 0) * 86400 + int(hours or 0) * 3600 + int(minutes or 0) * 60
            + int(float(seconds or 0)))


def choice(name: str, raw: str | None, allowed: tuple[str, ...], default: str) -> str:
    if raw is None:
        return default
    if raw not in allowed:
        raise RequestError(f"{name}: {raw!r} is not one of {', '.join(allowed)}")
    return raw

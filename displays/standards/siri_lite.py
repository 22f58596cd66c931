"""SIRI Lite: a SIRI document as JSON with the element names of the XML, for apps.

Made from the same XML tree (so the two never drift apart): an element with children is an
object, a text element its text; a text with a language is {"value", "lang"}; elements SIRI
repeats (deliveries, visits, notices, situations, natural-language texts) are always lists,
others are lists only when they do repeat; attributes become keys; "true"/"false" are
booleans and counts (Order, Priority, Version) numbers.
"""

from __future__ import annotations

from typing import Any

from displays.standards.request import children, local
from displays.standards.tree import XML_LANG, Element

LISTS = frozenset({
    "StopMonitoringDelivery", "SituationExchangeDelivery", "IncludedSituationExchangeDelivery",
    "MonitoredStopVisit", "StopLineNotice", "StopNotice", "PtSituationElement",
    "PublishedLineName", "DestinationName", "MonitoringName", "SituationRef", "Summary",
    "Description", "ValidityPeriod", "LineNote", "StopNote", "AffectedOperator",
    "AffectedLine", "AffectedStopPoint", "AffectedVehicleJourney", "ParameterName",
    "StopPointName", "DeparturePlatformName"})
NUMBERS = frozenset({"Order", "Priority", "Version"})


def as_json(root: Element) -> dict[str, Any]:
    return {local(root): _value(root)}


def _value(element: Element) -> Any:
    kids = list(children(element))
    attributes = {("lang" if key == XML_LANG else key.rsplit("}", 1)[-1]): value
                  for key, value in element.attrib.items()}
    if not kids:
        value = _scalar(local(element), element.text or "")
        return {"value": value, **attributes} if attributes else value
    out: dict[str, Any] = dict(attributes)
    counts: dict[str, int] = {}
    for kid in kids:
        counts[local(kid)] = counts.get(local(kid), 0) + 1
    for kid in kids:
        name = local(kid)
        value = _value(kid)
        if name in LISTS or counts[name] > 1:
            out.setdefault(name, []).append(value)
        else:
            out[name] = value
    return out


def _scalar(name: str, text: str) -> Any:
    if text in ("true", "false"):
        return text == "true"
    if name in NUMBERS and text.isdigit():
        return int(text)
    return text

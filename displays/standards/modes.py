"""A GTFS route type as the standards' PtMode (OJP, TRIAS: the SIRI vehicle mode names)."""

from __future__ import annotations

BASIC = {0: "tram", 1: "metro", 2: "rail", 3: "bus", 4: "water", 5: "cableway",
         6: "telecabin", 7: "funicular", 11: "trolleyBus", 12: "rail"}
# the extended route types by hundreds (rail 100–199, coach 200–299, …)
EXTENDED = {1: "rail", 2: "coach", 3: "rail", 4: "metro", 5: "metro", 6: "metro", 7: "bus",
            8: "trolleyBus", 9: "tram", 10: "water", 11: "air", 12: "water", 13: "telecabin",
            14: "funicular", 15: "taxi", 16: "selfDrive", 17: "unknown"}


def pt_mode(route_type: int) -> str:
    if route_type in BASIC:
        return BASIC[route_type]
    return EXTENDED.get(route_type // 100, "unknown")

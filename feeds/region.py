"""A region: the part of a national feed one installation serves (stops by box or id prefix).

Text form (for `--region`): parts separated by ";", each either a bounding box
`lat_min,lon_min,lat_max,lon_max` (degrees, WGS 84) or a stop-id prefix such as `de:07315`
(Mainz in the DHID scheme). A stop is in the region when it matches any part. Examples:

    de:07315                       Mainz by stop id
    49.95,8.15,50.05,8.35          a box around Mainz
    de:07315;50.0,8.17,50.1,8.3    Mainz, and Wiesbaden by a box
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from feeds.ids import IdArray

BBox = tuple[float, float, float, float]


class RegionError(ValueError):
    """A region text that cannot be understood; the message says why."""


@dataclass(frozen=True, slots=True)
class Region:
    boxes: tuple[BBox, ...] = ()
    prefixes: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The canonical text of the region (part of the cache key and of `Timetable.region`)."""
        parts = [",".join(f"{v:g}" for v in box) for box in sorted(self.boxes)]
        return ";".join([*parts, *sorted(self.prefixes)])

    def contains(self, stop_ids: IdArray, lat: npt.NDArray[np.float64],
                 lon: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
        """Return which stops match the region (ids sorted as in the timetable)."""
        inside = np.zeros(len(stop_ids), dtype=bool)
        for lat_min, lon_min, lat_max, lon_max in self.boxes:
            inside |= (lat >= lat_min) & (lat <= lat_max) & (lon >= lon_min) & (lon <= lon_max)
        for prefix in self.prefixes:
            inside |= np.char.startswith(stop_ids, prefix.encode("utf-8"))
        return inside


def _box(parts: list[str], text: str) -> BBox | None:
    try:
        values = [float(p) for p in parts]
    except ValueError:
        return None
    if len(values) != 4:
        return None
    lat_min, lon_min, lat_max, lon_max = values
    if not all(math.isfinite(v) for v in values):
        raise RegionError(f"{text!r}: the box has a value that is not a number")
    if not (-90 <= lat_min <= lat_max <= 90 and -180 <= lon_min <= lon_max <= 180):
        raise RegionError(f"{text!r}: a box is lat_min,lon_min,lat_max,lon_max with "
                          "-90 <= lat_min <= lat_max <= 90 and -180 <= lon_min <= lon_max <= 180")
    return lat_min, lon_min, lat_max, lon_max


def parse_region(text: str) -> Region:
    """Return the region a text names; raise RegionError with the reason otherwise."""
    boxes: list[BBox] = []
    prefixes: list[str] = []
    for raw in text.split(";"):
        part = raw.strip()
        if not part:
            continue
        pieces = [p.strip() for p in part.split(",")]
        box = _box(pieces, part)
        if box is not None:
            boxes.append(box)
        elif len(pieces) > 1 and all(_is_number(p) for p in pieces):
            raise RegionError(f"{part!r}: a box needs four numbers "
                              "(lat_min,lon_min,lat_max,lon_max)")
        elif any(c.isspace() for c in part) or "," in part:
            raise RegionError(f"{part!r}: a stop-id prefix has no spaces or commas "
                              "(separate parts with ';')")
        else:
            prefixes.append(part)
    if not boxes and not prefixes:
        raise RegionError("the region is empty: give a box lat_min,lon_min,lat_max,lon_max "
                          "and/or stop-id prefixes, separated by ';'")
    return Region(tuple(dict.fromkeys(boxes)), tuple(dict.fromkeys(prefixes)))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True

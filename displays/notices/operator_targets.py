"""What an operator can target, at network scale: stops and stations found by name (the API's
German-aware search), routes with their colour and the headsign of each direction
("50 → Hechtsheim / → Finthen"), displays by title and stop; the chosen targets as chips; and
the boards a draft notice would appear on.

Built once per timetable (`TargetCatalog`), searched per request; nothing here lists every
stop of a feed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from displays.board.display import Display
from displays.board.notice_rules import RouteDirection, build_scope
from displays.notices.matching import applies_to
from displays.notices.model import Notice
from displays.service.stop_search import StopSearch, fold
from feeds import Timetable

MAX_RESULTS = 12          # per kind, per search
MAX_BOARDS = 40           # boards listed for a preview (the rest counted)


@dataclass(frozen=True)
class RouteChoice:
    id: str
    short: str
    long: str
    color: str | None
    text_color: str | None
    directions: tuple[tuple[int, str], ...]      # (direction_id, headsign), by direction

    @property
    def name(self) -> str:
        return self.short or self.long or self.id

    def toward(self, direction: int) -> str:
        return next((h for d, h in self.directions if d == direction), str(direction))

    @property
    def label(self) -> str:
        """"50 → Hechtsheim / → Finthen" (the long name when no headsign is known)."""
        heads = " / ".join(f"→ {h}" for _, h in self.directions if h)
        return f"{self.name} {heads or self.long}".strip()


@dataclass(frozen=True)
class Chip:
    kind: str          # "stops" | "routes" | "displays": the form field it is a value of
    value: str         # the form value ("de:07315:1002", "50|0", "hbf-tram")
    label: str
    color: str | None = None
    text_color: str | None = None


@dataclass(frozen=True)
class Found:
    stops: list[Chip]
    routes: list[RouteChoice]
    displays: list[Chip]

    @property
    def count(self) -> int:
        return len(self.stops) + len(self.routes) + len(self.displays)


@dataclass(frozen=True)
class BoardRef:
    key: str           # "stop:<id>" | "display:<id>"
    label: str


def display_title(display: Display) -> str:
    """What riders read on the pillar (`title`), else the internal name."""
    return str(getattr(display, "title", None) or display.name)


def route_directions(tt: Timetable) -> dict[int, tuple[tuple[int, str], ...]]:
    """Per route index, its directions with the most common trip headsign of each."""
    if len(tt.trip_route) == 0:
        return {}
    key = tt.trip_route.astype(np.int64) * 3 + tt.trip_direction.astype(np.int64) + 1
    head = tt.trip_headsign.astype(np.int64)
    pairs, counts = np.unique(key * (len(tt.texts) + 1) + head + 1, return_counts=True)
    best: dict[int, tuple[int, int]] = {}             # key -> (count, headsign)
    for pair, count in zip(pairs.tolist(), counts.tolist(), strict=True):
        k, h = divmod(pair, len(tt.texts) + 1)
        if count > best.get(k, (0, -1))[0]:
            best[k] = (count, h - 1)
    out: dict[int, list[tuple[int, str]]] = {}
    for k, (_, h) in sorted(best.items()):
        route, direction = divmod(k, 3)
        if direction == 0:
            continue                                   # trips without direction_id
        out.setdefault(route, []).append((direction - 1, tt.texts[h] if h >= 0 else ""))
    return {r: tuple(d) for r, d in out.items()}


class TargetCatalog:
    def __init__(self, tt: Timetable) -> None:
        self.tt = tt
        directions = route_directions(tt)
        self.routes = [RouteChoice(r.id, r.short_name or "", r.long_name or "", r.color,
                                   r.text_color, directions.get(i, ()))
                       for i, r in enumerate(tt.routes)]
        self.by_id = {r.id: r for r in self.routes}
        self._keys = [fold(" ".join([r.short, r.long, r.id, *(h for _, h in r.directions)]))
                      for r in self.routes]

    def stop_label(self, index: int) -> str:
        tt = self.tt
        name, platform = tt.stop_name[index], tt.stop_platform[index]
        return f"{name} (Steig {platform})" if platform else name

    def stop_chip(self, stop_id: str) -> Chip:
        index = self.tt.find_stop(stop_id)
        return Chip("stops", stop_id, self.stop_label(index) if index >= 0 else stop_id)

    def route_chip(self, value: str) -> Chip:
        route_id, _, direction = value.partition("|")
        route = self.by_id.get(route_id)
        if route is None:
            return Chip("routes", value, route_id)
        label = (f"{route.name} → {route.toward(int(direction))}" if direction in ("0", "1")
                 else route.label)
        return Chip("routes", value, label, route.color, route.text_color)

    def search(self, query: str, search: StopSearch, displays: Mapping[str, Display]
               ) -> Found:
        terms = fold(query).split()
        if not terms:
            return Found([], [], [])
        stops = [Chip("stops", self.tt.stop_id(m.index), self.stop_label(m.index))
                 for m in search.search(query, MAX_RESULTS)]
        routes = [r for r, key in zip(self.routes, self._keys, strict=True)
                  if all(t in key for t in terms)][:MAX_RESULTS]
        shown = []
        for display in displays.values():
            names = [self.stop_chip(s).label for s in display.stops]
            key = fold(" ".join([display_title(display), display.name, display.id, *names]))
            if all(t in key for t in terms):
                shown.append(Chip("displays", display.id,
                                  f"{display_title(display)} – {', '.join(names)}"))
        return Found(stops, routes, shown[:MAX_RESULTS])

    def chips(self, selected: Iterable[tuple[str, str]], displays: Mapping[str, Display]
              ) -> list[Chip]:
        out = []
        for kind, value in selected:
            if kind == "stops":
                out.append(self.stop_chip(value))
            elif kind == "routes":
                out.append(self.route_chip(value))
            elif kind == "displays":
                display = displays.get(value)
                out.append(Chip("displays", value, display_title(display) if display
                                else value))
        return out

    def affected_boards(self, notice: Notice, displays: Mapping[str, Display],
                        serving: Mapping[int, frozenset[RouteDirection]]
                        ) -> tuple[list[BoardRef], int]:
        """The boards the notice appears on (displays, then stops); and how many more."""
        tt = self.tt
        refs = []
        for display in displays.values():
            stops = [i for i in (tt.find_stop(s) for s in display.stops) if i >= 0]
            if applies_to(notice, build_scope(tt, serving, stops, display)):
                refs.append(BoardRef(f"display:{display.id}",
                                     f"{display_title(display)} ({display.id})"))
        chosen = [i for i in (tt.find_stop(s) for s in notice.targets.stops) if i >= 0]
        wanted = {(r.id, r.direction) for r in notice.targets.routes}
        ids = {r.id for r in notice.targets.routes}
        for stop, pairs in serving.items():
            if any((route, direction) in wanted or (route, None) in wanted
                   for route, direction in pairs if route in ids):
                parent = int(tt.stop_parent[stop])
                chosen.append(parent if parent >= 0 else stop)
        unique = list(dict.fromkeys(chosen))
        refs += [BoardRef(f"stop:{tt.stop_id(s)}", self.stop_label(s))
                 for s in sorted(unique, key=lambda s: tt.stop_name[s])]
        return refs[:MAX_BOARDS], max(0, len(refs) - MAX_BOARDS)

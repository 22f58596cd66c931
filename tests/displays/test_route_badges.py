"""Route badges are readable: every (route colour, text colour) pair of the demo and of the
real feeds in ../shared/data gets a rule of at least 4.5:1 (WCAG AA), keyed on the pair."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path
from typing import Any

from displays.board.themes import badge_class, badge_colours, contrast_ratio, routes_css

RULE = re.compile(r"\.(c-[0-9A-F]{6}(?:-[0-9A-F]{6})?)"
                  r"\{background:#([0-9A-Fa-f]{6});color:#([0-9A-Fa-f]{6})\}")
HEX = re.compile(r"#?([0-9A-Fa-f]{6})")


def rules(css: str) -> dict[str, tuple[str, str]]:
    found = {m.group(1): (m.group(2), m.group(3)) for m in RULE.finditer(css)}
    assert len(found) == len([line for line in css.splitlines() if line.strip()]), css
    return found


def _hex(value: str | None) -> str | None:
    match = HEX.fullmatch((value or "").strip())
    return match.group(1) if match else None


def feed_colours(shared_data: Path) -> dict[str, list[tuple[str | None, str | None]]]:
    """(route_color, route_text_color) of every route in every GTFS zip of the shared data."""
    out = {}
    for path in sorted(shared_data.glob("**/*.zip")):
        with zipfile.ZipFile(path) as archive:
            if "routes.txt" not in archive.namelist():
                continue
            with archive.open("routes.txt") as raw:
                rows = list(csv.DictReader(io.TextIOWrapper(raw, "utf-8-sig")))
        out[str(path.relative_to(shared_data))] = [
            (_hex(r.get("route_color")), _hex(r.get("route_text_color"))) for r in rows]
    return out


def check(colours: list[tuple[str | None, str | None]], css: str) -> list[str]:
    found = rules(css)
    wrong = []
    for colour, text in colours:
        if not colour:
            continue
        name = badge_class(colour, text)
        if name not in found:
            wrong.append(f"no rule for {colour}/{text}")
            continue
        background, shown = found[name]
        if background != colour.upper():
            wrong.append(f"{name}: background {background}")
        if contrast_ratio(background, shown) < 4.5:
            wrong.append(f"{name}: {contrast_ratio(background, shown):.2f}:1")
        given = (text or "FFFFFF").upper()
        if contrast_ratio(colour, given) >= 4.5 and shown != given:
            wrong.append(f"{name}: the feed's readable text colour {given} replaced")
    return wrong


async def test_the_demo_badges_are_readable_and_keyed_on_both_colours(client: Any) -> None:
    css = await (await client.get("/routes.css")).text()
    found = rules(css)
    assert found, "the demo has route colours"
    for name, (background, text) in found.items():
        assert contrast_ratio(background, text) >= 4.5, (name, background, text)
    page = await (await client.get("/stops/de:07315:1001?rows=30")).text()
    used = set(re.findall(r'class="line (c-[^"]+)"', page))
    assert used and used <= set(found), used - set(found)


def test_every_route_of_the_real_feeds_gets_a_readable_badge(shared_data: Path) -> None:
    feeds = feed_colours(shared_data)
    coloured = {name: c for name, c in feeds.items() if any(colour for colour, _ in c)}
    assert len(coloured) >= 6, sorted(feeds)
    wrong = []
    for name, colours in coloured.items():
        wrong += [f"{name}: {w}" for w in check(colours, routes_css(colours))]
    assert not wrong, "\n".join(wrong[:40])


def test_badge_colours() -> None:
    assert badge_colours("009640", "FFFFFF") == ("009640", "000000"), "3.86:1 → black"
    assert badge_colours("00008b", None) == ("00008B", "FFFFFF"), "dark blue keeps white"
    assert badge_colours("FFD23F", "FFFFFF") == ("FFD23F", "000000")
    assert badge_colours("E2001A", "FFFFFF") == ("E2001A", "FFFFFF"), "4.8:1 stays"
    css = routes_css([("009640", "FFFFFF"), ("009640", "000000"), ("E2001A", "FFFF00")])
    assert len(rules(css)) == 2, "one rule per pair as shown; the same look shares it"
    assert badge_class("E2001A", "FFFF00") != badge_class("E2001A", None), "4.6:1 kept"

"""The pillar's screen layout as one table: every size in rem (1 rem = the destination type),
read by the page (as CSS variables in each theme's stylesheet, `css_variables`) and by the
bitmap renderer (`displays.board.bitmap`), so the PNG lays a board out as the page does.

1 rem is a share of the screen height (3.2 % in landscape, 2.4 % in portrait, never under
12 px): type scales with the screen, and every other size is a multiple of it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class ScreenLayout:
    unit_landscape: float = 3.2      # % of the screen height that is 1 rem
    unit_portrait: float = 2.4
    unit_min_px: int = 12
    line_height: float = 1.15        # of every text block
    pad: float = 0.5                 # side padding of every band
    gap: float = 0.45                # between a row's columns
    title: float = 1.3               # the heading and the clock
    title_pad: float = 0.25          # above and below the heading
    rule: float = 0.08               # the line under the heading
    note: float = 0.6                # the demo label
    note_pad: float = 0.05
    heads: float = 0.6               # the column heads
    heads_pad: float = 0.1
    row: float = 2.55                # one departure
    line_col: float = 3.6            # the line badge's column
    badge_min: float = 2.6
    when_col: float = 5.0            # the time column
    platform_col: float = 3.2
    small: float = 0.7               # secondary text: scheduled time + delay, "ca."
    changed: float = 0.55            # "Wechsel" under a changed platform
    panel: float = 0.9               # the notice panel beside the departures
    panel_lines: int = 4
    panel_pad: float = 0.2
    takeover: float = 1.2            # a notice instead of the departures
    ticker: float = 0.8              # the ticker under the departures
    ticker_lines: int = 3
    ticker_pad: float = 0.15
    status: float = 0.7              # the status line
    status_pad: float = 0.1
    speak: float = 0.8               # the "Vorlesen" button's type
    speak_min: float = 1.5           # ... and its least height
    speak_min_px: int = 44           # ... never under a finger's target

    def unit_px(self, width: int, height: int) -> float:
        """1 rem in pixels on a screen of `width` × `height`."""
        share = self.unit_portrait if height > width else self.unit_landscape
        return max(float(self.unit_min_px), height * share / 100)

    def panel_height(self) -> float:
        """The notice panel's height (rem): its lines and padding."""
        return self.panel_lines * self.line_height * self.panel + 2 * self.panel_pad

    def ticker_height(self) -> float:
        return self.ticker_lines * self.line_height * self.ticker + 2 * self.ticker_pad


LAYOUT = ScreenLayout()
_PIXELS = ("unit_min_px", "speak_min_px")
_COUNTS = ("panel_lines", "ticker_lines")
_RAW = ("unit_landscape", "unit_portrait", "line_height")


def css_variables(layout: ScreenLayout = LAYOUT) -> str:
    """The table as CSS custom properties (`--row: 2.55rem` …) for board.css."""
    out = []
    for f in fields(layout):
        value = getattr(layout, f.name)
        unit = "px" if f.name in _PIXELS else "" if f.name in _COUNTS + _RAW else "rem"
        out.append(f"--{f.name.replace('_', '-')}:{value}{unit}")
    out.append(f"--panel-height:{layout.panel_height():.4f}rem")
    out.append(f"--ticker-height:{layout.ticker_height():.4f}rem")
    return ";".join(out)

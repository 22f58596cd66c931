"""Display themes as data: the colours each theme uses, checked for contrast in the tests.

`lcd` is the default pillar look; `contrast` and `epaper` are high-contrast (every text/background
pair at least 7:1, WCAG AAA) and do not rely on route colours.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from displays.board.layout import css_variables


@dataclass(frozen=True)
class Theme:
    name: str
    background: str
    text: str
    muted: str            # secondary text (platform, notes)
    accent: str           # countdown, highlights
    warning_bg: str       # cancelled / platform change / ticker
    warning_text: str
    route_colours: bool   # draw line pills in the route's own colours


THEMES = {
    "lcd": Theme("lcd", background="#0B1B2B", text="#FFFFFF", muted="#C9D6E3", accent="#FFD23F",
                 warning_bg="#FFD23F", warning_text="#0B1B2B", route_colours=True),
    "contrast": Theme("contrast", background="#000000", text="#FFFFFF", muted="#FFFFFF",
                      accent="#FFE600", warning_bg="#FFE600", warning_text="#000000",
                      route_colours=False),
    "epaper": Theme("epaper", background="#FFFFFF", text="#000000", muted="#000000",
                    accent="#000000", warning_bg="#000000", warning_text="#FFFFFF",
                    route_colours=False),
}


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_pairs(theme: Theme) -> list[tuple[str, str, str]]:
    """Return (what, foreground, background) for every text the theme draws."""
    return [("text", theme.text, theme.background), ("muted", theme.muted, theme.background),
            ("accent", theme.accent, theme.background),
            ("warning", theme.warning_text, theme.warning_bg)]


def theme_css(theme: Theme) -> str:
    """The theme's colours and the screen layout's sizes as CSS variables."""
    return (f":root{{--bg:{theme.background};--fg:{theme.text};--muted:{theme.muted};"
            f"--accent:{theme.accent};--warn-bg:{theme.warning_bg};"
            f"--warn-fg:{theme.warning_text};{css_variables()}}}")


MIN_BADGE_CONTRAST = 4.5      # WCAG AA for the line badge's small bold text


def badge_colours(colour: str, text_colour: str | None) -> tuple[str, str]:
    """A route badge's (background, text) as "RRGGBB": the feed's text colour (white when it
    gives none) if it contrasts at least 4.5:1 with the route colour, else black or white,
    whichever contrasts more."""
    background = colour.upper()
    text = (text_colour or "FFFFFF").upper()
    if contrast_ratio(background, text) < MIN_BADGE_CONTRAST:
        text = max(("000000", "FFFFFF"), key=lambda c: contrast_ratio(background, c))
    return background, text


def badge_class(colour: str, text_colour: str | None) -> str:
    """The CSS class of a route badge, keyed on its (background, text) pair."""
    background, text = badge_colours(colour, text_colour)
    return f"c-{background}-{text}"


def routes_css(colours: Iterable[tuple[str | None, str | None]]) -> str:
    """One rule per (route colour, text colour) pair a feed uses (routes without a colour get
    the theme's plain badge)."""
    rules: dict[str, str] = {}
    for colour, text_colour in colours:
        if colour:
            background, text = badge_colours(colour, text_colour)
            rules.setdefault(badge_class(colour, text_colour),
                             f"background:#{background};color:#{text}")
    return "\n".join(f".{name}{{{rule}}}" for name, rule in rules.items())

"""Bitmap boards for e-paper controllers that run no browser: a pillar as a 1-bit or 4-grey PNG.

The same pillar view as the HTML (rows, ticker page, notice panel, status line), laid out by the
same table as the page (`displays.board.layout`): header / notices / footer first, then as many
whole rows as fit. Text is drawn straight
onto the final canvas without anti-aliasing in 1-bit mode (crisp, never dithered); 4-grey draws
anti-aliased text and quantises to four levels. Pure: pillar in, PNG bytes out.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from displays.board.layout import LAYOUT
from displays.board.pillar import Pillar, Row
from displays.board.wording import label

try:                                   # the font installs with the project (pyproject)
    from fontpkg_atkinson_hyperlegible import ROOT as _FONT_ROOT
    FONT_DIR: Path | None = Path(_FONT_ROOT) / "files"
except ImportError:                    # pragma: no cover - only without the dependency
    FONT_DIR = None

FONT_FILES = {"regular": "AtkinsonHyperlegible-Regular.ttf",
              "bold": "AtkinsonHyperlegible-Bold.ttf"}
MIN_SIDE, MAX_SIDE = 128, 4096
GREYS = (0, 85, 170, 255)             # the four levels of a 2-bit panel
L = LAYOUT


@dataclass(frozen=True)
class Layout:
    """Where things go on a bitmap (pixels); `rows` are the rows that fit whole."""

    width: int
    height: int
    unit: float                # destination font size (1 rem of the page)
    rows: tuple[Row, ...]
    row_height: int


@lru_cache(maxsize=64)
def font(weight: str, size: int) -> ImageFont.FreeTypeFont:
    if FONT_DIR is None:
        raise RuntimeError("the bitmap font is missing: pip install fontpkg-atkinson-hyperlegible")
    return ImageFont.truetype(str(FONT_DIR / FONT_FILES[weight]), size)


def unit_for(width: int, height: int) -> float:
    """The destination font size (px): 1 rem of the page on this screen."""
    return L.unit_px(width, height)


@dataclass(frozen=True)
class Bands:
    """Heights (px) of the page's bands, as board.css sizes them in rem (1 rem = unit)."""

    header: int
    note: int          # the demo label
    panel: int         # the alternate notice panel
    heads: int         # column heads
    ticker: int
    status: int        # status line, as tall as the "Vorlesen" button where there is one


def bands(pillar: Pillar, u: float, notes: tuple[str, ...] = ()) -> Bands:
    takeover = bool(pillar.takeover_pages)
    return Bands(
        header=round((L.title * L.line_height + 2 * L.title_pad + L.rule) * u),
        note=round((L.note * L.line_height + 2 * L.note_pad) * u) * len(notes),
        panel=round(L.panel_height() * u) if pillar.alternate_pages and not takeover else 0,
        heads=0 if takeover else round((L.heads * L.line_height + 2 * L.heads_pad) * u),
        ticker=round(L.ticker_height() * u) if pillar.ticker else 0,
        status=round(max(L.status * L.line_height * u,
                         max(L.speak_min_px, L.speak_min * u) if pillar.audio else 0)
                     + 2 * L.status_pad * u))


def plan(pillar: Pillar, width: int, height: int, notes: tuple[str, ...] = ()) -> Layout:
    """Decide which rows fit whole under the header, notices and footer."""
    u = unit_for(width, height)
    b = bands(pillar, u, notes)
    used = b.header + b.note + b.panel + b.heads + b.ticker + b.status
    row_height = round(L.row * u)
    fit = max((height - used) // row_height, 0)
    rows = () if pillar.takeover_pages else pillar.rows[:fit]
    return Layout(width, height, u, rows, row_height)


def _wrap(draw: ImageDraw.ImageDraw, text: str, face: ImageFont.FreeTypeFont, width: int
          ) -> list[str]:
    """Break text into lines that fit `width`, between words (a too-long word is cut)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if draw.textlength(candidate, font=face) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = _cut(draw, word, face, width)
    if current:
        lines.append(current)
    return lines


def _cut(draw: ImageDraw.ImageDraw, text: str, face: ImageFont.FreeTypeFont, width: float
         ) -> str:
    """Return text as it fits `width`, ending in "…" when it had to be shortened."""
    if draw.textlength(text, font=face) <= width:
        return text
    while text and draw.textlength(text + "…", font=face) > width:
        text = text[:-1]
    return text + "…"


class _Canvas:
    def __init__(self, width: int, height: int, grey: bool) -> None:
        self.image = Image.new("L" if grey else "1", (width, height), 255)
        self.draw = ImageDraw.Draw(self.image)
        self.draw.fontmode = "L" if grey else "1"

    def text(self, xy: tuple[float, float], text: str, face: ImageFont.FreeTypeFont,
             fill: int = 0, anchor: str = "la") -> None:
        self.draw.text(xy, text, font=face, fill=fill, anchor=anchor)

    def box(self, box: tuple[float, float, float, float], fill: int = 0) -> None:
        self.draw.rectangle(box, fill=fill)


def _block(c: _Canvas, top: int, u: int, scale: float, height: int, text: str, width: int,
           inverse: bool) -> int:
    """Draw a notice block (black, white text) `height` px tall; return its bottom."""
    face = font("bold", round(u * scale))
    lines = max(int((height - 2 * L.ticker_pad * u) // (L.line_height * u * scale)), 1)
    c.box((0, top, width, top + height), 0 if inverse else 255)
    pad = round(L.pad * u)
    for i, line in enumerate(_wrap(c.draw, text, face, width - 2 * pad)[:lines]):
        c.text((pad, top + round(L.ticker_pad * u) + i * L.line_height * u * scale), line,
               face, 255 if inverse else 0)
    return top + height


def _row(c: _Canvas, row: Row, top: int, u: int, layout: Layout, lang: str) -> None:
    w = layout.width
    pad, gap = round(L.pad * u), round(L.gap * u)
    line_w, when_w, plat_w = round(L.line_col * u), round(L.when_col * u), round(L.platform_col * u)
    middle = top + layout.row_height / 2
    bold, regular = font("bold", u), font("regular", u)
    small = font("regular", round(L.small * u))
    # line badge: black with white number (e-paper has no route colours)
    badge = _cut(c.draw, row.line, bold, line_w - round(0.5 * u))
    badge_w = max(round(L.badge_min * u), round(c.draw.textlength(badge, font=bold) + 0.5 * u))
    c.box((pad, middle - 0.65 * u, pad + badge_w, middle + 0.65 * u))
    c.text((pad + badge_w / 2, middle), badge, bold, 255, "mm")
    # destination: one line, or two at word/slash boundaries, else cut with an ellipsis
    x = pad + line_w + gap
    dest_w = w - x - gap - when_w - gap - plat_w - pad
    words = _wrap(c.draw, row.destination.replace("/", "/ "), regular, dest_w)
    words = [line.replace("/ ", "/") for line in words]
    if len(words) <= 1:
        c.text((x, middle), words[0] if words else "", regular, 0, "lm")
    else:
        second = " ".join(words[1:])
        c.text((x, middle - 0.55 * u), words[0], regular, 0, "lm")
        c.text((x, middle + 0.55 * u), _cut(c.draw, second, regular, dest_w), regular, 0, "lm")
    if row.status == "cancelled":            # struck through, as on the page
        struck = max((c.draw.textlength(w, font=regular) for w in words), default=0)
        for y in ((middle,) if len(words) <= 1 else (middle - 0.55 * u, middle + 0.55 * u)):
            c.box((x, y - 0.05 * u, x + min(struck, dest_w), y + 0.05 * u))
    # when: countdown (or status), and the scheduled time with its delay below
    right = w - pad - plat_w - gap
    main = row.when_text
    if row.approximate:
        main = f"ca. {main}"
    sub = row.scheduled + (f" {row.delay}" if row.delay else "")
    if row.delay or row.status == "cancelled":
        c.text((right, middle - 0.5 * u), main, bold, 0, "rm")
        c.text((right, middle + 0.6 * u), sub, small, 0, "rm")
    else:
        c.text((right, middle), main, bold, 0, "rm")
    # platform; a changed platform is drawn inverted with a note below
    if row.platform:
        centre = w - pad - plat_w / 2
        if row.platform_changed:
            c.box((centre - 0.9 * u, middle - 0.95 * u, centre + 0.9 * u, middle + 0.25 * u))
            c.text((centre, middle - 0.35 * u), row.platform, bold, 255, "mm")
            c.text((centre, middle + 0.7 * u), label(lang, "platform_changed"),
                   font("bold", round(L.changed * u)), 0, "mm")
        else:
            c.text((centre, middle), row.platform, bold, 0, "mm")
    c.box((0, top + layout.row_height - max(1, u // 16), w, top + layout.row_height))


def render_bitmap(pillar: Pillar, width: int, height: int, grey: bool = False,
                  notes: tuple[str, ...] = ()) -> bytes:
    """Return the pillar as a PNG of `width` × `height`: 1-bit, or 4 grey levels.

    `notes` are lines under the header (the demo label), as on the page.
    """
    if width > height:
        pillar = pillar.for_landscape()          # the page's landscape notice pages
    layout = plan(pillar, width, height, notes)
    u = round(layout.unit)
    b = bands(pillar, layout.unit, notes)
    c = _Canvas(width, height, grey)
    pad = round(L.pad * u)
    head = font("bold", round(L.title * u))
    clock_w = c.draw.textlength(pillar.clock, font=head)
    c.text((pad, b.header / 2), _cut(c.draw, pillar.title, head, width - 3 * pad - clock_w),
           head, 0, "lm")
    c.text((width - pad, b.header / 2), pillar.clock, head, 0, "rm")
    c.box((0, b.header - max(1, u // 12), width, b.header))
    top = b.header
    small = font("regular", round(L.heads * u))
    for note in notes:
        c.text((pad, top + b.note / len(notes) / 2), _cut(c.draw, note, small, width - 2 * pad),
               small, 0, "lm")
        top += b.note // len(notes)
    if b.panel:
        top = _block(c, top, u, L.panel, b.panel, pillar.alternate_pages[0], width, True)
    if pillar.takeover_pages:
        _block(c, top, u, L.takeover, height - b.ticker - b.status - top,
               pillar.takeover_pages[0], width, True)
    else:
        xs = (pad, pad + round((L.line_col + L.gap) * u),
              width - pad - round((L.platform_col + L.gap) * u),
              width - pad - round(L.platform_col / 2 * u))
        heads = (label(pillar.lang, "line"), label(pillar.lang, "destination"),
                 label(pillar.lang, "departure"), pillar.platform_header)
        for (x, text), anchor in zip(zip(xs, heads, strict=True), ("lm", "lm", "rm", "mm"),
                                     strict=True):
            c.text((x, top + b.heads / 2), text, small, 0, anchor)
        top += b.heads
        for row in layout.rows:
            _row(c, row, top, u, layout, pillar.lang)
            top += layout.row_height
        if not pillar.rows:
            c.text((width / 2, top + u), label(pillar.lang, "no_departures"),
                   font("regular", u), 0, "mm")
    if b.ticker:
        _block(c, height - b.status - b.ticker, u, L.ticker, b.ticker, pillar.ticker[0], width,
               True)
    status = font("bold" if not pillar.live else "regular", round(L.status * u))
    c.text((pad, height - b.status / 2),
           _cut(c.draw, pillar.status_line, status, width - 2 * pad), status, 0, "lm")
    image = c.image
    if grey:        # four levels, nearest (no dithering: text stays crisp), a 2-bit palette
        levels = image.point(lambda v: min(len(GREYS) - 1, (v + 42) // 85))
        image = Image.frombytes("P", levels.size, levels.tobytes())
        image.putpalette([v for g in GREYS for v in (g, g, g)])
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()

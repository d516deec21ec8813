"""Charts drawn from a report's numbers: a diverging bar chart for agreement scales, lines for trends.

A chart is laid out once as shapes (rectangles, lines, text); `svg` draws them for
the web page and the PDF, `png` for Word. Both come from the same numbers as the
table beside the chart, and every chart has a text alternative (`document.Chart.alt`).
Colours are ColorBrewer's PuOr (agreement) and Okabe and Ito's (lines), both
readable with the common colour-vision deficiencies; a legend names each.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

# The agreement scale from disagree (left) to agree (right); "neither" straddles the middle.
SCALE = (("strongly_disagree", "Strongly disagree", "#b35806"), ("disagree", "Disagree", "#f1a340"),
         ("neither", "Neither", "#d8d8d8"), ("agree", "Agree", "#998ec3"),
         ("strongly_agree", "Strongly agree", "#542788"))
LINE_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999", "#F0E442")
INK, GRID, FONT = "#0b0c0c", "#b1b4b6", 12


@dataclass(frozen=True)
class DivergingBar:
    label: str
    shares: dict[str, float] | None  # each scale point's share of those answering on the scale; None when hidden


@dataclass(frozen=True)
class Diverging:
    bars: list[DivergingBar]


@dataclass(frozen=True)
class Trend:
    years: list[str]
    lines: list[tuple[str, list[float | None]]]  # a name, then a share for each year (None: hidden or not asked)


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str


@dataclass(frozen=True)
class Line:
    points: list[tuple[float, float]]
    colour: str
    width: float = 1.0


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # the baseline
    text: str
    anchor: str = "start"  # start, middle, end
    size: int = FONT


@dataclass
class Drawing:
    width: int
    height: int
    shapes: list[Rect | Line | Text] = field(default_factory=list)


# Layout ---------------------------------------------------------------------------

LABEL_W, HALF, ROW = 300, 180, 38


def _wrapped(label: str, width: int = 44) -> list[str]:
    lines = textwrap.wrap(label, width) or [""]
    return lines[:2] if len(lines) <= 2 else [lines[0], textwrap.shorten(" ".join(lines[1:]), width, placeholder="…")]


def _legend(drawing: Drawing, items: list[tuple[str, str]], x: float, y: float, across: bool = True) -> None:
    for label, colour in items:
        drawing.shapes += [Rect(x, y - 10, 12, 12, colour), Text(x + 16, y, label)]
        if across:
            x += 16 + 7 * len(label) + 18
        else:
            y += 18


def diverging(chart: Diverging) -> Drawing:
    """Disagreement to the left of the centre line, agreement to the right, 'neither' across it."""
    centre, top = LABEL_W + HALF, 56
    drawing = Drawing(LABEL_W + 2 * HALF + 20, top + ROW * len(chart.bars) + 10)
    _legend(drawing, [(label, colour) for _, label, colour in SCALE], 8, 18)
    for tick, text in ((-1.0, "100%"), (-0.5, "50%"), (0.0, "0"), (0.5, "50%"), (1.0, "100%")):
        x = centre + tick * HALF
        drawing.shapes += [Line([(x, top - 6), (x, drawing.height - 10)], GRID), Text(x, top - 10, text, "middle", 10)]
    for i, bar in enumerate(chart.bars):
        y = top + i * ROW
        for j, line in enumerate(_wrapped(bar.label)):
            drawing.shapes.append(Text(LABEL_W - 8, y + 15 + j * 14, line, "end", 11))
        if bar.shares is None:
            drawing.shapes.append(Text(centre + 8, y + 21, "Hidden", "start", 11))
            continue
        left = centre - HALF * (bar.shares.get("strongly_disagree", 0) + bar.shares.get("disagree", 0)
                                + bar.shares.get("neither", 0) / 2)
        for value, _, colour in SCALE:
            width = HALF * bar.shares.get(value, 0)
            if width > 0:
                drawing.shapes.append(Rect(left, y + 6, width, ROW - 14, colour))
            left += width
    drawing.shapes.append(Line([(centre, top - 6), (centre, drawing.height - 10)], INK, 1.5))
    return drawing


def trend(chart: Trend) -> Drawing:
    """Each line's share (0 to 100%) year by year, with a legend to the right."""
    left, top, width, height = 50, 20, 360, 240
    drawing = Drawing(left + width + 290, top + height + 40)
    for share in (0, 0.25, 0.5, 0.75, 1.0):
        y = top + height * (1 - share)
        drawing.shapes += [Line([(left, y), (left + width, y)], GRID), Text(left - 6, y + 4, f"{share:.0%}", "end", 10)]
    step = width / max(len(chart.years) - 1, 1)
    xs = [left + (i * step if len(chart.years) > 1 else width / 2) for i in range(len(chart.years))]
    for x, year in zip(xs, chart.years):
        drawing.shapes.append(Text(x, top + height + 18, year, "middle", 11))
    for n, (_name, values) in enumerate(chart.lines):
        colour = LINE_COLOURS[n % len(LINE_COLOURS)]
        points = [(x, top + height * (1 - v)) for x, v in zip(xs, values) if v is not None]
        if len(points) > 1:
            drawing.shapes.append(Line(points, colour, 2.5))
        drawing.shapes += [Rect(x - 4, y - 4, 8, 8, colour) for x, y in points]
    _legend(drawing, [(textwrap.shorten(name, 38, placeholder="…"), LINE_COLOURS[n % len(LINE_COLOURS)])
                      for n, (name, _) in enumerate(chart.lines)], left + width + 20, top + 10, across=False)
    return drawing


def layout(figure: object) -> Drawing:
    if isinstance(figure, Diverging):
        return diverging(figure)
    if isinstance(figure, Trend):
        return trend(figure)
    raise TypeError(f"no layout for {type(figure).__name__}")


# Drawing --------------------------------------------------------------------------

def svg(drawing: Drawing) -> str:
    """The drawing as SVG; the page gives it its text alternative (an img's alt)."""
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" width="{drawing.width}" height="{drawing.height}" '
              f'viewBox="0 0 {drawing.width} {drawing.height}" font-family="Arial, Helvetica, sans-serif">'),
             f'<rect width="{drawing.width}" height="{drawing.height}" fill="#ffffff"/>']
    for s in drawing.shapes:
        if isinstance(s, Rect):
            parts.append(f'<rect x="{s.x:.1f}" y="{s.y:.1f}" width="{s.w:.1f}" height="{s.h:.1f}" fill="{s.fill}"/>')
        elif isinstance(s, Line):
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in s.points)
            parts.append(f'<polyline points="{points}" fill="none" stroke="{s.colour}" stroke-width="{s.width}"/>')
        else:
            parts.append(f'<text x="{s.x:.1f}" y="{s.y:.1f}" font-size="{s.size}" text-anchor="{s.anchor}" '
                         f'fill="{INK}">{escape(s.text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def png(drawing: Drawing, scale: int = 2) -> bytes:
    """The same drawing as a PNG (Word cannot show SVG everywhere), at twice the size for print."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (drawing.width * scale, drawing.height * scale), "white")
    pen = ImageDraw.Draw(image)
    fonts: dict[int, ImageFont.FreeTypeFont | ImageFont.ImageFont] = {}
    for s in drawing.shapes:
        if isinstance(s, Rect):
            pen.rectangle([s.x * scale, s.y * scale, (s.x + s.w) * scale - 1, (s.y + s.h) * scale - 1], fill=s.fill)
        elif isinstance(s, Line):
            pen.line([(x * scale, y * scale) for x, y in s.points], fill=s.colour, width=max(1, round(s.width * scale)))
        else:
            font = fonts.setdefault(s.size, ImageFont.load_default(size=s.size * scale))
            anchor = {"start": "ls", "middle": "ms", "end": "rs"}[s.anchor]
            pen.text((s.x * scale, s.y * scale), s.text, fill=INK, font=font, anchor=anchor)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()

"""Charts drawn on the server as SVG: they print, work without JavaScript and need no inline styles.

Each chart is an `<svg role="img">` with a title and a description that say what it shows in words;
the numbers themselves are always in a table beside or under it (the page's job). Nothing here counts:
charts lay out figures a release already holds, and a hidden figure is drawn as the word "Hidden".

Colours: agreement is blue and disagreement orange (a pair colour-blind people tell apart), the strong
answers darker than the mild ones, and the neutral grey; which side of the centre line a bar is on says
the same again, so the chart reads in greyscale too.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from ..disclosure.reader import HIDDEN, Row

AGREE = ("strongly_agree", "agree")
NEUTRAL = "neither"
DISAGREE = ("disagree", "strongly_disagree")
LABELS = {"strongly_agree": "Strongly agree", "agree": "Agree", "neither": "Neither",
          "disagree": "Disagree", "strongly_disagree": "Strongly disagree"}
# Fill colours (class names in the stylesheet carry the same colours for the legend and the print).
FILLS = {"strongly_agree": "#12436d", "agree": "#6a9ed3", "neither": "#b1b4b6",
         "disagree": "#f2a363", "strongly_disagree": "#a04300"}
INK = {"strongly_agree": "#ffffff", "agree": "#0b0c0c", "neither": "#0b0c0c",
       "disagree": "#0b0c0c", "strongly_disagree": "#ffffff"}

WIDTH, LABEL_W, ROW_H, BAR_H, TOP = 680, 230, 34, 24, 26


@dataclass(frozen=True)
class Split:
    """One group's answers to an agreement question, as shares of those who gave a view (not "don't know")."""

    label: str
    shares: dict[str, float] | None  # None when hidden

    @property
    def agree(self) -> float:
        return sum((self.shares or {}).get(k, 0.0) for k in AGREE)

    @property
    def disagree(self) -> float:
        return sum((self.shares or {}).get(k, 0.0) for k in DISAGREE)


def split(row: Row, label: str | None = None) -> Split:
    """Shares of the five views; hidden when any of them (or the group) is hidden, or nobody gave a view."""
    counts = {k: row.counts.get(k) for k in (*AGREE, NEUTRAL, *DISAGREE)}
    if any(v is None for v in counts.values()):
        return Split(label or row.label, None)
    given = sum(v for v in counts.values() if v is not None)
    if not given:
        return Split(label or row.label, None)
    return Split(label or row.label, {k: (v or 0) / given for k, v in counts.items()})


def _pct(share: float) -> str:
    return f"{100 * share:.0f}%"


def describe(found: Split) -> str:
    if found.shares is None:
        return f"{found.label}: {HIDDEN}."
    neutral = found.shares.get(NEUTRAL, 0.0)
    return (f"{found.label}: {_pct(found.agree)} agree or strongly agree, {_pct(neutral)} neither, "
            f"{_pct(found.disagree)} disagree or strongly disagree.")


def diverging(splits: list[Split], title: str, chart_id: str) -> Markup:
    """A diverging stacked bar per group: disagreement to the left of the centre line, agreement to the right,
    "neither" split across the centre. Shares are of the people who gave a view ("don't know" is left out)."""
    plot = WIDTH - LABEL_W - 10
    centre = LABEL_W + plot / 2
    scale = plot / 2  # a share of 1 on one side fills half the plot
    height = TOP + ROW_H * len(splits) + 8
    words = " ".join(describe(s) for s in splits)
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" viewBox="0 0 {WIDTH} {height}" '
              f'width="{WIDTH}" height="{height}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
              'focusable="false">'),
             f'<title id="{chart_id}-title">{escape(title)}</title>',
             f'<desc id="{chart_id}-desc">{escape(words)} The same figures are in the table below the chart.</desc>',
             f'<text x="{centre - 6}" y="16" text-anchor="end" class="app-chart__axis">← Disagree</text>',
             f'<text x="{centre + 6}" y="16" class="app-chart__axis">Agree →</text>']
    for i, found in enumerate(splits):
        y = TOP + i * ROW_H
        parts.append(f'<text x="{LABEL_W - 8}" y="{y + BAR_H / 2 + 5}" text-anchor="end" '
                     f'class="app-chart__label">{escape(_short(found.label))}</text>')
        if found.shares is None:  # written at the left of the plot, clear of the centre line
            parts.append(f'<text x="{LABEL_W + 4}" y="{y + BAR_H / 2 + 5}" class="app-chart__hidden">{HIDDEN}</text>')
            continue
        neutral = found.shares.get(NEUTRAL, 0.0)
        # Left of the centre, outwards: half of "neither", then disagree, then strongly disagree.
        x = centre - neutral / 2 * scale
        for key in DISAGREE:
            w = found.shares[key] * scale
            x -= w
            parts.append(_segment(key, x, y, w, found.shares[key]))
        x = centre - neutral / 2 * scale
        parts.append(_segment(NEUTRAL, x, y, neutral * scale, neutral))
        x = centre + neutral / 2 * scale
        for key in reversed(AGREE):
            w = found.shares[key] * scale
            parts.append(_segment(key, x, y, w, found.shares[key]))
            x += w
    parts.append(f'<line x1="{centre}" x2="{centre}" y1="{TOP - 4}" y2="{height - 4}" class="app-chart__centre" '
                 'stroke="#0b0c0c" stroke-width="2"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _segment(key: str, x: float, y: int, w: float, share: float) -> str:
    if w <= 0:
        return ""
    text = ""
    if w >= 34:  # room for "45%"
        text = (f'<text x="{x + w / 2:.1f}" y="{y + BAR_H / 2 + 5}" text-anchor="middle" fill="{INK[key]}" '
                f'class="app-chart__value">{_pct(share)}</text>')
    return (f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{BAR_H}" fill="{FILLS[key]}" '
            f'stroke="#ffffff" stroke-width="1"/>{text}')


def _short(label: str, limit: int = 30) -> str:
    """A long group name is cut in the chart (the table beside it has it whole)."""
    return label if len(label) <= limit else label[:limit - 1].rsplit(" ", 1)[0] + "…"


def legend() -> Markup:
    """The key to the colours, in the same order as the bars, as a list (read out by screen readers once)."""
    items = "".join(f'<li class="app-legend__item"><svg width="16" height="16" aria-hidden="true" focusable="false">'
                    f'<rect width="16" height="16" fill="{FILLS[k]}"/></svg> {LABELS[k]}</li>'
                    for k in ("strongly_disagree", "disagree", "neither", "agree", "strongly_agree"))
    return Markup(f'<ul class="app-legend" aria-label="Key to the chart">{items}</ul>')


def bar(share: float, width: int = 160) -> Markup:
    """A small bar for a share in a table cell (decorative: the percentage is written beside it)."""
    filled = round(width * max(0.0, min(1.0, share)), 1)
    return Markup(f'<svg class="app-bar" width="{width}" height="14" viewBox="0 0 {width} 14" aria-hidden="true" '
                  f'focusable="false"><rect width="{width}" height="14" fill="#f3f2f1"/>'
                  f'<rect width="{filled}" height="14" fill="#1d70b8"/></svg>')

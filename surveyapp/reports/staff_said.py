"""The health check's sections of a report: who took part, headline scores, every statement, themes, trends.

Each function takes the gathered inputs and returns blocks; every figure is a
release's cell written by `fmt`, as the results pages write it.
"""

from __future__ import annotations

from ..disclosure import cells as c
from ..disclosure.compare import change
from ..disclosure.reader import HIDDEN, Released, SectionScore, theme_summary
from ..questionnaires import Question
from . import charts, fmt
from .document import Block, Chart, Heading, Paragraph, Quote, Table
from .inputs import Inputs

SCALE = ("strongly_agree", "agree", "neither", "disagree", "strongly_disagree")
AGREE = ("strongly_agree", "agree")
DONT_KNOW = "dont_know"
QUOTES_PER_THEME = 3


def response_rates(i: Inputs) -> list[Block]:
    data, before = i.now, i.previous
    n, invited = data.respondents(c.ALL), data.invited(c.ALL)
    said = f"{fmt.count(n)} people responded, of {invited} invited ({fmt.percent(n, invited)})."
    if before is not None:
        said += (f" Last year {fmt.count(before.respondents(c.ALL))} of {before.invited(c.ALL)} responded "
                 f"({fmt.percent(before.respondents(c.ALL), before.invited(c.ALL))}).")
    rows = [_rate_row(data, before, area, data.label(area)) for area in data.children(c.ALL)]
    rows.append(_rate_row(data, before, c.ALL, "Council"))
    table = Table("Response rate by service area", ["Service area", "Invited", "Responded", "Response rate",
                                                    "Last year"], rows, frozenset({1, 2, 3, 4}))
    return [Heading("Who took part"), Paragraph(said), table, *response_trend(i)]


def _rate_row(data: Released, before: Released | None, unit: str, label: str) -> list[str]:
    n, invited = data.respondents(unit), data.invited(unit)
    last = (fmt.percent(before.respondents(unit), before.invited(unit))
            if before is not None and unit in before.units else fmt.NOTHING)
    return [label, str(invited), fmt.count(n), fmt.percent(n, invited), last]


def response_trend(i: Inputs) -> list[Block]:
    if len(i.history) < 2:
        return []
    years = [str(y.run.year) for y in i.history]
    rates = [(y.data.respondents(c.ALL), y.data.invited(c.ALL)) for y in i.history]
    values = [n / invited if n is not None and invited else None for n, invited in rates]
    table = Table("Response rate by year", ["Year", "Invited", "Responded", "Response rate"],
                  [[year, str(invited), fmt.count(n), fmt.percent(n, invited)] for year, (n, invited) in zip(years, rates)],
                  frozenset({1, 2, 3}))
    alt = (f"Line chart of the council's response rate from {years[0]} to {years[-1]}: "
           + "; ".join(f"{year} {fmt.share(v)}" for year, v in zip(years, values)) + ".")
    return [Chart("Response rate over the years", alt, charts.Trend(years, [("Response rate", values)]), table)]


# Headline scores ----------------------------------------------------------------------

def _agreeing(score: SectionScore) -> str:
    if score.agree is None or score.answered is None:
        return HIDDEN
    return fmt.share(score.share) if score.answered else "No answers"


def headline_scores(i: Inputs) -> list[Block]:
    before = {s.section_id: s for s in i.previous.sections(c.ALL)} if i.previous else {}
    rows = []
    for s in i.now.sections(c.ALL):
        b = before.get(s.section_id)
        moved = change((s.agree, s.answered), (b.agree, b.answered)) if b is not None else None
        hidden = s.agree is None or s.answered is None  # the results page then hides all three, as here
        rows.append([s.title, _agreeing(s), *([HIDDEN] * 2 if hidden else [fmt.count(s.agree), fmt.count(s.answered)]),
                     _agreeing(b) if b is not None else fmt.NOTHING, fmt.change(moved)])
    table = Table("Share agreeing, by section", ["Section", "Agreeing", "Answers agreeing", "Answers", "Last year",
                                                 "Change since last year (points)"], rows, frozenset({1, 2, 3, 4, 5}))
    note = ("The share of answers that were “agree” or “strongly agree”, not counting “don’t know”. Changes are "
            "in percentage points against last year’s released results. A change marked ‘more than chance’ is "
            "bigger than the normal variation for groups of this size (a two-proportion test at 95%); unmarked "
            "changes may be noise.")
    return [Heading("Headline scores"), table, Paragraph(note, small=True), *score_trend(i)]


def score_trend(i: Inputs) -> list[Block]:
    if len(i.history) < 2:
        return []
    years = [str(y.run.year) for y in i.history]
    by_year = [{s.section_id: s for s in y.data.sections(c.ALL)} for y in i.history]
    lines = [(s.title, [found.share if (found := year.get(s.section_id)) else None for year in by_year])
             for s in i.now.sections(c.ALL)]
    table = Table("Share agreeing by section and year", ["Section", *years], _trend_rows(i, by_year),
                  frozenset(range(1, len(years) + 1)))
    moves = [(title, values[-1] - values[-2]) for title, values in lines if values[-1] is not None and values[-2] is not None]
    alt = f"Line chart of the share agreeing in each section from {years[0]} to {years[-1]}."
    if moves:
        up, down = max(moves, key=lambda m: m[1]), min(moves, key=lambda m: m[1])
        alt += (f" Since {years[-2]} the biggest rise is in {up[0]} ({100 * up[1]:+.0f} points) and the biggest fall "
                f"in {down[0]} ({100 * down[1]:+.0f} points).")
    alt += " The figures are in the table that follows."
    return [Chart("Share agreeing by section, over the years", alt, charts.Trend(years, lines), table)]


def _trend_rows(i: Inputs, by_year: list[dict[str, SectionScore]]) -> list[list[str]]:
    return [[s.title, *(_agreeing(year[s.section_id]) if s.section_id in year else fmt.NOTHING for year in by_year)]
            for s in i.now.sections(c.ALL)]


# Every statement ---------------------------------------------------------------------

def agreement_statements(i: Inputs) -> list[Block]:
    """One diverging bar chart per section: how far staff agreed with each of its statements."""
    blocks: list[Block] = []
    for section in i.now.questionnaire.sections:
        asked = [q for q in section.questions if q.type == "agreement" and _some_shown(i.now, q)]
        if asked:
            blocks.append(_section_chart(i.now, section.title, asked))
    return [Heading("Every statement"), Paragraph(
        "For each statement, the share of those who answered on the scale (not counting “don’t know”): "
        "disagreement to the left of the centre line, agreement to the right."), *blocks] if blocks else []


def _some_shown(data: Released, q: Question) -> bool:
    """Left out when no answer to it is shown (nobody was asked it, or all of it is hidden), as evidence does."""
    return any(data.value(c.measure(q.id, v), c.ALL) for v in SCALE)


def _scale(data: Released, q: Question) -> dict[str, int] | None:
    counts = {v: data.value(c.measure(q.id, v), c.ALL) for v in SCALE}
    return None if any(n is None for n in counts.values()) else {v: n or 0 for v, n in counts.items()}


def _section_chart(data: Released, title: str, asked: list[Question]) -> Chart:
    bars, rows = [], []
    labels = dict(asked[0].choices())
    for q in asked:
        counts = _scale(data, q)
        total = sum(counts.values()) if counts else 0
        shares = {v: n / total for v, n in counts.items()} if counts and total else None
        bars.append(charts.DivergingBar(q.text.rstrip("."), shares))
        agree = sum(counts[v] for v in AGREE) if counts else None
        rows.append([q.text.rstrip("."), *(fmt.count(data.value(c.measure(q.id, v), c.ALL)) for v in SCALE),
                     fmt.count(data.value(c.measure(q.id, DONT_KNOW), c.ALL)),
                     fmt.percent(agree, total) if counts else HIDDEN])
    table = Table(f"{title}: answers to each statement", ["Statement", *(labels[v] for v in SCALE),
                                                          labels[DONT_KNOW], "Agreeing"], rows,
                  frozenset(range(1, 8)))
    shown = [(b.label, b.shares) for b in bars if b.shares]
    statements = "the statement" if len(bars) == 1 else f"the {len(bars)} statements"
    alt = f"Diverging bar chart of the answers to {statements} about {title.lower()}."
    if shown:
        most = max(shown, key=lambda s: s[1]["agree"] + s[1]["strongly_agree"])
        least = min(shown, key=lambda s: s[1]["agree"] + s[1]["strongly_agree"])
        alt += (f" Most agreed with “{most[0]}” ({fmt.share(most[1]['agree'] + most[1]['strongly_agree'])}), "
                f"fewest with “{least[0]}” ({fmt.share(least[1]['agree'] + least[1]['strongly_agree'])}).")
    hidden = len(bars) - len(shown)
    if hidden:
        alt += f" {hidden} {'is' if hidden == 1 else 'are'} hidden to protect anonymity."
    return Chart(title, alt + " The figures are in the table that follows.", charts.Diverging(bars), table)


# Themes in comments --------------------------------------------------------------------

def staff_comments(i: Inputs) -> list[Block]:
    return comment_themes(i.now, i.previous, "What staff said in their comments")


def comment_themes(data: Released, previous: Released | None, heading: str, level: int = 2,
                   only: str | None = None) -> list[Block]:
    """The released themes of each free-text question (or only one), with their quotes."""
    blocks: list[Block] = []
    for q in data.questionnaire.questions():
        if q.type != "free_text" or (only is not None and q.id != only):
            continue
        summary = theme_summary(data, q.id, c.ALL, previous)
        if summary is None:
            continue
        if summary.comments is None and all(t.size is None for t in summary.themes):
            blocks += [Heading(q.text, level + 1), Paragraph(f"The themes are {HIDDEN.lower()}, to protect anonymity.")]
            continue
        multi = summary.has_mentions
        blocks += [Heading(q.text, level + 1), Paragraph(_comments(summary.comments, multi))]
        blocks.append(Table(f"Themes: {q.text}", ["Theme", "Comments"] + (["Comments raising it"] if multi else [])
                            + ["Change", "Sentiment", "Key words"], [
            [t.label, _theme_size(t.size, t.share)] + ([fmt.count(t.mentions)] if multi else []) + [
             "" if t.change is None else f"{'+' if t.change > 0 else ''}{t.change}" + (" (more than chance)" if t.notable else ""),
             ", ".join(f"{v} {k}" for k, v in t.sentiment.items() if v), ", ".join(t.keywords[:5])]
            for t in summary.themes], frozenset({1, 2, 3} if multi else {1, 2})))
        for t in summary.themes:
            if t.size is not None and t.quotes:
                blocks += [Paragraph(f"Quotes: {t.label}"), *(Quote(q) for q in t.quotes[:QUOTES_PER_THEME])]
    if not blocks:
        return []
    note = ("Themes were found by the product's theme engine and released with the results. Key words and quotes "
            f"are shown only for themes with at least {data.content.get('comments', 10)} comments; quotes are "
            "redacted of names and other "
            "identifiers, and a comment flagged as a possible safeguarding concern is never quoted.")
    return [Heading(heading, level), Paragraph(note, small=True), *blocks]


def _comments(comments: int | None, multi: bool) -> str:
    """What the table counts, in words: the number of comments, or why it is not given."""
    said = (f"{comments} comments." if comments is not None else
            "The number of comments is hidden: shown beside these figures, it would let a smaller hidden figure be "
            "worked out. The themes shown are counted in comments.")
    if multi:
        said += (" Comments: those whose main theme it is. Comments raising it: those about the theme at all, as "
                 "their main theme or a second one, so a comment about two themes counts in both.")
    return said


def _theme_size(size: int | None, share: float | None) -> str:
    if size is None:
        return HIDDEN
    return f"{size} ({'%.0f' % (100 * share)}%)" if share is not None else str(size)

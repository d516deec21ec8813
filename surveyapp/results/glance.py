"""What matters in a run's results, for its first page: plain functions of what a user may read.

Everything here comes from releases, through `disclosure.access.Reading`: it picks and orders
figures the audit already let through (and changes only where `disclosure.compare` says they are
more than noise). Nothing counts answers, so nothing here can show more than the detail pages do.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..disclosure import access, reader
from ..disclosure.compare import Change, change

TOP = 3


@dataclass(frozen=True)
class Responses:
    respondents: int | None
    invited: int | None
    before_respondents: int | None = None
    before_invited: int | None = 0

    @property
    def rate(self) -> float | None:
        return self.respondents / self.invited if self.respondents is not None and self.invited else None

    @property
    def before_rate(self) -> float | None:
        found = self.before_respondents
        return found / self.before_invited if found is not None and self.before_invited else None


@dataclass(frozen=True)
class Movement:
    section_id: str
    title: str
    share: float  # share agreeing now
    change: Change


@dataclass(frozen=True)
class ThemeLine:
    label: str
    size: int | None  # hidden while its comments raising it are released
    share: float | None  # None when the number of comments is hidden
    change: float | None
    notable: bool
    mentions: int | None = None  # comments raising it at all, as released (None: hidden)


@dataclass(frozen=True)
class Themes:
    question_id: str
    question: str
    comments: int | None  # None when the audit hides it; released theme sizes are still shown
    top: list[ThemeLine]
    mentions: bool = False  # the release has "comments raising it" figures for this question


@dataclass(frozen=True)
class Leavers:
    run: object  # the exit interview period (a SurveyRun)
    unit_label: str
    count: int | None
    reasons: list[tuple[str, int]]


@dataclass(frozen=True)
class Glance:
    responses: Responses
    compared: bool  # there is a released earlier run to compare with
    improved: list[Movement]
    fallen: list[Movement]
    themes: list[Themes]
    highest: list[reader.SectionScore]
    lowest: list[reader.SectionScore]


def extremes(reading: access.Reading) -> tuple[list[reader.SectionScore], list[reader.SectionScore]]:
    """The sections with the highest and the lowest share agreeing (of those shown), when there are enough to rank."""
    shown = sorted((s for s in reading.data.sections(reading.unit) if s.share is not None), key=lambda s: -(s.share or 0))
    k = min(TOP, len(shown) // 2)  # never the same section in both lists
    return shown[:k], shown[::-1][:k]


def responses(reading: access.Reading) -> Responses:
    data, unit, before = reading.data, reading.unit, reading.previous
    if before is None or unit not in before.units:
        return Responses(data.respondents(unit), data.invited(unit))
    return Responses(data.respondents(unit), data.invited(unit), before.respondents(unit), before.invited(unit))


def movements(reading: access.Reading) -> tuple[list[Movement], list[Movement]]:
    """Sections whose share agreeing moved by more than noise since last year: most improved, most fallen."""
    if reading.previous is None:
        return [], []
    before = {s.section_id: s for s in reading.previous.sections(reading.unit)}
    moved = []
    for now in reading.data.sections(reading.unit):
        then = before.get(now.section_id)
        found = change((now.agree, now.answered), (then.agree, then.answered)) if then else None
        if found is not None and found.notable and now.share is not None:
            moved.append(Movement(now.section_id, now.title, now.share, found))
    improved = sorted((m for m in moved if m.change.points > 0), key=lambda m: -m.change.points)
    fallen = sorted((m for m in moved if m.change.points < 0), key=lambda m: m.change.points)
    return improved[:TOP], fallen[:TOP]


def themes(reading: access.Reading) -> list[Themes]:
    """Each free-text question's biggest released themes for the unit, with how they moved: as the themes page
    shows them, so also when the audit hides the unit's number of comments but releases some theme sizes."""
    found = []
    for question in reading.data.questionnaire.questions():
        if question.type != "free_text":
            continue
        summary = reader.theme_summary(reading.data, question.id, reading.unit, reading.previous)
        if summary is None:
            continue
        # Biggest by their released size; a theme whose size is hidden but whose mentions are released ranks
        # by those (never fewer than its size), so the first page lists what the themes page shows.
        shown = sorted((t for t in summary.themes if t.size or (summary.has_mentions and t.mentions)),
                       key=lambda t: -(t.size if t.size is not None else t.mentions or 0))
        found.append(Themes(question.id, question.text, summary.comments,
                            [ThemeLine(t.label, t.size, t.share, t.change, t.notable, t.mentions)
                             for t in shown[:TOP]], summary.has_mentions))
    return found


def leavers(reading: access.Reading) -> Leavers:
    """An exit interview period's leavers and their most given reasons, as released for this user."""
    data, unit = reading.data, reading.unit
    asked = data.questionnaire.question("main_reasons")
    reasons: list[tuple[str, int]] = []
    if asked is not None:
        row = data.row(asked, unit)
        given = [(label, n) for value, label in asked.choices() if (n := row.counts.get(value))]
        reasons = sorted(given, key=lambda r: -r[1])[:TOP]
    return Leavers(reading.run, reading.unit_label, data.respondents(unit), reasons)


def glance(reading: access.Reading) -> Glance:
    improved, fallen = movements(reading)
    highest, lowest = extremes(reading)
    return Glance(responses(reading), reading.previous is not None, improved, fallen, themes(reading), highest, lowest)

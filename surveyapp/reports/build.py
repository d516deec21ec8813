"""A committee report as data: its sections in the order a scrutiny paper puts them."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy.orm import Session

from ..disclosure import cells as c
from ..disclosure.compare import change
from ..models import SurveyRun
from . import actions, fmt, leaving, staff_said
from .document import Block, Bullets, Heading, Paragraph, Report
from .inputs import Inputs, gather

Progress = Callable[[int, str], None]
Section = Callable[[Inputs], list[Block]]

# (what the progress says while it is built, the section)
SECTIONS: tuple[tuple[str, Section], ...] = (
    ("Writing who took part", staff_said.response_rates),
    ("Writing the headline scores", staff_said.headline_scores),
    ("Writing what staff said", staff_said.staff_comments),
    ("Writing the action plan", actions.action_plan),
    ("Writing last year’s plan", actions.you_said_we_did),
    ("Writing the leavers’ figures", leaving.leavers),
    ("Writing the workforce figures", leaving.staffing),
    ("Drawing every statement", staff_said.agreement_statements),
)


def build(db: Session, run: SurveyRun, progress: Progress | None = None) -> Report:
    tell = progress or (lambda _percent, _stage: None)
    tell(5, "Reading the released figures")
    inputs = gather(db, run)
    report = Report(f"{inputs.council}: the social work health check {run.year}",
                    f"A report to the committee from the principal social worker on {run.title}")
    report.blocks += introduction(inputs) + headlines(inputs)
    for n, (stage, section) in enumerate(SECTIONS):
        tell(10 + 50 * n // len(SECTIONS), stage)
        report.blocks += section(inputs)
    return report


def introduction(i: Inputs) -> list[Block]:
    made = i.release
    when = f", {made.finished_at:%-d %B %Y}" if made.finished_at else ""
    return [Heading("About this report"), Paragraph(
        f"Every figure about what staff said is from {made.kind} release {made.number} of {i.run.title}{when}: "
        "the same released figures managers read on the results pages. Where a figure could identify someone, it "
        f"is written Hidden, here as on the pages: groups of fewer than {i.now.threshold} people are never shown, "
        "and nor is anything that would let a hidden figure be worked out from those shown.")]


def headlines(i: Inputs) -> list[Block]:
    n, invited = i.now.respondents(c.ALL), i.now.invited(c.ALL)
    found = [f"{fmt.count(n)} people responded, of {invited} invited ({fmt.percent(n, invited)})."]
    before = {s.section_id: s for s in i.previous.sections(c.ALL)} if i.previous else {}
    for s in i.now.sections(c.ALL):
        b = before.get(s.section_id)
        moved = change((s.agree, s.answered), (b.agree, b.answered)) if b is not None else None
        if moved is not None and moved.notable:
            word = "up" if moved.points > 0 else "down"
            found.append(f"{s.title}: {fmt.share(s.share)} agreeing, {word} {abs(moved.points)} points since last "
                         "year (more than chance).")
    if i.leavers is not None:
        found.append(f"{fmt.count(i.leavers.respondents(c.ALL))} leavers took part in an exit interview.")
    return [Heading("In brief"), Bullets(found)]


def filename(run: SurveyRun, extension: str) -> str:
    stem = re.sub(r"[^a-z0-9]+", "-", f"committee report {run.council.slug} {run.year}".lower()).strip("-")
    return f"{stem}.{extension}"

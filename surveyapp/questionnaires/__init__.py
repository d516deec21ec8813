"""Questionnaires are data: versioned YAML files validated when they are loaded.

A bad file fails with a `DefinitionError` naming the file, the place in it and
the problem. Question ids are stable from year to year so results line up.
"""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

DEFINITIONS = Path(__file__).parent / "definitions"

AGREEMENT_SCALE: tuple[tuple[str, str], ...] = (
    ("strongly_agree", "Strongly agree"),
    ("agree", "Agree"),
    ("neither", "Neither agree nor disagree"),
    ("disagree", "Disagree"),
    ("strongly_disagree", "Strongly disagree"),
    ("dont_know", "Don't know or not applicable"),
)
ATTACH_NAME_OPTIONS: tuple[tuple[str, str], ...] = (
    ("yes", "Yes, attach my name"),
    ("no", "No, keep my answers without my name"),
)
CONDITION_TYPES = {"single_choice", "agreement", "attach_name"}

Value = str | int | list[str]


class DefinitionError(ValueError):
    """A questionnaire file that cannot be used, with where and why."""


@dataclass(frozen=True)
class ShowIf:
    question: str
    values: tuple[str, ...]

    def holds(self, answers: dict[str, Value]) -> bool:
        return answers.get(self.question) in self.values


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    text: str
    hint: str | None = None
    required: bool = True
    error: str | None = None
    show_if: ShowIf | None = None
    options: tuple[tuple[str, str], ...] = ()
    max_choices: int | None = None
    min: int | None = None
    max: int | None = None
    suffix: str | None = None
    max_length: int | None = None

    def choices(self) -> tuple[tuple[str, str], ...]:
        if self.type == "agreement":
            return AGREEMENT_SCALE
        if self.type == "attach_name":
            return ATTACH_NAME_OPTIONS
        return self.options

    def label_for(self, value: str) -> str:
        return dict(self.choices()).get(value, value)

    def display(self, value: Value) -> str:
        """An answer as the respondent would say it, for check-your-answers pages."""
        if isinstance(value, list):
            return ", ".join(self.label_for(v) for v in value)
        if self.type == "number":
            return f"{value} {self.suffix}" if self.suffix else str(value)
        if self.type == "month":
            year, month = str(value).split("-")
            return f"{calendar.month_name[int(month)]} {year}"
        if self.type == "free_text":
            return str(value)
        return self.label_for(str(value))


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    questions: tuple[Question, ...]
    intro: str | None = None
    show_if: ShowIf | None = None

    def shown(self, answers: dict[str, Value]) -> bool:
        return self.show_if is None or self.show_if.holds(answers)

    def visible_questions(self, answers: dict[str, Value]) -> list[Question]:
        return [q for q in self.questions if q.show_if is None or q.show_if.holds(answers)]


@dataclass(frozen=True)
class Questionnaire:
    key: str
    version: int
    kind: str
    title: str
    summary: str
    minutes: int
    sections: tuple[Section, ...]
    raw: dict[str, Any] = field(compare=False, repr=False, default_factory=dict)

    def visible_sections(self, answers: dict[str, Value]) -> list[Section]:
        return [s for s in self.sections if s.shown(answers)]

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)

    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions() if q.id == question_id), None)

    @cached_property
    def unnamed(self) -> Questionnaire:
        """As asked through an open link: nobody's name is known, so no question offers to attach it
        (its section goes too, if that was its only question)."""
        sections = (replace(s, questions=tuple(q for q in s.questions if q.type != "attach_name"))
                    for s in self.sections)
        kept = tuple(s for s in sections if s.questions)
        return self if kept == self.sections else replace(self, sections=kept)

    def visible_answers(self, answers: dict[str, Value]) -> dict[str, Value]:
        """Drop answers to questions that the respondent's own answers now hide."""
        kept: dict[str, Value] = {}
        for section in self.visible_sections(answers):
            for question in section.visible_questions(answers):
                if question.id in answers:
                    kept[question.id] = answers[question.id]
        return kept


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads((Path(__file__).parent / "schema.json").read_text())
    return Draft202012Validator(schema)


def _place(path: Any) -> str:
    place = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
    return place.lstrip(".") or "the top level"


def from_dict(data: Any, source: str) -> Questionnaire:
    errors = list(_validator().iter_errors(data))
    if errors:
        # The deepest error names the exact place; among equals, a plain one beats a combined rule.
        first = max(errors, key=lambda e: (len(e.absolute_path), e.validator not in ("not", "allOf", "if")))
        raise DefinitionError(f"{source}: at {_place(first.absolute_path)}: {_problem(first)}")
    questionnaire = _build(data)
    _check_references(questionnaire, source)
    return questionnaire


def _problem(error: Any) -> str:
    if error.validator == "not" and isinstance(error.instance, dict):
        kind = error.instance.get("type", "this")
        return f"a {kind} question does not take some of these settings: {', '.join(sorted(error.instance))}"
    return error.message


def _show_if(data: dict[str, Any] | None) -> ShowIf | None:
    return ShowIf(data["question"], tuple(data["in"])) if data else None


def _build(data: dict[str, Any]) -> Questionnaire:
    sections = []
    for s in data["sections"]:
        questions = tuple(
            Question(
                id=q["id"], type=q["type"], text=q["text"], hint=q.get("hint"),
                required=q.get("required", True), error=q.get("error"), show_if=_show_if(q.get("show_if")),
                options=tuple((o["value"], o["label"]) for o in q.get("options", [])),
                max_choices=q.get("max_choices"), min=q.get("min"), max=q.get("max"),
                suffix=q.get("suffix"), max_length=q.get("max_length"),
            )
            for q in s["questions"]
        )
        sections.append(Section(s["id"], s["title"], questions, s.get("intro"), _show_if(s.get("show_if"))))
    return Questionnaire(
        data["key"], data["version"], data["kind"], data["title"], data["summary"], data["minutes"],
        tuple(sections), raw=data,
    )


def _check_references(questionnaire: Questionnaire, source: str) -> None:
    """Ids unique; show_if only on an earlier section's question, with real option values."""
    earlier: dict[str, Question] = {}
    section_ids: set[str] = set()
    for si, section in enumerate(questionnaire.sections):
        where = f"sections[{si}]"
        if section.id in section_ids:
            raise DefinitionError(f"{source}: at {where}.id: section id '{section.id}' is used twice")
        section_ids.add(section.id)
        _check_condition(section.show_if, earlier, f"{source}: at {where}.show_if")
        for qi, question in enumerate(section.questions):
            qwhere = f"{where}.questions[{qi}]"
            if question.id in earlier or any(q.id == question.id for q in section.questions[:qi]):
                raise DefinitionError(f"{source}: at {qwhere}.id: question id '{question.id}' is used twice")
            _check_condition(question.show_if, earlier, f"{source}: at {qwhere}.show_if")
            if (question.type == "number" and question.min is not None and question.max is not None
                    and question.min > question.max):
                raise DefinitionError(f"{source}: at {qwhere}: min is greater than max")
            values = [v for v, _ in question.options]
            if len(set(values)) != len(values):
                raise DefinitionError(f"{source}: at {qwhere}.options: an option value is used twice")
        earlier.update({q.id: q for q in section.questions})


def _check_condition(show_if: ShowIf | None, earlier: dict[str, Question], where: str) -> None:
    if show_if is None:
        return
    target = earlier.get(show_if.question)
    if target is None:
        raise DefinitionError(
            f"{where}: '{show_if.question}' must be a question in an earlier section"
        )
    if target.type not in CONDITION_TYPES:
        raise DefinitionError(f"{where}: '{show_if.question}' is a {target.type} question; "
                              "conditions can only use single choice or agreement questions")
    known = {v for v, _ in target.choices()}
    unknown = [v for v in show_if.values if v not in known]
    if unknown:
        raise DefinitionError(f"{where}: '{show_if.question}' has no option {', '.join(unknown)}")


def load_file(path: Path) -> Questionnaire:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError(f"{path}: cannot be read: {exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown place"
        raise DefinitionError(f"{path}: at {where}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    return from_dict(data, str(path))


def builtin() -> list[Questionnaire]:
    return [load_file(p) for p in sorted(DEFINITIONS.glob("*.yaml"))]


_PARSED: dict[tuple[Any, ...], Questionnaire] = {}
FOLLOW_UP_SECTION = "last_years_plan"


def questionnaire_for(run: Any) -> Questionnaire:
    """The questionnaire a run (a `SurveyRun`) was asked with, from its stored snapshot.

    Here, below every journey, because respondents, results, releases and the
    demo all need it. A stored snapshot never changes, so it is validated once
    per process, not on every page (validation against the JSON Schema costs about 25 ms).
    A run's follow-up questions on last year's action plan are one more section,
    so the journey asks them and releases count them like any other question.
    """
    stored = run.questionnaire
    follow_up = tuple((f["id"], f["text"]) for f in (getattr(run, "follow_up", None) or []))
    key = (stored.id, stored.key, stored.version, follow_up)
    found = _PARSED.get(key)
    if found is None:
        definition = with_follow_up(stored.definition, follow_up)
        found = _PARSED[key] = from_dict(definition, f"questionnaire {stored.key} {stored.version}")
    return found


def with_follow_up(definition: dict[str, Any], follow_up: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """The definition with a section of agreement questions on last year's commitments, before the comments."""
    if not follow_up:
        return definition
    section = {"id": FOLLOW_UP_SECTION, "title": "What we did after last year’s health check",
               "intro": "Last year we published an action plan in answer to what you told us. "
                        "Tell us whether you have seen action on each thing we said we would do.",
               "questions": [{"id": qid, "type": "agreement", "text": text} for qid, text in follow_up]}
    sections = list(definition["sections"])
    at = next((i for i, s in enumerate(sections) if s["id"] == "your_comments"), len(sections))
    return {**definition, "sections": [*sections[:at], section, *sections[at:]]}

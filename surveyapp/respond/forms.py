"""Builds a WTForms form for one questionnaire section.

A registry maps each question type to the function that builds its field (the
ONS survey runner's pattern): a new question type is one function and one
registry line. Error messages are written for the respondent, in plain English.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_wtf import FlaskForm
from markupsafe import Markup
from govuk_frontend_wtf.gov_form_base import GovFormBase
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovTextInput,
)
from wtforms import Field, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, StopValidation, ValidationError

from ..questionnaires import Question, Value

TeamChoices = list[tuple[str, str]]


@dataclass(frozen=True)
class FormContext:
    teams: TeamChoices
    name: str | None = None  # an exit interview leaver's name, from their invitation
    lenient: bool = False  # "save and come back later": missing answers are not errors


def _statement(text: str) -> str:
    return text.rstrip(". ")


def required_message(question: Question) -> str:
    if question.error:
        return question.error
    if question.type == "agreement":
        return f"Select how much you agree with ‘{_statement(question.text)}’"
    if question.type == "multiple_choice":
        return f"Select at least one answer to ‘{_statement(question.text)}’"
    if question.type in ("number", "free_text", "month"):
        return f"Enter an answer to ‘{_statement(question.text)}’"
    return f"Select an answer to ‘{_statement(question.text)}’"


def _presence(question: Question, ctx: FormContext) -> list[Any]:
    if question.required and not ctx.lenient:
        return [InputRequired(message=required_message(question))]
    return [Optional()]


WHOLE_NUMBER = re.compile(r"-?[0-9]+")
MAX_DIGITS = 12  # any longer is out of every question's range (and int() refuses 4,300 digits)


class WholeNumberField(StringField):
    """A whole number within bounds; what was typed is kept when it is wrong."""

    def __init__(self, *args: Any, minimum: int, maximum: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.minimum, self.maximum = minimum, maximum

    def pre_validate(self, form: Any) -> None:
        raw = (self.data or "").strip().replace(",", "")
        if not raw:
            return
        # Plain ASCII digits: str.isdigit() also accepts '--5' (after lstrip) and '²', which int() refuses.
        if not WHOLE_NUMBER.fullmatch(raw):
            raise StopValidation("Enter a whole number, like 12")
        if len(raw) > MAX_DIGITS or not self.minimum <= int(raw) <= self.maximum:
            raise StopValidation(f"Enter a number between {self.minimum} and {self.maximum}")

    def value(self) -> int | None:
        raw = (self.data or "").strip().replace(",", "")
        return int(raw) if raw else None


class MonthInput(GovDateInput):
    """GOV.UK date input with month and year only."""

    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        # Skip GovDateInput's own mapping, which expects day, month and year.
        params = GovFormBase.map_gov_params(self, field, **kwargs)
        params.setdefault("fieldset", {"legend": {"text": field.label.text}})
        month, year = (field.raw_data + ["", ""])[:2] if field.raw_data else _split_month(field.data)
        error = " govuk-input--error" if field.errors else ""
        params["items"] = [
            {"label": "Month", "id": f"{field.name}-month", "name": field.name,
             "classes": "govuk-input--width-2" + error, "value": month},
            {"label": "Year", "id": f"{field.name}-year", "name": field.name,
             "classes": "govuk-input--width-4" + error, "value": year},
        ]
        return params


RENDERED_LIMIT = 2000
_rendered: dict[tuple[str, Any], Markup] = {}


def _frozen(value: Any) -> Any:
    """A hashable copy of a field's params that tells apart what renders differently (Markup from text, True from 1)."""
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return (type(value).__name__, value)


class Remembered(GovFormBase):
    """A choice field rendered once per process for the same params.

    A GOV.UK macro's markup depends on its params alone, and a questionnaire page
    is the same for everyone who has not answered it yet, so radios, checkboxes
    and the team list (the slow part of a page) are rendered once and kept. Only
    choice fields: their params hold the questionnaire's own words and which
    options are ticked, never what a person typed (see `_radios` for the leaver's name).
    """

    template: str

    def render(self, params: dict[str, Any]) -> Markup:
        key = (self.template, _frozen(params))
        found = _rendered.get(key)
        if found is None:
            found = super().render(params)
            if len(_rendered) >= RENDERED_LIMIT:
                _rendered.pop(next(iter(_rendered)))  # the oldest
            _rendered[key] = found
        return found


class RememberedRadios(Remembered, GovRadioInput):
    pass


class RememberedCheckboxes(Remembered, GovCheckboxesInput):
    pass


class RememberedSelect(Remembered, GovSelect):
    pass


def _split_month(value: str | None) -> tuple[str, str]:
    if not value:
        return "", ""
    year, month = value.split("-")
    return str(int(month)), year


MONTH = re.compile(r"[0-9]{1,2}")
YEAR = re.compile(r"[0-9]{4}")


class MonthField(Field):
    """A month as 'YYYY-MM', typed as month and year boxes."""

    widget = MonthInput()

    def process_formdata(self, valuelist: list[str]) -> None:
        self.raw_data = valuelist
        self.data = None
        parts = [v.strip() for v in valuelist]
        if len(parts) == 2 and any(parts):
            month, year = parts
            if not (MONTH.fullmatch(month) and YEAR.fullmatch(year) and 1 <= int(month) <= 12
                    and 2000 <= int(year) <= 2100):
                raise ValueError("Enter a real month and year, like 9 2026")
            self.data = f"{int(year):04d}-{int(month):02d}"

    def _value(self) -> str:
        return self.data or ""


def _max_choices(limit: int) -> Callable[[Any, Any], None]:
    def check(_form: Any, field: Any) -> None:
        if field.data and len(field.data) > limit:
            raise ValidationError(f"Select no more than {limit} answers")
    return check


def _legend(question: Question, **extra: Any) -> dict[str, Any]:
    # Several questions share a page, so each is a bold small legend, not a page heading.
    return {"params": {"fieldset": {"legend": {"text": question.text, "classes": "govuk-fieldset__legend--s"}},
                       **extra}}


def _label(question: Question, **extra: Any) -> dict[str, Any]:
    return {"params": {"label": {"text": question.text, "classes": "govuk-label--s"}, **extra}}


def _radios(question: Question, ctx: FormContext) -> Field:
    choices = list(question.choices())
    if question.type == "attach_name" and ctx.name:
        choices[0] = (choices[0][0], f"{choices[0][1]} ({ctx.name})")
    small = {"classes": "govuk-radios--small"} if question.type == "agreement" else {}
    named = question.type == "attach_name" and ctx.name  # a person's name is never kept
    return RadioField(question.text, description=question.hint or "", choices=choices,
                      validators=_presence(question, ctx), widget=GovRadioInput() if named else RememberedRadios(),
                      render_kw=_legend(question, **small))


def _checkboxes(question: Question, ctx: FormContext) -> Field:
    validators = _presence(question, ctx)
    if question.max_choices:
        validators.append(_max_choices(question.max_choices))
    return SelectMultipleField(question.text, description=question.hint or "", choices=list(question.options),
                               validators=validators, widget=RememberedCheckboxes(), render_kw=_legend(question))


def _team(question: Question, ctx: FormContext) -> Field:
    return SelectField(question.text, description=question.hint or "",
                       choices=[("", "Choose your team")] + ctx.teams,
                       validators=_presence(question, ctx), widget=RememberedSelect(), render_kw=_label(question))


def _number(question: Question, ctx: FormContext) -> Field:
    params: dict[str, Any] = _label(question, classes="govuk-input--width-3", inputmode="numeric",
                                    spellcheck=False)["params"]
    if question.suffix:
        params["suffix"] = {"text": question.suffix}
    return WholeNumberField(question.text, description=question.hint or "", validators=_presence(question, ctx),
                            minimum=question.min or 0, maximum=question.max or 0,
                            widget=GovTextInput(), render_kw={"params": params})


def _free_text(question: Question, ctx: FormContext) -> Field:
    limit = question.max_length or 1000
    return TextAreaField(
        question.text, description=question.hint or "", widget=GovCharacterCount(),
        validators=_presence(question, ctx) + [
            Length(max=limit, message=f"Your answer must be {limit:,} characters or fewer")],
        render_kw=_label(question, maxlength=limit, rows=6),
    )


def _month(question: Question, ctx: FormContext) -> Field:
    return MonthField(question.text, description=question.hint or "", validators=_presence(question, ctx),
                      render_kw=_legend(question))


FIELD_BUILDERS: dict[str, Callable[[Question, FormContext], Field]] = {
    "agreement": _radios,
    "single_choice": _radios,
    "attach_name": _radios,
    "multiple_choice": _checkboxes,
    "team": _team,
    "number": _number,
    "free_text": _free_text,
    "month": _month,
}


def section_form(questions: list[Question], ctx: FormContext, answers: dict[str, Value],
                 formdata: Any = None) -> FlaskForm:
    """A form for these questions, filled from saved answers unless a POST is given."""
    fields = {q.id: FIELD_BUILDERS[q.type](q, ctx) for q in questions}
    form_class = type("SectionForm", (FlaskForm,), fields)
    saved = {q.id: _to_form(q, answers[q.id]) for q in questions if q.id in answers}
    return form_class(formdata=formdata, data=saved) if formdata is not None else form_class(data=saved)


def _to_form(question: Question, value: Value) -> Any:
    return str(value) if question.type == "number" else value


def answers_from(form: FlaskForm, questions: list[Question]) -> dict[str, Value | None]:
    """The answers a valid form gives; None marks a question left blank."""
    result: dict[str, Value | None] = {}
    for question in questions:
        field = form[question.id]
        if question.type == "number":
            result[question.id] = field.value()
        elif question.type == "free_text":
            result[question.id] = (field.data or "").strip() or None
        elif question.type == "multiple_choice":
            result[question.id] = list(field.data or []) or None
        else:
            result[question.id] = field.data or None
    return result

"""The admin's forms for the committee report: which format, and workforce figures by hand or from a CSV."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import RadioField, StringField, SubmitField
from wtforms.validators import InputRequired

from . import workforce
from .render import NAMES

LABELS = {name: label for name, label, *_ in workforce.FIELDS}


class ReportForm(FlaskForm):
    format = RadioField("Format", widget=GovRadioInput(), choices=list(NAMES.items()),
                        validators=[InputRequired(message="Select a format for the report")])
    submit = SubmitField("Write the report", widget=GovSubmitInput())


class WorkforceForm(FlaskForm):
    """Typed as text: `workforce.check` says what is wrong with each figure, for this form and the CSV alike."""

    posts_fte = StringField(LABELS["posts_fte"], widget=GovTextInput())
    vacancies_fte = StringField(LABELS["vacancies_fte"], widget=GovTextInput())
    agency_fte = StringField(LABELS["agency_fte"], widget=GovTextInput())
    starters_fte = StringField(LABELS["starters_fte"], widget=GovTextInput())
    leavers_fte = StringField(LABELS["leavers_fte"], widget=GovTextInput())
    asye = StringField(LABELS["asye"], widget=GovTextInput())
    average_caseload = StringField(LABELS["average_caseload"] + " (optional)", widget=GovTextInput())
    submit = SubmitField("Save", widget=GovSubmitInput())

    def figures(self) -> dict[str, str]:
        return {name: self[name].data or "" for name, *_ in workforce.FIELDS}


class WorkforceFileForm(FlaskForm):
    workforce_file = FileField("Upload a CSV file", widget=GovFileInput(),
                               validators=[FileRequired(message="Select a CSV file"),
                                           FileAllowed(["csv"], message="The file must be a CSV file")])
    upload = SubmitField("Import figures", widget=GovSubmitInput())

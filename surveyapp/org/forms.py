"""Forms for the organisation, the audit log and data retention. Messages are plain English (GOV.UK style)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovDateInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from ..manage.forms import GovDateField, PlainIntegerField

NAME = [DataRequired(message="Enter a name"), Length(max=200, message="The name must be 200 characters or fewer")]


class AreaForm(FlaskForm):
    name = StringField("Service area name", widget=GovTextInput(), validators=NAME)
    submit = SubmitField("Save", widget=GovSubmitInput())


class TeamForm(FlaskForm):
    name = StringField("Team name", widget=GovTextInput(), validators=NAME)
    area = RadioField("Service area", widget=GovRadioInput(), coerce=int,
                      validators=[InputRequired(message="Select the team's service area")])
    submit = SubmitField("Save", widget=GovSubmitInput())


class MergeForm(FlaskForm):
    merged = SelectMultipleField("Teams to merge", widget=GovCheckboxesInput(), coerce=int,
                                 validators=[DataRequired(message="Select the teams to merge")])
    into = RadioField("The team that continues", widget=GovRadioInput(), coerce=int,
                      description="It keeps its name and its results history; the others are retired into it.",
                      validators=[InputRequired(message="Select the team that continues")])
    submit = SubmitField("Merge the teams", widget=GovSubmitInput())


class RetireForm(FlaskForm):
    submit = SubmitField("Retire the team", widget=GovSubmitInput())


class OrganisationFileForm(FlaskForm):
    organisation = FileField("Upload a CSV file", widget=GovFileInput(),
                             description="Columns: service_area, team. Missing service areas and teams are added; "
                                         "nothing is renamed or removed.",
                             validators=[FileRequired(message="Select a CSV file"),
                                         FileAllowed(["csv", "txt"], message="The file must be a CSV file")])
    submit = SubmitField("Add the teams", widget=GovSubmitInput())


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: filters change nothing

    kind = SelectField("What happened", widget=GovSelect(), validators=[Optional()])
    person = StringField("Who (part of their email address)", widget=GovTextInput(),
                         validators=[Optional(), Length(max=320)])
    since = GovDateField("From", widget=GovDateInput(), format="%d %m %Y", validators=[Optional()])
    until = GovDateField("To", widget=GovDateInput(), format="%d %m %Y", validators=[Optional()])
    submit = SubmitField("Filter", widget=GovSubmitInput())


class RetentionForm(FlaskForm):
    retention_years = PlainIntegerField(
        "Keep answers and comments for (years after a run closes)", widget=GovTextInput(),
        not_a_number="Enter the number of years as a number, like 3",
        validators=[InputRequired(message="Enter how many years to keep answers"),
                    NumberRange(1, 10, message="Enter a number of years between 1 and 10")])
    leaver_name_days = PlainIntegerField(
        "Keep leavers’ attached names for (days after the period closes)", widget=GovTextInput(),
        not_a_number="Enter the number of days as a number, like 90",
        description="The follow-up period: time to contact leavers who attached their name.",
        validators=[InputRequired(message="Enter how many days to keep leavers’ names"),
                    NumberRange(0, 730, message="Enter a number of days between 0 and 730")])
    submit = SubmitField("Save", widget=GovSubmitInput())

"""Forms for managers and admins. Messages are plain English (GOV.UK style)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovFileInput,
    GovPasswordInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import DateField, EmailField, HiddenField, IntegerField, PasswordField, RadioField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError


class SignInForm(FlaskForm):
    email = EmailField("Email address", widget=GovTextInput(),
                       validators=[DataRequired(message="Enter your email address"),
                                   Email(message="Enter an email address in the correct format, like name@council.gov.uk")])
    password = PasswordField("Password", widget=GovPasswordInput(),
                             validators=[DataRequired(message="Enter your password")])
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class PlainIntegerField(IntegerField):
    """A whole number whose format error is a sentence the person can act on."""

    def __init__(self, *args: Any, not_a_number: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.not_a_number = not_a_number

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.not_a_number)


class GovDateField(DateField):
    """A GOV.UK day, month and year date with plain messages; a short POST cannot break the widget."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        valuelist = (list(valuelist) + ["", "", ""])[:3]
        self.raw_data = valuelist
        if not any(v.strip() for v in valuelist):
            self.data = None
            return
        try:
            super().process_formdata([" ".join(v.strip() for v in valuelist)])
        except ValueError:
            raise ValueError(f"{self.label.text} must be a real date, like 31 10 2026")
        finally:
            self.raw_data = valuelist


class RunForm(FlaskForm):
    questionnaire = RadioField("Questionnaire", widget=GovRadioInput(), coerce=int,
                               validators=[InputRequired(message="Select a questionnaire")])
    title = StringField("Title staff will see", widget=GovTextInput(),
                        validators=[DataRequired(message="Enter a title, like Social work health check 2026"),
                                    Length(max=300, message="Title must be 300 characters or fewer")])
    year = PlainIntegerField("Year", widget=GovTextInput(), not_a_number="Enter the year as a number, like 2026",
                        validators=[InputRequired(message="Enter the year, like 2026"),
                                    NumberRange(2000, 2100, message="Enter a year between 2000 and 2100")])
    opens_on = GovDateField("Opens on", widget=GovDateInput(), format="%d %m %Y",
                         validators=[InputRequired(message="Enter the date it opens, like 1 10 2026")])
    closes_on = GovDateField("Closes on", widget=GovDateInput(), format="%d %m %Y",
                          validators=[InputRequired(message="Enter the date it closes, like 31 10 2026")])
    submit = SubmitField("Create", widget=GovSubmitInput())

    def validate_closes_on(self, field: Any) -> None:
        if self.opens_on.data and field.data and field.data < self.opens_on.data:
            raise ValidationError("The closing date must be the same as or after the opening date")

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questionnaire.choices = choices
        if not self.is_submitted():
            self.year.data = self.year.data or dt.date.today().year


class StaffListForm(FlaskForm):
    staff_list = FileField("Upload a CSV file", widget=GovFileInput(),
                           description="Columns: name, email, team. The team must match a team name in your council.",
                           validators=[FileRequired(message="Select a CSV file"),
                                       FileAllowed(["csv", "txt"], message="The file must be a CSV file")])
    submit = SubmitField("Import and create links", widget=GovSubmitInput())


class SettingsForm(FlaskForm):
    caseload_policy = PlainIntegerField(
        "Caseload policy (children per social worker)", widget=GovTextInput(),
        not_a_number="Enter the caseload policy as a number of children, like 18",
        description="Results show how many people hold more children than this. Leave empty if you have no policy.",
        validators=[Optional(), NumberRange(1, 80, message="Enter a number of children between 1 and 80")])
    asye_caseload_limit = PlainIntegerField(
        "Protected caseload for ASYE social workers", widget=GovTextInput(),
        not_a_number="Enter the ASYE limit as a number of children, like 15",
        description="For example, 15. Leave empty if ASYE caseloads are not capped.",
        validators=[Optional(), NumberRange(1, 80, message="Enter a number of children between 1 and 80")])
    submit = SubmitField("Save", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    """A button that changes something: a form, so it carries a CSRF token."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())


def _closes_after_opens(form: Any, field: Any) -> None:
    if form.opens_on.data and field.data and field.data < form.opens_on.data:
        raise ValidationError("The closing date must be the same as or after the opening date")


class ChangeRunForm(FlaskForm):
    """An open run's title and dates: extend it, or put it back a week."""

    title = StringField("Title staff will see", widget=GovTextInput(),
                        validators=[DataRequired(message="Enter a title, like Social work health check 2026"),
                                    Length(max=300, message="Title must be 300 characters or fewer")])
    opens_on = GovDateField("Opens on", widget=GovDateInput(), format="%d %m %Y",
                            validators=[InputRequired(message="Enter the date it opens, like 1 10 2026")])
    closes_on = GovDateField("Closes on", widget=GovDateInput(), format="%d %m %Y",
                             validators=[InputRequired(message="Enter the date it closes, like 31 10 2026"),
                                         _closes_after_opens])
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class CopyRunForm(ChangeRunForm):
    year = PlainIntegerField("Year", widget=GovTextInput(), not_a_number="Enter the year as a number, like 2027",
                             validators=[InputRequired(message="Enter the year, like 2027"),
                                         NumberRange(2000, 2100, message="Enter a year between 2000 and 2100")])
    submit = SubmitField("Create the copy", widget=GovSubmitInput())


class ReopenForm(FlaskForm):
    closes_on = GovDateField("New closing date", widget=GovDateInput(), format="%d %m %Y",
                             validators=[InputRequired(message="Enter the new closing date, like 31 10 2026")])
    submit = SubmitField("Reopen", widget=GovSubmitInput())


class DeleteForm(FlaskForm):
    """Deleting cannot be undone: the admin types a word, so a stray click or request deletes nothing."""

    confirm = StringField("Type delete to confirm", widget=GovTextInput(),
                          validators=[DataRequired(message="Type delete to confirm")])
    submit = SubmitField("Delete for good", widget=GovSubmitInput())

    def validate_confirm(self, field: Any) -> None:
        if (field.data or "").strip().lower() != "delete":
            raise ValidationError("Type delete to confirm, or go back if you do not want to delete it")


class CreateTeamsForm(FlaskForm):
    """The staff list names teams the council does not have: create them in a service area, then import."""

    upload = HiddenField()  # the random id of the list waiting on the server (staff.hold), not the list
    service_area = StringField("Service area for the new teams", widget=GovTextInput(),
                               validators=[DataRequired(message="Enter the service area the new teams belong to"),
                                           Length(max=200, message="The name must be 200 characters or fewer")])
    submit = SubmitField("Create the teams and import the list", widget=GovSubmitInput())


class CancelUploadForm(FlaskForm):
    upload = HiddenField()

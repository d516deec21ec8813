"""Forms for accounts and passwords. Messages are plain English (GOV.UK style)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovPasswordInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import EmailField, PasswordField, RadioField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, ValidationError

from ..models import Role

EMAIL = [DataRequired(message="Enter an email address"),
         Email(message="Enter an email address in the correct format, like name@council.gov.uk"),
         Length(max=320, message="The email address must be 320 characters or fewer")]
ROLES = [(Role.MANAGER.value, "Manager: reads results in their scope and starts theme analyses"),
         (Role.VIEWER.value, "Viewer: reads results in their scope"),
         (Role.ADMIN.value, "Admin: everything in the council, like the principal social worker")]

class ChoicesField(SelectMultipleField):
    """Checkboxes whose refusal of a value not offered (another council's team, say) is a plain sentence."""

    def pre_validate(self, form: Any) -> None:
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError("Choose from the service areas and teams listed") from None


# Made before ScopeForm's fields, so that the invitation form (and its error summary) asks for them first.
NAME_FIELD = StringField("Full name", widget=GovTextInput(),
                         validators=[DataRequired(message="Enter their full name"),
                                     Length(max=200, message="The name must be 200 characters or fewer")])
EMAIL_FIELD = EmailField("Email address", widget=GovTextInput(), validators=EMAIL)


class ScopeForm(FlaskForm):
    role = RadioField("Role", widget=GovRadioInput(), choices=ROLES,
                      validators=[InputRequired(message="Select a role")])
    areas = ChoicesField("Whole service areas", widget=GovCheckboxesInput(), coerce=int,
                                description="Every team in the area, including teams added later.")
    teams = ChoicesField("Single teams", widget=GovCheckboxesInput(), coerce=int)
    submit = SubmitField("Save", widget=GovSubmitInput())

    def choose_from(self, areas: list[tuple[int, str]], teams: list[tuple[int, str]]) -> None:
        self.areas.choices, self.teams.choices = areas, teams

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.role.data != Role.ADMIN.value and not (self.areas.data or self.teams.data) and not self.areas.errors:
            self.areas.errors = ["Choose at least one service area or team this person may see"]
            return False
        return valid


class InviteForm(ScopeForm):
    name = NAME_FIELD
    email = EMAIL_FIELD
    submit = SubmitField("Send the invitation", widget=GovSubmitInput())


class ForgotForm(FlaskForm):
    email = EmailField("Email address", widget=GovTextInput(), validators=EMAIL)
    submit = SubmitField("Send me a link", widget=GovSubmitInput())


class SetPasswordForm(FlaskForm):
    password = PasswordField("New password", widget=GovPasswordInput(),
                             description="At least 12 characters. Three or four random words are easy to remember.",
                             validators=[DataRequired(message="Enter a password"),
                                         Length(min=12, message="Your password must be at least 12 characters"),
                                         Length(max=200, message="Your password must be 200 characters or fewer")])
    confirm = PasswordField("Type the password again", widget=GovPasswordInput(),
                            validators=[DataRequired(message="Type the password again"),
                                        EqualTo("password", message="The passwords do not match")])
    submit = SubmitField("Set the password", widget=GovSubmitInput())


class ActiveForm(FlaskForm):
    submit = SubmitField("Confirm", widget=GovSubmitInput())

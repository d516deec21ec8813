"""Forms for correcting themes (admins only). Messages are plain English (GOV.UK style); the choices are the
analysis's themes, set by the view."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovRadioInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from .corrections import MAX_LABEL


class _Plain:
    """A choice field whose refusal of a value not offered is a plain sentence."""

    message = "Choose a theme from the list"

    def pre_validate(self, form: Any) -> None:
        try:
            super().pre_validate(form)  # type: ignore[misc]
        except ValidationError:
            raise ValidationError(self.message) from None


class Choices(_Plain, SelectMultipleField):
    message = "Choose from the list"


class OneOf(_Plain, SelectField):
    pass


class Radios(_Plain, RadioField):
    pass


LABEL = [DataRequired(message="Enter a name for the theme"),
         Length(max=MAX_LABEL, message=f"The theme's name must be {MAX_LABEL} characters or fewer")]


class MoveForm(FlaskForm):
    main = Radios("Main theme", widget=GovRadioInput(), validators=[InputRequired(message="Choose the comment's main theme")],
                  description="What the comment is mostly about. It is counted in this theme's comments.")
    also = Choices("Also about (optional)", widget=GovCheckboxesInput(),
                   description="Any other theme the comment clearly raises. It is counted in each theme it raises.")
    submit = SubmitField("Move the comment", widget=GovSubmitInput())


class RenameForm(FlaskForm):
    theme = OneOf("Theme to rename", widget=GovSelect(), validators=[InputRequired(message="Choose the theme to rename")])
    label = StringField("New name", widget=GovTextInput(), validators=LABEL,
                        description="Managers will see this name from the next release.")
    submit = SubmitField("Rename the theme", widget=GovSubmitInput())


class MergeForm(FlaskForm):
    theme = OneOf("Theme to merge", widget=GovSelect(), validators=[InputRequired(message="Choose the theme to merge")],
                  description="Its comments will count in the other theme, and it will no longer be shown.")
    into = OneOf("Merge it into", widget=GovSelect(), validators=[InputRequired(message="Choose the theme to merge it into")])
    submit = SubmitField("Merge the themes", widget=GovSubmitInput())


class SplitForm(FlaskForm):
    label = StringField("Name of the new theme", widget=GovTextInput(), validators=LABEL)
    comments = Choices("Comments that go to the new theme", widget=GovCheckboxesInput(),
                       validators=[DataRequired(message="Choose the comments that go to the new theme")])
    submit = SubmitField("Split the theme", widget=GovSubmitInput())

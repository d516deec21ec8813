"""Forms for editing a plan. Messages are plain English (GOV.UK style)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovDateInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..manage.forms import GovDateField
from ..models import CommitmentStatus
from .library import STANDARDS
from .plans import STATUS_LABELS


class RowForm(FlaskForm):
    you_said = TextAreaField("You said", widget=GovTextArea(),
                             description="What staff told us, in plain words, with the figures that show it.",
                             validators=[DataRequired(message="Enter what staff told us"),
                                         Length(max=2000, message="You said must be 2,000 characters or fewer")])
    asks = TextAreaField("We expect you", widget=GovTextArea(),
                         description="What we ask of staff in return. Put each one on its own line.",
                         validators=[Length(max=4000, message="We expect you must be 4,000 characters or fewer")])
    standards = SelectMultipleField("Standards for employers of social workers", widget=GovCheckboxesInput(),
                                    coerce=int, choices=list(STANDARDS.items()), validate_choice=True)
    submit = SubmitField("Save", widget=GovSubmitInput())


class CommitmentForm(FlaskForm):
    text = TextAreaField("We will", widget=GovTextArea(),
                         validators=[DataRequired(message="Enter what we will do"),
                                     Length(max=1000, message="We will must be 1,000 characters or fewer")])
    owner = StringField("Owner", widget=GovTextInput(), description="A named person or a role, like Head of Service",
                        validators=[DataRequired(message="Enter who owns this: a named person or a role"),
                                    Length(max=200, message="Owner must be 200 characters or fewer")])
    due_on = GovDateField("Due date", widget=GovDateInput(), format="%d %m %Y", validators=[Optional()],
                          description="For example, 31 3 2027")
    submit = SubmitField("Save", widget=GovSubmitInput())


class ProgressForm(FlaskForm):
    status = RadioField("Status", widget=GovRadioInput(), choices=list(STATUS_LABELS.items()),
                        validators=[InputRequired(message="Select the status")])
    note = TextAreaField("What has happened", widget=GovTextArea(),
                         description="If the status changes, say why. Staff read this on the published plan.",
                         validators=[Length(max=2000, message="The update must be 2,000 characters or fewer")])
    submit = SubmitField("Save progress", widget=GovSubmitInput())

    def __init__(self, *args: Any, current: str = CommitmentStatus.NOT_STARTED.value, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_submitted():
            self.status.data = current


class FollowUpForm(FlaskForm):
    commitments = SelectMultipleField("Ask about these commitments", widget=GovCheckboxesInput(), choices=[],
                                      validate_choice=True)
    submit = SubmitField("Save follow-up questions", widget=GovSubmitInput())

"""Forms for the moderation queue. Messages are plain English (GOV.UK style)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovSubmitInput
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from .quotes import MAX_LENGTH


class EditQuoteForm(FlaskForm):
    text = TextAreaField("Text to release", widget=GovCharacterCount(),
                         description="Managers will read this instead of the comment above. Names, phone numbers "
                                     "and case numbers you type are redacted again when you save.",
                         validators=[DataRequired(message="Enter the text to release"),
                                     Length(max=MAX_LENGTH,
                                            message=f"The text to release must be {MAX_LENGTH:,} characters or fewer")],
                         render_kw={"params": {"maxlength": MAX_LENGTH, "rows": 5, "label": {"classes": "govuk-label--m"}}})
    submit = SubmitField("Save and release this text", widget=GovSubmitInput())


class ReviewForm(FlaskForm):
    note = TextAreaField("What have you done about it?", widget=GovCharacterCount(),
                         description="For example: read it, and raised it with the head of service under the "
                                     "safeguarding procedure.",
                         validators=[DataRequired(message="Enter what you have done about this comment"),
                                     Length(max=2000, message="The note must be 2,000 characters or fewer")],
                         render_kw={"params": {"maxlength": 2000, "rows": 4, "label": {"classes": "govuk-label--m"}}})
    submit = SubmitField("Mark as seen / action taken", widget=GovSubmitInput())

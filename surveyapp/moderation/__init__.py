"""Moderation, for the principal social worker (admins) only: what the next release may quote, the comments
flagged as possible safeguarding concerns, and the leavers who chose to give their name.

The release reads the quote decisions (`surveyapp.disclosure.themes`); nothing here shows a manager anything.
"""

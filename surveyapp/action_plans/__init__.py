"""Action plans: "You said / We will / We expect you", drafted from a release, published to staff, followed up.

Every figure, theme and quote a plan shows is read from releases through
`surveyapp.disclosure`, as released (a hidden figure stays "Hidden"); a plan
stores only references into the release (question, section and theme ids),
never a count of its own.
"""

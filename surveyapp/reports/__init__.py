"""The committee report: the principal social worker's annual paper to scrutiny, in Word, tagged PDF and HTML.

A report is built as data first (`build.build`: a list of blocks whose every
figure is already written out, read from releases through `surveyapp.disclosure`,
the action plan and the workforce figures the admin entered), then rendered
(`word`, `web`). Renderers lay blocks out and hold no figures of their own, so
every format says the same thing, and a figure hidden on the pages is "Hidden"
here too.

    reports  ->  action_plans, disclosure  ->  models
"""

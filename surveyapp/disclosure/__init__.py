"""The disclosure layer: the only way a figure, keyword, label or quote leaves the database for a manager.

Managers never read live counts. They read a *release*: every table of a run
that any user of the council could be shown, computed once and stored: groups
of at least 5 shown, no handful of people left to any combination of groups
within the release or against earlier ones (`people`, `audit`), every count of
answers with a small consistent noise (`noise`); see `release`. Pages,
exports and reports read releases through `reader`; nothing above this package
queries answers or the answer tally (an import-linter contract and
tests/disclosure/test_layering.py hold that).

    journeys and reports  ->  disclosure  ->  models
"""

"""The disclosure layer: the only way a figure, keyword, label or quote leaves the database for a manager.

Managers never read live counts. They read a *release*: every table of a run
that any user of the council could be shown, computed once, audited as a whole
(`audit.protect`: primary and complementary suppression proved by linear
programming, groups that differ by a handful of people closed, within the
release and against every earlier release of the run) and stored. Pages,
exports and reports read releases through `reader`; nothing above this package
queries answers or the answer tally (an import-linter contract and
tests/disclosure/test_layering.py hold that).

    journeys and reports  ->  disclosure  ->  models
"""

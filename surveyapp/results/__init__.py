"""Results for managers: the pages and exports of a run's latest release, read through `surveyapp.disclosure`."""

"""`flask` commands for a council's organisation and for retention: import-organisation, retention, deletions.

(`setup`, which creates the council and its first admin, is in surveyapp/cli.py.)"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from .. import audit_log, db, retention
from ..models import Council, SurveyRun
from . import structure


def _council(slug: str) -> Council:
    council = db.session().scalar(select(Council).where(Council.slug == slug))
    if council is None:
        raise click.ClickException(f"There is no council '{slug}'. Create it with `flask setup`.")
    return council


def register(app: Flask) -> None:
    @app.cli.command("import-organisation")
    @click.option("--council", "slug", required=True, help="The council's short name (slug).")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def import_organisation(slug: str, path: Path) -> None:
        """Add service areas and teams from a CSV file with the columns service_area,team."""
        council = _council(slug)
        try:
            loaded = structure.load_csv(db.session(), council, path.read_bytes())
        except structure.OrganisationError as exc:
            raise click.ClickException(str(exc))
        audit_log.record(db.session(), audit_log.SYSTEM, audit_log.ORGANISATION_CHANGED, council_id=council.id,
                         detail={"from": path.name, "added_service_areas": loaded.areas,
                                 "added_teams": loaded.teams})
        db.session().commit()
        click.echo(f"Added {loaded.areas} service areas and {loaded.teams} teams "
                   f"({loaded.unchanged} teams were already there).")

    @app.cli.command("retention")
    @click.option("--dry-run", is_flag=True, help="Print what would be deleted, and delete nothing.")
    @click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="Act as if it were this day.")
    def retention_command(dry_run: bool, today: dt.datetime | None) -> None:
        """Delete what each council's retention periods say is due (a scheduled job calls the same)."""
        day = today.date() if today else dt.date.today()
        lines = retention.apply(db.session(), day, dry_run=dry_run)
        for line in lines:
            click.echo(("Would: " if dry_run else "Done: ") + line)
        if not lines:
            click.echo("Nothing is due for deletion.")

    @app.cli.command("delete-run")
    @click.argument("run_id", type=int)
    @click.confirmation_option(prompt="This deletes the run, its answers and its releases for good. Go on?")
    def delete_run(run_id: int) -> None:
        """Delete a run and everything of it, its releases included."""
        run = db.session().get(SurveyRun, run_id)
        if run is None:
            raise click.ClickException(f"There is no run {run_id}.")
        council_id, title = run.council_id, run.title
        counts = retention.delete_run(db.session(), run)
        audit_log.record(db.session(), audit_log.SYSTEM, audit_log.RUN_DELETED, run=run_id, council_id=council_id,
                         detail={"title": title, **counts})
        db.session().commit()
        click.echo(f"Deleted run {run_id} ({title}) and everything of it: {retention.describe(counts)}.")

    @app.cli.command("delete-council-data")
    @click.option("--council", "slug", required=True, help="The council's short name (slug).")
    @click.option("--everything", is_flag=True, help="Also its accounts, teams, service areas and the council.")
    @click.confirmation_option(prompt="This deletes the council's survey data for good. Go on?")
    def delete_council_data(slug: str, everything: bool) -> None:
        """Delete every run of a council (and with --everything, the council itself). The audit log stays."""
        council = _council(slug)
        council_id, name = council.id, council.name
        counts = retention.delete_council_data(db.session(), council, everything=everything)
        audit_log.record(db.session(), audit_log.SYSTEM, audit_log.COUNCIL_DATA_DELETED, council_id=council_id,
                         detail=counts)
        db.session().commit()
        runs = counts.pop("runs")
        what = " and the council itself" if everything else ""
        click.echo(f"Deleted {runs} runs of {name}{what}, with everything of them: {retention.describe(counts)}. "
                   "The audit log keeps a record of it.")

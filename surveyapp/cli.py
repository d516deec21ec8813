"""`flask` commands: migrate, load the demo, create accounts, check questionnaire files,
write the committee report."""

from __future__ import annotations

import logging
from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import audit_log, background, db, heartbeat
from .auth import create_user
from .demo import loader
from .disclosure import jobs as jobs_release
from .disclosure import release
from .disclosure.thresholds import Thresholds
from .models import (
    Council,
    ReleaseKind,
    Role,
    RunStatus,
    ServiceArea,
    SurveyRun,
    Team,
    ThemeJob,
    UserScope,
)
from .questionnaires import DefinitionError, load_file
from .reports import inputs as report_inputs
from .reports import jobs as report_jobs
from .reports import render as report_render
from .themes import jobs

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    command.upgrade(alembic_config(url), "head")


def _scopes(session: Session, council: Council, areas: tuple[str, ...], teams: tuple[str, ...]) -> list[UserScope]:
    found: list[UserScope] = []
    for name in areas:
        area = session.scalar(select(ServiceArea).where(ServiceArea.council_id == council.id, ServiceArea.name == name))
        if area is None:
            raise ValueError(f"{council.name} has no service area called '{name}'")
        found.append(UserScope(service_area_id=area.id))
    for name in teams:
        team = session.scalar(select(Team).join(ServiceArea).where(ServiceArea.council_id == council.id,
                                                                   Team.name == name))
        if team is None:
            raise ValueError(f"{council.name} has no team called '{name}'")
        found.append(UserScope(team_id=team.id))
    return found


def _demo_themes() -> None:
    """Find themes in last year's demo comments once, so this year's theme page can show changes."""
    session = db.session()
    earlier = session.scalars(select(SurveyRun).join(Council).where(
        Council.slug == loader.SLUG, SurveyRun.status == "closed")).first()
    if earlier is None or jobs.latest(session, earlier, "biggest_difference") is not None:
        return
    click.echo("Finding themes in last year's demo comments (first time only; it loads the language model)...")
    job = ThemeJob(run_id=earlier.id, question_id="biggest_difference", status="queued")
    session.add(job)
    session.commit()
    jobs.run_job(current_app._get_current_object(), job.id)  # type: ignore[attr-defined]


def _kind(run: SurveyRun) -> ReleaseKind:
    return ReleaseKind.PERIOD if run.kind == "exit_interview" else (
        ReleaseKind.FINAL if run.status == RunStatus.CLOSED.value else ReleaseKind.INTERIM)


def _release(run: SurveyRun) -> None:
    """Make a release now, in this process (the CLI waits for it rather than queue it)."""
    kind = _kind(run)
    make_session = current_app.extensions["surveyapp.sessionmaker"]
    rule, limits = Thresholds.from_config(current_app.config), heartbeat.Limits.from_config(current_app.config)
    made = jobs_release.start(db.session(), run, kind, rule,
                              lambda release_id: jobs_release.work(make_session, release_id, rule, limits), limits)
    db.session().refresh(made)
    click.echo(f"{run.title}: release {made.number} {made.status} ({release.describe(made.content or {})}).")


def _demo_releases() -> None:
    """Release the demo's runs once, so managers have results to read at first sign-in."""
    session = db.session()
    runs = [run for run in session.scalars(select(SurveyRun).join(Council).where(Council.slug == loader.SLUG)
                                           .order_by(SurveyRun.id)) if release.latest(session, run) is None]
    if runs:
        click.echo("Releasing the demo's results (first time only)...")
    for run in runs:
        _release(run)


def register_commands(app: Flask) -> None:
    from .org import commands as org_commands

    org_commands.register(app)

    @app.cli.command("migrate")
    def migrate() -> None:
        """Bring the database schema up to date (Alembic)."""
        upgrade(current_app.config["DATABASE_URL"])
        click.echo("Database is up to date.")

    @app.cli.command("demo")
    def demo() -> None:
        """Load the demo council (once) and print where to go."""
        loader.load(db.session())
        _demo_themes()
        _demo_releases()
        found = loader.links(db.session(), current_app.config["BASE_URL"])
        click.echo("")
        click.echo(f"Health check respondent link: {found.respondent or 'all demo links used: run make reset-demo'}")
        click.echo(f"Exit interview leaver link: {found.leaver or 'all demo links used: run make reset-demo'}")
        click.echo(f"Manager sign-in: {found.sign_in} (email {found.email}, password {found.password})")
        click.echo(f"Last year's action plan, as staff read it (no sign-in): "
                   f"{current_app.config['BASE_URL']}/plans/{loader.SLUG}")
        click.echo("The committee report on this year's health check: "
                   ".venv/bin/flask --app wsgi committee-report --format pdf --output report.pdf")
        click.echo(f"  (also {loader.MANAGER_EMAIL}, a manager for Referral and Assessment, and "
                   f"{loader.VIEWER_EMAIL}, a viewer for Looked After Children, with the same password)")
        click.echo("")

    @app.cli.command("worker")
    @click.option("--threads", default=2, show_default=True, help="Jobs run at once by this worker.")
    def worker(threads: int) -> None:
        """Run background jobs (theme analyses, releases, emails) until stopped (Ctrl-C or SIGTERM)."""
        huey = background.queue(current_app).huey
        if huey.immediate:
            raise click.ClickException("QUEUE_BACKEND=immediate runs every job at once where it is queued: "
                                       "there is nothing for a worker to do. Set QUEUE_BACKEND=redis or sqlite.")
        if not logging.getLogger().handlers:
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
        click.echo(f"Worker: {threads} thread(s), jobs from {background.describe(current_app.config)}.")
        huey.create_consumer(workers=threads, worker_type="thread", periodic=True).run()

    @app.cli.command("create-user")
    @click.option("--council", "council_slug", required=True, help="The council's short name (slug).")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
    @click.option("--area", "areas", multiple=True, help="A service area a manager or viewer may see (repeatable).")
    @click.option("--team", "teams", multiple=True, help="A team a manager or viewer may see (repeatable).")
    @click.password_option()
    def create_user_command(council_slug: str, email: str, name: str, role: str, areas: tuple[str, ...],
                            teams: tuple[str, ...], password: str) -> None:
        """Create a manager, viewer or admin account."""
        session = db.session()
        council = session.scalar(select(Council).where(Council.slug == council_slug))
        if council is None:
            raise click.ClickException(f"There is no council '{council_slug}'. Create it with `flask create-council`.")
        try:
            scopes = _scopes(session, council, areas, teams)
            user = create_user(session, council_id=council.id, email=email, name=name, password=password,
                               role=Role(role))
        except ValueError as exc:
            raise click.ClickException(str(exc))
        except IntegrityError:
            raise click.ClickException(f"There is already an account for {email}.")
        user.scopes.extend(scopes)
        audit_log.record(session, audit_log.SYSTEM, audit_log.USER_CREATED, council_id=council.id,
                         detail={"email": user.email, "role": role, "scope": ", ".join(areas + teams) or "none",
                                 "by": "flask create-user"})
        session.commit()
        click.echo(f"Created {role} {email} for {council.name}.")

    @app.cli.command("create-council")
    @click.option("--name", required=True, help="For example: Northshire County Council")
    @click.option("--slug", required=True, help="A short name, for example: northshire")
    def create_council(name: str, slug: str) -> None:
        """Create a council."""
        db.session().add(Council(name=name, slug=slug))
        try:
            db.session().commit()
        except IntegrityError:
            raise click.ClickException(f"There is already a council with the short name '{slug}'.")
        click.echo(f"Created {name}.")

    @app.cli.command("release")
    @click.argument("run_id", type=int)
    def release_command(run_id: int) -> None:
        """Make a release of a run now (what a closed health check gets by itself)."""
        run = db.session().get(SurveyRun, run_id)
        if run is None:
            raise click.ClickException(f"There is no run {run_id}.")
        if run.data_deleted_on is not None:
            raise click.ClickException(f"Run {run_id}'s answers were deleted at the end of its retention period.")
        # Recorded like the admin's button (release_requested), by the system actor: it changes what managers see.
        kind = _kind(run)
        try:
            _release(run)
        except jobs_release.TooSoon as exc:
            audit_log.record(db.session(), audit_log.SYSTEM, audit_log.RELEASE_REQUESTED, run=run, commit=True,
                             detail={"kind": kind.value, "via": "flask release", "refused": f"only {exc.new} new responses"})
            raise click.ClickException(f"Only {exc.new} new responses since the last release; wait for {exc.needed}.")
        audit_log.record(db.session(), audit_log.SYSTEM, audit_log.RELEASE_REQUESTED, run=run, commit=True,
                         detail={"kind": kind.value, "via": "flask release"})

    @app.cli.command("check-questionnaire")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def check_questionnaire(path: Path) -> None:
        """Validate a questionnaire definition file."""
        try:
            questionnaire = load_file(path)
        except DefinitionError as exc:
            raise click.ClickException(str(exc))
        click.echo(f"{path}: {questionnaire.title}: {len(questionnaire.questions())} questions, valid.")

    @app.cli.command("committee-report")
    @click.option("--run", "run_id", type=int, help="The health check (without it: the latest with released results).")
    @click.option("--format", "fmt", type=click.Choice(sorted(report_render.FORMATS)), required=True)
    @click.option("--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True,
                  help="The file to write.")
    def committee_report(run_id: int | None, fmt: str, output: Path) -> None:
        """Write a health check's committee report as Word, PDF (PDF/UA-1) or a web page, from its released figures."""
        session = db.session()
        run = session.get(SurveyRun, run_id) if run_id is not None else report_inputs.latest_released(session)
        if run is None:
            raise click.ClickException(f"There is no run {run_id}." if run_id is not None
                                       else "No health check has released results yet.")
        if run.kind != "health_check":
            raise click.ClickException(f"Run {run.id} ({run.title}) is not a health check.")
        try:
            content = report_jobs.write_now(session, run, fmt, lambda percent, stage: click.echo(f"{percent:3}% {stage}"))
        except report_inputs.NotReleased:
            raise click.ClickException(f"{run.title} has no released results yet, so there is nothing to report.")
        output.write_bytes(content)
        click.echo(f"Wrote {output} ({len(content):,} bytes): the committee report on {run.title}.")

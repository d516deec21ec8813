"""`flask` commands: migrate, load the demo, create accounts, check questionnaire files,
write the committee report."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from alembic import command
from alembic.config import Config
from flask import Flask, current_app
from sqlalchemy import exc as sa_exc
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import audit_log, background, db, heartbeat
from .auth import check_new_account, create_user
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
    User,
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


SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


def database_problem(error: BaseException, url: str) -> str | None:
    """One line for a database that is not there to use (missing, unreachable, refusing the user), for the
    person running a command; None for any other fault (which keeps its traceback)."""
    if not isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError)):
        return None
    where = make_url(url)
    reason = " ".join(str(error.orig or error).split())
    code = getattr(error.orig, "sqlstate", None)
    if where.get_backend_name() == "sqlite":
        if "unable to open database file" in reason:
            return (f"Cannot open the SQLite database file {where.database}: check that its folder exists and "
                    "can be written to, or set DATABASE_URL.")
        return None
    server = f"{where.host or 'localhost'}:{where.port or 5432}"
    if code == "3D000" or re.search(r'database ".*" does not exist', reason):
        return (f'The database "{where.database}" does not exist on {server}. Create it first (for example: '
                f"createdb --owner {where.username or 'surveyapp'} {where.database}), then run this again.")
    if code in ("28P01", "28000"):
        return (f'The database server at {server} refused the user "{where.username}": check the user and password '
                "in DATABASE_URL.")
    if code is None or db.unavailable(error) is not None:
        said = reason.split("failed:")[-1].strip() or reason
        return (f"Cannot reach the database server at {server} ({said[:200]}). Check DATABASE_URL, and that "
                "PostgreSQL is running and accepts connections from here.")
    return None


def _plain_database_errors(app: Flask) -> None:
    """Every command: a database that is missing or cannot be reached is one line and exit 1, not a traceback."""
    for found in app.cli.commands.values():
        callback = found.callback
        if callback is None:
            continue

        @functools.wraps(callback)
        def wrapped(*args: Any, __callback: Callable[..., Any] = callback, **kwargs: Any) -> Any:
            try:
                return __callback(*args, **kwargs)
            except (sa_exc.OperationalError, sa_exc.InterfaceError) as exc:
                problem = database_problem(exc, app.config["DATABASE_URL"])
                if problem is None:
                    raise
                raise click.ClickException(problem) from None
        found.callback = wrapped


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


def _invite(session: Session, council: Council, email: str, name: str, role: Role, scopes: list[UserScope],
            via: str) -> None:
    """The admin's invitation page's service (users.invitations), from the command line."""
    from .users import invitations
    from .users.accounts import AccountError, Scope

    chosen = Scope(frozenset(s.service_area_id for s in scopes if s.service_area_id is not None),
                   frozenset(s.team_id for s in scopes if s.team_id is not None))
    try:
        invitations.invite(session, current_app._get_current_object(),  # type: ignore[attr-defined]
                           council_id=council.id, council_name=council.name, email=email, name=name, role=role,
                           scope_of=chosen, invited_by=f"the {council.name} administrator", actor=audit_log.SYSTEM,
                           via=via)
    except AccountError as exc:
        session.rollback()
        raise click.ClickException(str(exc))
    except background.QueueUnavailable:
        queue = background.describe(current_app.config)
        raise click.ClickException(f"Nothing was created: the email could not be queued ({queue} cannot be reached). "
                                   "Start it, then run this again.")


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
    @click.option("--invite", is_flag=True,
                  help="Email the person a link to set their own password (nobody types it for them).")
    @click.option("--password", help="Their password, at least 12 characters (asked for unless --invite).")
    def create_user_command(council_slug: str, email: str, name: str, role: str, areas: tuple[str, ...],
                            teams: tuple[str, ...], invite: bool, password: str | None) -> None:
        """Create a manager, viewer or admin account: emailed an invitation (--invite), or with a password."""
        session = db.session()
        council = session.scalar(select(Council).where(Council.slug == council_slug))
        if council is None:
            raise click.ClickException(f"There is no council '{council_slug}'. Create it with `flask setup`.")
        try:
            scopes = _scopes(session, council, areas, teams)
            check_new_account(session, email=email, name=name, password=None)
        except ValueError as exc:
            raise click.ClickException(str(exc))
        if invite:
            _invite(session, council, email, name, Role(role), scopes, "flask create-user")
            click.echo(f"Invited {email} as {role} for {council.name}: they are emailed a link to set a password.")
            return
        if password is None:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        try:
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

    @app.cli.command("setup")
    @click.option("--council", "name", required=True, help="The council's name, for example: Example Council")
    @click.option("--slug", required=True, help="A short name, for example: example")
    @click.option("--admin-email", required=True, help="The principal social worker's email address")
    @click.option("--admin-name", required=True, help="The principal social worker's name")
    @click.option("--invite", is_flag=True, help="Email the admin a link to set their own password.")
    @click.option("--admin-password", help="At least 12 characters (asked for unless --invite)")
    def setup(name: str, slug: str, admin_email: str, admin_name: str, invite: bool,
              admin_password: str | None) -> None:
        """First run: create the council and its first admin, each only if it does not exist yet.

        Everything is checked before anything is written: a refused password leaves no council behind."""
        session = db.session()
        council = session.scalar(select(Council).where(Council.slug == slug))
        admin = None if council is None else session.scalar(select(User).where(User.council_id == council.id,
                                                                              User.role == Role.ADMIN.value))
        if council is not None and admin is not None:
            click.echo(f"{council.name} already exists, and has an admin ({admin.email}): nothing more to do.")
            return
        if not SLUG.match(slug):
            raise click.ClickException(f"‘{slug}’ cannot be the short name: use lower-case letters, digits and "
                                       "hyphens, like northshire")
        if council is None and not 0 < len(name.strip()) <= 200:
            raise click.ClickException("Enter the council's name, in 200 characters or fewer")
        if not invite and admin_password is None:
            admin_password = click.prompt("Admin password", hide_input=True, confirmation_prompt=True)
        try:
            check_new_account(session, email=admin_email, name=admin_name, password=None if invite else admin_password,
                              who="admin")
        except ValueError as exc:
            raise click.ClickException(str(exc))
        if council is None:
            council = Council(name=" ".join(name.split()), slug=slug)
            session.add(council)
            session.flush()
            click.echo(f"Created {council.name}.")
        else:
            click.echo(f"{council.name} already exists.")
        if invite:
            _invite(session, council, admin_email, admin_name, Role.ADMIN, [], "flask setup")
            click.echo(f"Invited the admin {admin_email.strip().lower()}: they are emailed a link to set a password.")
            return
        assert admin_password is not None
        user = create_user(session, council_id=council.id, email=admin_email, name=admin_name,
                           password=admin_password, role=Role.ADMIN)  # commits the council with it
        audit_log.record(session, audit_log.SYSTEM, audit_log.USER_CREATED, council_id=council.id,
                         detail={"email": user.email, "role": user.role, "by": "flask setup"}, commit=True)
        click.echo(f"Created the admin {user.email}. Sign in at /manage/sign-in.")

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

    _plain_database_errors(app)  # last, so that it covers every command above and the organisation's

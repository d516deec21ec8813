"""Background jobs on a real queue: Redis-backed Huey, worker processes started by the test, one killed mid-job.

Everything else runs the queue in Huey's immediate mode; here the web app
queues to Redis (127.0.0.1:6379) and `flask worker` processes, as production
runs them, do the work: an email through the test's SMTP server, a release,
and a theme analysis whose worker is killed with SIGKILL half-way.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import select

from surveyapp import background, heartbeat
from surveyapp.disclosure import release
from surveyapp.models import Release, ReleaseKind, ReportJob, Role, ThemeJob
from surveyapp.reports import jobs as report_jobs

from . import factories
from .attacker import respond
from .conftest import SECRET
from .test_staff_import import GOOD_LIST, admin_with_run, link_in, upload, write_csv

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
HEARTBEAT, STALE = 0.5, 4.0  # seconds: a killed worker's job is found within a few seconds

pytestmark = pytest.mark.usefixtures("quick_password_hashing")


def wait_for(check: Callable[[], object], what: str, seconds: float = 120) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class Workers:
    """`flask --app wsgi worker` processes sharing the test's database, Redis queue and SMTP server."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs, self.started = env, logs, []

    def start(self) -> subprocess.Popen[bytes]:
        log = (self.logs / f"worker-{len(self.started)}.log").open("wb")
        process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--threads", "2"],
                                   cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.started.append(process)
        return process

    def output(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.logs.glob("worker-*.log")))

    def stop(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@pytest.fixture
def workers(app, database_url: str, mailbox, tmp_path: Path) -> Iterator[Workers]:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError:
        if os.environ.get("REQUIRE_REDIS"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}, and REQUIRE_REDIS is set")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    settings = {"QUEUE_BACKEND": "redis", "REDIS_URL": REDIS_URL, "QUEUE_NAME": f"test-{uuid.uuid4().hex[:12]}",
                "JOB_HEARTBEAT_SECONDS": HEARTBEAT, "JOB_STALE_SECONDS": STALE}
    app.config.update(settings)
    background.init_app(app)  # this app now queues to Redis, as a production web server does
    env = {**os.environ, "SURVEYAPP_ENV": "testing", "SECRET_KEY": SECRET, "DATABASE_URL": database_url,
           "BASE_URL": app.config["BASE_URL"], "EMAIL_BACKEND": "smtp", "SMTP_HOST": app.config["SMTP_HOST"],
           "SMTP_PORT": str(app.config["SMTP_PORT"]), "SMTP_STARTTLS": "false",
           "EMAIL_FROM": app.config["EMAIL_FROM"], **{k: str(v) for k, v in settings.items()}}
    started = Workers(env, tmp_path)
    yield started
    started.stop()
    background.queue(app).huey.flush()  # the test's keys leave Redis


def test_a_worker_on_redis_sends_the_invitations_and_makes_the_release(client, session, tmp_path, mailbox, workers):
    made, run = admin_with_run(client, session)
    north = factories.team(session, made, "Assessment North")
    page = upload(client, run.id, write_csv(tmp_path, GOOD_LIST))
    assert page.h1 == "3 invitations being sent"
    assert mailbox.messages == [], "queued in Redis: nothing is sent by the web app itself"
    queue = background.queue(client.client.application).huey
    assert queue.pending_count() == 3

    workers.start()
    wait_for(lambda: len(mailbox.messages) == 3, "the worker to send three emails")
    opened = client.another().get(link_in(mailbox.messages[0]).removeprefix("http://localhost"))
    assert opened.status == 302 and opened.response.headers["Location"] == "/survey"

    for _ in range(6):
        respond(session, run, north, caseload_manageable="agree")
    run_page = client.get(f"/manage/runs/{run.id}")
    made_release = client.post(f"/manage/runs/{run.id}/releases", {"csrf_token": factories.csrf_token(run_page)})
    assert made_release.status == 302

    def done() -> bool:
        session.rollback()
        return session.scalar(select(Release.status)) == "done"

    wait_for(done, "the worker to make the release")
    page = client.get(f"/manage/runs/{run.id}")
    assert "Results released on" in page.text()
    assert "Making release" not in page.text()
    assert queue.pending_count() == 0
    assert "make_release" in workers.output() and "Traceback" not in workers.output()


def test_a_worker_killed_mid_analysis_leaves_no_job_running(client, session, workers):
    made = factories.council(session)
    run = factories.run(session, made)
    north = factories.team(session, made, "Assessment North")
    for i in range(12):
        respond(session, run, north, biggest_difference=f"Smaller caseloads so I can see the children, {i}.")
    factories.sign_in(client, factories.user(session, made, Role.ADMIN))
    started = client.submit(f"/manage/runs/{run.id}/themes/biggest_difference")
    assert started.status == 302

    first = workers.start()

    def analysing() -> ThemeJob | None:
        session.rollback()
        job = session.scalar(select(ThemeJob))
        return job if job.status == "running" and job.progress >= 30 and job.heartbeat_at else None

    wait_for(analysing, "the worker to start the analysis (it loads the language model next)")
    os.killpg(first.pid, signal.SIGKILL)  # mid-job: no chance to say anything
    first.wait(timeout=30)
    session.rollback()
    assert session.scalar(select(ThemeJob.status)) == "running", "killed: the row still says running"

    # A new worker, started once the heartbeat is stale, finds the job, and marks it failed with a reason.
    time.sleep(STALE + 1)
    workers.start()

    def failed() -> bool:
        session.rollback()
        return session.scalar(select(ThemeJob.status)) == "failed"

    wait_for(failed, "the new worker to mark the lost job failed", seconds=60)
    page = client.get(f"/manage/runs/{run.id}/themes/biggest_difference")
    assert "The server stopped while finding these themes" in page.text()
    assert "Finding themes:" not in page.text(), "nothing says it is still running"
    assert page.soup.select("form[action$='/themes/biggest_difference'] button"), "it can be started again"


def test_a_page_marks_a_release_failed_when_its_worker_is_gone(app, client, session):
    """No worker at all: the run page itself finds the stale release, says why, and offers to release again."""
    app.config.update({"JOB_STALE_SECONDS": STALE})
    made = factories.council(session)
    run = factories.run(session, made)
    stuck = release.request(session, run, ReleaseKind.INTERIM)
    stuck.status, stuck.progress, stuck.stage = "running", 50, "Hiding small numbers"
    stuck.heartbeat_at = stuck.requested_at
    session.commit()
    factories.sign_in(client, factories.user(session, made, Role.ADMIN))
    assert "Making release 1: 50% done" in client.get(f"/manage/runs/{run.id}").text(), "fresh: still running"

    time.sleep(STALE + 1)
    page = client.get(f"/manage/runs/{run.id}")
    assert "Making release" not in page.text()
    warning = page.soup.select_one("#release-failed").get_text(" ", strip=True)
    assert "Release 1 was not made." in warning and "The server stopped while making this release" in warning
    assert page.soup.select("form[action$='/releases'] button"), "the admin can release again"
    session.refresh(stuck)
    assert stuck.status == "failed" and stuck.finished_at is not None


def test_a_report_keeps_its_heartbeat_while_it_is_written_and_is_written_once(app, session, monkeypatch):
    """The worker's report job beats like a release: claimed once, its heartbeat moving while it is written."""
    made = factories.council(session)
    run = factories.run(session, made)
    make_session = app.extensions["surveyapp.sessionmaker"]
    job = report_jobs.start_render(session, run, "html", "PSW", lambda _job_id: None)
    beats: list[dt.datetime] = []

    def slow_make(_db, _run, _fmt, progress):  # stands in for the report: it waits for two heartbeats
        progress(10, "Reading the release")
        deadline = time.monotonic() + 30
        while len(set(beats)) < 2 and time.monotonic() < deadline:
            with make_session() as other:
                beat = other.scalar(select(ReportJob.heartbeat_at).where(ReportJob.id == job.id))
            if beat is not None and beat not in beats:
                beats.append(beat)
            time.sleep(0.05)
        return "report.html", b"<html></html>"

    monkeypatch.setattr(report_jobs, "make", slow_make)
    report_jobs.render(make_session, job.id, every=HEARTBEAT)
    session.expire_all()
    written = session.get(ReportJob, job.id)
    assert written.status == "done"
    assert len(set(beats)) >= 2, f"the heartbeat did not move while the report was written: {beats}"

    monkeypatch.setattr(report_jobs, "make", lambda *_: pytest.fail("a report was written twice"))
    report_jobs.render(make_session, job.id, every=HEARTBEAT)  # the task delivered again: nothing happens


def test_a_killed_workers_report_is_marked_failed_by_the_reaper(app, client, session, workers):
    """A report left running by a worker that was killed: the next worker's reaper fails it, and the page says so."""
    made = factories.council(session)
    run = factories.run(session, made)
    job = report_jobs.start_render(session, run, "pdf", "PSW", lambda _job_id: None)
    assert heartbeat.claim(session, ReportJob, job.id), "claimed as a worker claims it"
    job = session.get(ReportJob, job.id)
    job.status, job.progress, job.stage = "running", 40, "Drawing the charts"
    session.commit()
    with app.app_context():
        limits = heartbeat.Limits.from_config(app.config)
    assert heartbeat.reap(session, limits) == 0, "fresh: its worker may still be writing it"

    time.sleep(STALE + 1)  # the worker was killed: nothing writes its heartbeat
    workers.start()  # a new worker reaps lost jobs as it starts

    def failed() -> bool:
        session.rollback()
        return session.scalar(select(ReportJob.status).where(ReportJob.id == job.id)) == "failed"

    wait_for(failed, "the new worker to mark the lost report failed", seconds=60)
    session.refresh(job)
    assert job.stage.startswith("The server stopped while writing this report") and job.finished_at is not None
    factories.sign_in(client, factories.user(session, made, Role.ADMIN))
    page = client.get(f"/manage/runs/{run.id}/report").text()
    assert "Failed: The server stopped while writing this report" in page
    assert "Writing the" not in page, "nothing says it is still being written"


def test_the_report_page_marks_a_report_failed_when_its_worker_is_gone(app, client, session):
    """No worker at all: the report page itself finds the stale report and says why."""
    app.config.update({"JOB_STALE_SECONDS": STALE})
    made = factories.council(session)
    run = factories.run(session, made)
    job = report_jobs.start_render(session, run, "docx", "PSW", lambda _job_id: None)
    job.status, job.progress, job.stage, job.heartbeat_at = "running", 60, "Writing the tables", job.requested_at
    session.commit()
    factories.sign_in(client, factories.user(session, made, Role.ADMIN))
    assert "Writing the Word document: 60% done" in client.get(f"/manage/runs/{run.id}/report").text()

    time.sleep(STALE + 1)
    page = client.get(f"/manage/runs/{run.id}/report").text()
    assert "Writing the Word document" not in page
    assert "Failed: The server stopped while writing this report" in page
    session.refresh(job)
    assert job.status == "failed"

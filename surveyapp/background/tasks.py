"""The jobs a worker runs, registered on one app's Huey.

Theme analyses and releases are not retried: each claims its row, keeps a
heartbeat while it runs and, on an error, marks itself failed with a plain
reason the page shows. Emails are safe to retry (the worst case is a second
copy of the same email), so a temporary failure is tried again with a growing
delay, and all workers together keep to EMAIL_RATE_PER_MINUTE. Each try's
outcome is written to the email's row (`mail.tracking`), where the run's
pages read it; an email of a run that has closed is not sent.
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import Flask
from huey import Huey, crontab
from huey.api import Task
from huey.exceptions import CancelExecution

from .. import heartbeat, mail
from ..mail import tracking
from ..models import EmailStatus
from ..disclosure import jobs as release_jobs
from ..disclosure.thresholds import Thresholds
from ..reports import jobs as report_jobs
from ..themes import jobs as theme_jobs
from ..users import resets
from . import Queue

log = logging.getLogger(__name__)
EMAIL_PRIORITY = 10  # ahead of long jobs waiting in the queue


def register(huey: Huey, app: Flask) -> Queue:
    config = app.config
    make_session = app.extensions["surveyapp.sessionmaker"]
    limits = heartbeat.Limits.from_config(config)

    @huey.task(name="analyse_themes")
    def analyse_themes(job_id: int) -> None:
        with app.app_context():
            theme_jobs.run_job(app, job_id)

    @huey.task(name="make_release")
    def make_release(release_id: int) -> None:
        release_jobs.work(make_session, release_id, Thresholds.from_config(config), limits)

    @huey.task(name="send_email", retries=config["EMAIL_RETRIES"], retry_delay=config["EMAIL_RETRY_SECONDS"],
               retry_backoff=2, priority=EMAIL_PRIORITY, context=True)
    def send_email(message: mail.Message, task: Task) -> None:
        with huey.rate_limit("email", config["EMAIL_RATE_PER_MINUTE"], 60), app.app_context():
            email_id = message.get("email_id")
            if email_id is not None:
                with make_session() as db:
                    if not tracking.still_to_send(db, email_id, dt.date.today()):
                        log.info("An email (%s) was not sent: its run has closed, or it was withdrawn or "
                                 "sent again", message["template"])
                        return
            try:
                subject, body = mail.render(message)
                mail.backend_for(config).send(message, subject, body)
            except mail.PermanentFailure as exc:
                log.warning("An email (%s) was not sent and will not be tried again: %s", message["template"], exc)
                _outcome(email_id, EmailStatus.FAILED, exc)
                raise CancelExecution(retry=False) from None
            except mail.TemporaryFailure as exc:
                if not task.retries:  # that was the last try
                    log.warning("An email (%s) was not sent, after its last try: %s", message["template"], exc)
                    _outcome(email_id, EmailStatus.FAILED, exc)
                    raise CancelExecution(retry=False) from None
                log.warning("An email (%s) was not sent; it will be tried again: %s", message["template"], exc)
                _outcome(email_id, EmailStatus.DEFERRED, exc)
                raise
            _outcome(email_id, EmailStatus.SENT)

    def _outcome(email_id: int | None, status: EmailStatus, failure: mail.Failure | None = None) -> None:
        if email_id is not None:
            with make_session() as db:
                tracking.record(db, email_id, status, failure)

    @huey.task(name="password_reset", priority=EMAIL_PRIORITY)
    def password_reset(typed_email: str) -> None:
        """The forgot-password page's one step, whoever was typed (users.resets): the work is done here."""
        message = resets.prepare(app, typed_email)
        if message is not None:
            send_email(message)

    @huey.task(name="render_report")
    def render_report(job_id: int) -> None:
        report_jobs.render(make_session, job_id, limits.every)

    @huey.periodic_task(crontab(minute="*"), name="reap_stuck_jobs")
    def reap_stuck_jobs() -> None:
        with make_session() as db:
            heartbeat.reap(db, limits)

    @huey.on_startup(name="reap_at_start")
    def reap_at_start() -> None:
        reap_stuck_jobs.call_local()

    return Queue(huey, analyse_themes, make_release, send_email, reap_stuck_jobs, render_report, password_reset)

"""Releases are computed outside the web request, by a background worker, with their progress in the database.

`start` records a queued release and hands its id to `enqueue` (the queue's
task, or `work` itself in this process for the CLI). `work` is what the worker
runs: it claims the release, keeps its heartbeat while it computes it, and on
an error marks it failed with a plain reason the run page shows. The release
row is the source of truth for its progress, so any web server can show it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from .. import heartbeat
from ..models import Release, ReleaseKind, ReleaseStatus, SurveyRun
from . import release
from .thresholds import Thresholds

log = logging.getLogger(__name__)


class TooSoon(Exception):
    """Fewer people have responded since the last release than a figure needs: releasing now would show them."""

    def __init__(self, new: int, needed: int) -> None:
        super().__init__(new)
        self.new, self.needed = new, needed


class NotQueued(Exception):
    """The release could not be handed to the background worker (the queue is unreachable)."""


def start(db: Session, run: SurveyRun, kind: ReleaseKind, rule: Thresholds, enqueue: Callable[[int], object],
          limits: heartbeat.Limits) -> Release:
    """Queue a release of the run (or return the one already under way).

    Refused while 1 to 4 people have responded since the last release: every
    group they joined would have grown by a handful, and the audit would have
    to hide all of them, the council's figures included. With nobody new, the
    release is made (it shows the same figures again, under the policy now in force).
    """
    heartbeat.reap(db, limits, run)  # a release whose worker died must not block this one
    under_way = release.pending(db, run)
    if under_way is not None:
        return under_way
    new = release.new_since_last(db, run)
    if 0 < new < rule.figures:
        raise TooSoon(new, rule.figures)
    made = release.request(db, run, kind)
    try:
        enqueue(made.id)
    except Exception as exc:  # Redis down: say so now rather than leave a release queued that nobody will make
        log.exception("Release %s could not be queued", made.id)
        made.status, made.finished_at = ReleaseStatus.FAILED.value, heartbeat.now()
        made.stage = "The release could not be handed to the background worker. Try again; if it fails again, tell your IT team."
        db.commit()
        raise NotQueued() from exc
    return made


def work(make_session: sessionmaker[Session], release_id: int, rule: Thresholds, limits: heartbeat.Limits) -> None:
    """Make a queued release (what the worker runs): claimed once, with a heartbeat, failed with a reason."""
    with make_session() as db:
        if not heartbeat.claim(db, Release, release_id):
            return  # another worker has it, or it is no longer waiting
    with heartbeat.beating(make_session, Release, release_id, limits.every), make_session() as db:
        try:
            release.run_release(db, release_id, rule)
        except Exception as exc:  # the run page says why, rather than spin for ever
            log.exception("Release %s failed", release_id)
            db.rollback()
            failed = db.get(Release, release_id)
            if failed is not None:
                failed.status, failed.stage = ReleaseStatus.FAILED.value, reason(exc)
                failed.finished_at = failed.finished_at or heartbeat.now()
                db.commit()


def reason(exc: BaseException) -> str:
    """A plain sentence for the admin; the details are in the server's log."""
    if isinstance(exc, MemoryError):
        why = "the server ran out of memory"
    elif isinstance(exc, OperationalError):
        why = "the database could not be reached"
    else:
        why = f"of an error on the server ({type(exc).__name__})"
    return f"The release could not be made because {why}. Try again; if it fails again, tell your IT team."


def failed(db: Session, run: SurveyRun) -> Release | None:
    """The run's latest release request, if it failed: the run page says why."""
    last = db.scalar(select(Release).where(Release.run_id == run.id).order_by(Release.number.desc()).limit(1))
    return last if last is not None and last.status == ReleaseStatus.FAILED.value else None

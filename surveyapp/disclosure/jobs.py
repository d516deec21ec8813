"""Releases are computed outside the web request, one at a time, with their progress in the database.

A thread of the process that asked (as theme analyses are); `inline` runs it at
once, for the CLI and tests. The release row is the source of truth for its
progress, so any web worker can show it.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from ..models import ReleaseKind, SurveyRun
from . import release
from .thresholds import Thresholds

log = logging.getLogger(__name__)
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="releases")
futures: dict[int, Future[None]] = {}


def _work(make_session: sessionmaker[Session], release_id: int, rule: Thresholds) -> None:
    with make_session() as db:
        try:
            release.run_release(db, release_id, rule)
        except Exception:  # the run page says it failed rather than spin for ever
            log.exception("Release %s failed", release_id)


class TooSoon(Exception):
    """Fewer people have responded since the last release than a figure needs: releasing now would show them."""

    def __init__(self, new: int, needed: int) -> None:
        super().__init__(new)
        self.new, self.needed = new, needed


def start(db: Session, make_session: sessionmaker[Session], run: SurveyRun, kind: ReleaseKind, rule: Thresholds,
          inline: bool = False) -> Any:
    """Queue a release of the run (or return the one already under way).

    Refused while 1 to 4 people have responded since the last release: every
    group they joined would have grown by a handful, and the audit would have
    to hide all of them, the council's figures included. With nobody new, the
    release is made (it shows the same figures again, under the policy now in force).
    """
    under_way = release.pending(db, run)
    if under_way is not None:
        return under_way
    new = release.new_since_last(db, run)
    if 0 < new < rule.figures:
        raise TooSoon(new, rule.figures)
    made = release.request(db, run, kind)
    if inline:
        _work(make_session, made.id, rule)
    else:
        futures[made.id] = _executor.submit(_work, make_session, made.id, rule)
    return made

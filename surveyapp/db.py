"""Database engine and sessions, shared by the web app, the CLI and the tests.

Domain code takes a `Session` argument and knows nothing of Flask; only
`session()` below reaches for the app context.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine, MetaData, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 10_000
log = logging.getLogger(__name__)

# What "the database cannot be reached now" means (see `unavailable`). SQLite's result codes: busy
# (after waiting SQLITE_BUSY_TIMEOUT_MS for another writer) and its recovery variant, and every
# "cannot open" code; not SQLITE_BUSY_SNAPSHOT, which comes at once from a read transaction that
# tried to write after another wrote: a fault of that transaction's design, not of the database.
SQLITE_BUSY, SQLITE_BUSY_RECOVERY, SQLITE_CANTOPEN = 5, 261, 14
# PostgreSQL's SQLSTATEs: class 08 (connection exceptions), the server shutting down, crashed or
# starting up, too many connections, and a database that does not exist. Not lock timeouts
# (55P03), deadlocks (40P01), serialisation failures (40001) or cancelled statements (57014): the
# server answered, and the fault is in what was asked of it.
PG_UNAVAILABLE = {"57P01", "57P02", "57P03", "53300", "3D000"}


class Base(DeclarativeBase):
    # Named constraints, so that Alembic can alter them later on SQLite as well.
    metadata = MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })


def make_engine(url: str, **kwargs: Any) -> Engine:
    # A failed statement's error would otherwise carry its parameters (answers) into the logs.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets respondents read while another submits; the busy timeout makes
    # a writer wait for the lock instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["surveyapp.engine"] = engine
    app.extensions["surveyapp.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def insert(connection: Connection | Session, model: Any) -> Any:
    """An INSERT that can take ON CONFLICT, for the database in use (SQLite or PostgreSQL)."""
    dialect = (connection.get_bind() if isinstance(connection, Session) else connection).dialect.name
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect](model)


def session() -> Session:
    """The request's (or CLI command's) session, opened on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["surveyapp.sessionmaker"]()
    return g.db_session


def discard() -> None:
    """End the request's session after a fault, whatever state the database is in.

    Closing rolls back; when the database has gone away (a restart), even that fails, and an
    exception here used to escape Flask and reach gunicorn, which sent its own bare 500
    instead of the app's error page. Then the connection is dropped from the pool instead.
    """
    db_session = g.pop("db_session", None)
    if db_session is None:
        return
    try:
        db_session.close()
    except Exception:  # the original fault is already being reported
        log.warning("Could not roll back the database session; discarding its connection", exc_info=True)
        try:
            db_session.invalidate()
        except Exception:
            log.warning("Could not discard the database connection either", exc_info=True)


def unavailable(error: BaseException | None) -> BaseException | None:
    """The database error in `error` or anything it wraps that means the database cannot be reached
    now (refused, gone away, restarting, busy, the pool exhausted), or None for any other fault.

    It follows `raise ... from` (`__cause__`), errors raised while handling another (`__context__`),
    and Werkzeug's InternalServerError (`original_exception`, for a fault in an after-request hook).
    """
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if _means_unavailable(error):
            return error
        error = error.__cause__ or error.__context__ or getattr(error, "original_exception", None)
    return None


def _means_unavailable(error: BaseException) -> bool:
    if isinstance(error, (sa_exc.TimeoutError, sa_exc.DisconnectionError)):  # the pool: exhausted, or a dead connection
        return True
    if not isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError)):
        return False  # integrity, data and programming errors are faults however the database is
    if error.connection_invalidated:  # the dialect recognised a lost connection
        return True
    if isinstance(error.orig, sqlite3.Error):
        code = getattr(error.orig, "sqlite_errorcode", None) or 0
        return code in (SQLITE_BUSY, SQLITE_BUSY_RECOVERY) or code & 0xFF == SQLITE_CANTOPEN
    state = getattr(error.orig, "sqlstate", None)
    if state is None:  # psycopg's own errors: it could not connect, or the connection is closed
        return True
    return state.startswith("08") or state in PG_UNAVAILABLE


def _close_session(_exc: BaseException | None) -> None:
    discard()

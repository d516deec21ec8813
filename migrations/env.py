"""Alembic environment: the URL comes from the app's config (or DATABASE_URL)."""

from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context

from surveyapp.config import sqlalchemy_url
from surveyapp.db import Base, make_engine
from surveyapp import models  # noqa: F401  (registers the tables)

config = context.config
if config.config_file_name is not None and not config.attributes.get("quiet"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

url = config.get_main_option("sqlalchemy.url") or sqlalchemy_url(os.environ.get("DATABASE_URL", ""))


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode copies a table, drops it and renames the copy: with foreign keys enforced, dropping
            # a table other rows refer to (team, say) fails. SQLite only changes this outside a transaction.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        # Batch mode lets later migrations alter tables on SQLite too.
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            connection.commit()
            problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise RuntimeError(f"the migration left rows that break a foreign key: {problems[:5]}")
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

"""Alembic environment of the central PostgreSQL schema (not the local SQLite store).

Its own script location keeps the two chains apart: the local store's migrations run
at every register's start-up, these only through ``posassist central init``.
"""

from __future__ import annotations

from alembic import context

from posassist.storage.migrate import engine_handed_over
from posassist.sync.schema import VERSION_TABLE, metadata

config = context.config
target_metadata = metadata


def run_migrations_online() -> None:
    engine = engine_handed_over(config, "posassist.sync.migrate")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            compare_type=True,
            version_table=VERSION_TABLE,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()

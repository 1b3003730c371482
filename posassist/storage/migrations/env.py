"""Alembic environment: runs against the engine the app hands over.

``render_as_batch`` lets Alembic alter SQLite tables by copy-and-move.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from posassist.storage import orm  # noqa: F401  (registers the tables)
from posassist.storage.base import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if not isinstance(engine, Engine):
        raise RuntimeError("posassist migrations run only through posassist.storage.migrate")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()

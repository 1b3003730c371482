"""Alembic environment: runs against the engine the app hands over.

``render_as_batch`` lets Alembic alter SQLite tables by copy-and-move.
"""

from __future__ import annotations

from alembic import context

from posassist.storage import orm  # noqa: F401  (registers the tables)
from posassist.storage.base import Base
from posassist.storage.migrate import engine_handed_over

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = engine_handed_over(config, "posassist.storage.migrate")
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        raw = connection.connection.driver_connection
        assert raw is not None
        if sqlite:
            # Batch mode rebuilds a table by copy-and-drop, which foreign keys would
            # refuse while other tables point at it. The pragma only takes effect outside
            # a transaction, so it is set on the raw connection before SQLAlchemy begins;
            # integrity is checked (and the pragma restored) after the migration.
            raw.execute("PRAGMA foreign_keys = OFF")
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=sqlite,
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration broke foreign keys: {broken[:5]}")
            connection.commit()
        finally:
            if sqlite:
                raw.execute("PRAGMA foreign_keys = ON")


run_migrations_online()

"""Migrations are the only way the schema changes; they must match the models exactly."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from posassist.storage.base import Base
from posassist.storage.database import SCHEMA_HEAD, make_sqlite_engine
from posassist.storage.migrate import head_revision, upgrade_to_head


def test_empty_file_migrates_to_head_with_no_difference_from_models(tmp_path: Path) -> None:
    engine = make_sqlite_engine(tmp_path / "m.sqlite3")
    upgrade_to_head(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
        assert diff == []
        assert context.get_current_revision() == head_revision()
        tables = set(inspect(conn).get_table_names())
    assert {"customer", "interaction", "outbox", "referral", "vendor"} <= tables
    engine.dispose()


def test_start_up_shortcut_knows_the_real_head() -> None:
    # open_database skips importing Alembic when a store is at SCHEMA_HEAD.
    assert head_revision() == SCHEMA_HEAD

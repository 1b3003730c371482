"""Schema changes only through Alembic, applied at start-up.

The scripts ship inside the package (``posassist.storage:migrations``) so an installed
or frozen app finds them without path arithmetic.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from posassist.errors import StoreError

SCRIPT_LOCATION = "posassist.storage:migrations"


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def check_revision_known(revision: str | None, path: Path) -> None:
    """Refuse a store written by a newer posassist instead of corrupting it."""
    if revision is None:
        return
    script = ScriptDirectory.from_config(alembic_config())
    known = {rev.revision for rev in script.walk_revisions()}
    if revision not in known:
        raise StoreError(
            f"The store {path} was written by a newer version of posassist (schema {revision}).",
            hint="It has not been changed. Install the newer posassist to open it.",
        )


def upgrade_to_head(engine: Engine) -> None:
    command.upgrade(alembic_config(engine), "head")

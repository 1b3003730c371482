"""Schema changes only through Alembic, applied at start-up.

The scripts ship inside the package (``posassist.storage:migrations``) so an installed
or frozen app finds them without path arithmetic. The Alembic set-up here (a config for
a script location, the revisions it knows, the engine handed to ``env.py``) serves the
central chain too (``posassist.sync.migrate``), so the two chains are run the same way.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from posassist.errors import StoreError

SCRIPT_LOCATION = "posassist.storage:migrations"


def alembic_config(engine: Engine | None = None, *, location: str = SCRIPT_LOCATION) -> Config:
    """A config without an ini file; ``engine`` is what ``env.py`` migrates."""
    cfg = Config()
    cfg.set_main_option("script_location", location)
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def known_revisions(location: str = SCRIPT_LOCATION) -> set[str]:
    """Every revision of a chain, to refuse a schema written by a newer posassist."""
    return {
        rev.revision
        for rev in ScriptDirectory.from_config(alembic_config(location=location)).walk_revisions()
    }


def head_revision(location: str = SCRIPT_LOCATION) -> str:
    head = ScriptDirectory.from_config(alembic_config(location=location)).get_current_head()
    assert head is not None
    return head


def engine_handed_over(config: Config, runner: str) -> Engine:
    """The engine ``alembic_config`` put in; ``env.py`` never opens one of its own, so
    migrations cannot run against a database the app did not choose."""
    engine = config.attributes.get("engine")
    if not isinstance(engine, Engine):
        raise RuntimeError(f"posassist migrations run only through {runner}")
    return engine


def check_revision_known(revision: str | None, path: Path) -> None:
    """Refuse a store written by a newer posassist instead of corrupting it."""
    if revision is None:
        return
    if revision not in known_revisions():
        raise StoreError(
            f"The store {path} was written by a newer version of posassist (schema {revision}).",
            hint="It has not been changed. Install the newer posassist to open it.",
        )


def upgrade_to_head(engine: Engine) -> None:
    command.upgrade(alembic_config(engine), "head")

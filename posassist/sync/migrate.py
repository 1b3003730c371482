"""Creating and migrating the central schema: ``posassist central init``.

Alembic with its own script location (``posassist.sync:migrations``) and its own
version table, so the chain is separate from the registers' SQLite chain. SQLAlchemy
is used here because Alembic needs it (the statements are Core constructs on the
central schema's tables); the engine pings a pooled connection before use
(``pool_pre_ping``), so a server restart between steps is noticed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import psycopg
from alembic import command
from sqlalchemy import Engine, create_engine, inspect, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DBAPIError

from posassist.errors import SyncError
from posassist.storage.migrate import alembic_config, head_revision, known_revisions
from posassist.sync.central import CentralTarget, explain
from posassist.sync.central.restore import Adoption, adopt_restore
from posassist.sync.schema import VERSION_TABLE, alembic_version, central_info, metadata

SCRIPT_LOCATION = "posassist.sync:migrations"
# Tables of posassist's central schema; anything else found means "not an empty DB".
_OURS = {VERSION_TABLE, *metadata.tables}
_READ_ID = select(central_info.c.value).where(central_info.c.key == "central_id")


def central_head() -> str:
    return head_revision(SCRIPT_LOCATION)


def central_engine(target: CentralTarget) -> Engine:
    info = target.conninfo()
    return create_engine(
        "postgresql+psycopg://",
        creator=lambda: psycopg.connect(**info),
        pool_pre_ping=True,
        pool_size=1,
        max_overflow=0,
    )


@dataclass(frozen=True)
class InitResult:
    before: str | None
    after: str
    central_id: str
    restored: Adoption | None = None  # set when this run adopted a restore from a backup


def init_central(target: CentralTarget) -> InitResult:
    """Create (on an empty database) or upgrade the central schema; idempotent."""
    engine = central_engine(target)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            before = None
            if VERSION_TABLE in tables:
                before = conn.execute(select(alembic_version.c.version_num)).scalar()
            foreign = sorted(tables - _OURS)
            if before is None and foreign:
                raise SyncError(
                    f"The database {target.describe()} is not empty (it has tables such as "
                    f"{', '.join(foreign[:3])}).",
                    hint="Create a new, empty database for posassist and point [central] "
                    "database at it.",
                )
            if before is not None and before not in known_revisions(SCRIPT_LOCATION):
                raise SyncError(
                    f"The central database was set up by a newer posassist (schema {before}).",
                    hint="Update posassist on this computer first.",
                )
        command.upgrade(alembic_config(engine, location=SCRIPT_LOCATION), "head")
        with engine.begin() as conn:
            conn.execute(
                pg_insert(central_info)
                .values(key="central_id", value=str(uuid.uuid4()))
                .on_conflict_do_nothing(index_elements=[central_info.c.key])
            )
        restored = _adopt_restore(target)
        with engine.begin() as conn:
            cid = conn.execute(_READ_ID).scalar_one()
        return InitResult(before, central_head(), str(cid), restored)
    except DBAPIError as exc:
        raise explain(exc.orig or exc, target) from exc
    except psycopg.Error as exc:
        raise explain(exc, target) from exc
    finally:
        engine.dispose()


def _adopt_restore(target: CentralTarget) -> Adoption | None:
    """A database restored from a backup: new id, sequence moved past the old numbers.

    Registers do the same by themselves when they find it first; doing it here lets
    IT see it happen (``posassist central init`` after a restore).
    """
    with psycopg.connect(**target.conninfo(), autocommit=True) as conn:
        return adopt_restore(conn, 0)


def central_revision(target: CentralTarget) -> str:
    """Connect once and return the central schema's revision (``posassist doctor``).

    Raises :class:`SyncError` in words store IT can act on: unreachable, refused, or a
    database that posassist never set up.
    """
    from posassist.sync.central import central_id, schema_revision

    try:
        with psycopg.connect(**target.conninfo(), autocommit=True) as conn:
            revision = schema_revision(conn)
            if revision is None:
                raise SyncError(
                    f"The central database {target.describe()} has no posassist tables.",
                    hint="Run `posassist central init` once.",
                )
            central_id(conn)
    except psycopg.Error as exc:
        raise explain(exc, target) from exc
    return revision

"""the audit trail becomes hash-chained and append-only

``audit_log`` gains this register's id, the entry's number on it (``seq``), the hash of
the entry before (``prev_hash``) and its own (``entry_hash``); ``(register_id, seq)``
is unique. The rows already there are chained in the order they were written (their
id) and queued for central like every new entry. Two triggers then refuse UPDATE and
DELETE on the table: the trail is only ever added to.

The table is rebuilt (SQLite adds no NOT NULL column to a filled table); nothing points
at it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 05:30:00.000000
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import posassist.storage.base

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = posassist.storage.base.UTCDateTime
# The triggers (fixed text; the message is what a refused statement reports).
_TRIGGERS = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
)

_new = sa.table(
    "audit_log",
    sa.column("id", sa.Integer()),
    sa.column("at", _UTC()),
    sa.column("staff_id", sa.Uuid()),
    sa.column("action", sa.String()),
    sa.column("entity", sa.String()),
    sa.column("entity_id", sa.String()),
    sa.column("detail", sa.Text()),
    sa.column("register_id", sa.Uuid()),
    sa.column("seq", sa.Integer()),
    sa.column("prev_hash", sa.String()),
    sa.column("entry_hash", sa.String()),
)
_outbox = sa.table(
    "outbox",
    sa.column("op_id", sa.Uuid()),
    sa.column("entity", sa.String()),
    sa.column("entity_id", sa.String()),
    sa.column("op", sa.String()),
    sa.column("payload", sa.JSON()),
    sa.column("hlc", sa.String()),
    sa.column("created_at", _UTC()),
    sa.column("attempts", sa.Integer()),
    sa.column("state", sa.String()),
)


def _as_uuid(value: Any) -> uuid.UUID | None:
    return None if value is None else uuid.UUID(str(value))


def _as_utc(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _register_id(conn: sa.Connection) -> uuid.UUID:
    """This store's register: the one it remembers, else its only one, else a new id it
    will remember (``services/context.py`` adopts it at the next start)."""
    remembered = conn.exec_driver_sql(
        "SELECT value FROM sync_state WHERE key = 'register_id'"
    ).scalar()
    if remembered:
        return uuid.UUID(str(remembered))
    first = conn.exec_driver_sql("SELECT id FROM register ORDER BY name, id LIMIT 1").scalar()
    register_id = uuid.UUID(str(first)) if first else uuid.uuid4()
    conn.exec_driver_sql(
        "INSERT INTO sync_state (key, value) VALUES ('register_id', ?)", (str(register_id),)
    )
    return register_id


def _chain_old_rows(conn: sa.Connection, rows: Sequence[Any]) -> None:
    from posassist.domain.audit_chain import GENESIS, chained, entry_id
    from posassist.domain.hlc import Timestamp

    register_id = _register_id(conn) if rows else uuid.uuid4()
    previous = GENESIS
    for seq, row in enumerate(rows, start=1):
        at = _as_utc(row.at)
        entry = chained(
            register_id, seq, at, _as_uuid(row.staff_id), row.action, row.entity,
            row.entity_id, row.detail or "", previous,
        )  # fmt: skip
        conn.execute(sa.insert(_new).values(id=row.id, **{k: getattr(entry, k) for k in _FIELDS}))
        stamp = Timestamp(int(at.timestamp() * 1000), 0, register_id.hex[:12]).encode()
        conn.execute(
            sa.insert(_outbox).values(
                op_id=uuid.uuid4(), entity="audit_entry", entity_id=str(entry_id(register_id, seq)),
                op="insert", payload=entry.payload(), hlc=stamp, created_at=datetime.now(UTC),
                attempts=0, state="pending",
            )
        )  # fmt: skip
        previous = entry.entry_hash


_FIELDS = (
    "at", "staff_id", "action", "entity", "entity_id", "detail", "register_id", "seq",
    "prev_hash", "entry_hash",
)  # fmt: skip


def upgrade() -> None:
    conn = op.get_bind()
    old = conn.exec_driver_sql(
        "SELECT id, at, staff_id, action, entity, entity_id, detail FROM audit_log ORDER BY id"
    ).all()
    op.drop_table("audit_log")
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", _UTC(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("entity", sa.String(length=50), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("register_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_audit_log_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("register_id", "seq", name=op.f("uq_audit_log_register_id")),
    )
    _chain_old_rows(conn, old)
    for statement in _TRIGGERS:
        conn.exec_driver_sql(statement)


def downgrade() -> None:
    conn = op.get_bind()
    conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_no_update")
    conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_no_delete")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_log_register_id"), type_="unique")
        for name in ("entry_hash", "prev_hash", "seq", "register_id"):
            batch_op.drop_column(name)

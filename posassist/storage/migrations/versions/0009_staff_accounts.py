"""staff accounts: a synced row clock on staff, and local wrong-PIN counters

Staff accounts become shared rows (last writer wins per row, like vendors), so a
disabled account is disabled on every register after one sync; ``row_hlc`` is the
row's clock. ``pin_attempt`` counts wrong PINs per account at this register only.

Before, a register announced its branch's staff with every push (reference rows); now
they travel as changes in the outbox. So the staff of this register's branch (and those
of no branch) are queued once here, one insert op each with the whole row, stamped with
the oldest clock there is (as 0005 did for products), so any real edit made anywhere
wins over them; each row keeps that clock as its ``row_hlc``.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 05:30:00.000000
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from posassist.storage.base import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Frozen here on purpose (a migration must mean the same for ever): the synced fields of
# a staff row then (``domain/fields.py STAFF_FIELDS``) and the outbox's columns.
_FIELDS = ("branch_id", "name", "role", "pin_hash", "active")
_staff = sa.table(
    "staff",
    sa.column("id", sa.Uuid()),
    sa.column("branch_id", sa.Uuid()),
    sa.column("name", sa.String()),
    sa.column("role", sa.String()),
    sa.column("pin_hash", sa.String()),
    sa.column("active", sa.Boolean()),
    sa.column("row_hlc", sa.String()),
)
_outbox = sa.table(
    "outbox",
    sa.column("op_id", sa.Uuid()),
    sa.column("entity", sa.String()),
    sa.column("entity_id", sa.String()),
    sa.column("op", sa.String()),
    sa.column("payload", sa.JSON()),
    sa.column("hlc", sa.String()),
    sa.column("created_at", sa.DateTime()),
    sa.column("attempts", sa.Integer()),
    sa.column("state", sa.String()),
)


def _register(bind: sa.Connection) -> tuple[str, uuid.UUID | None]:
    """This register's clock node and branch (none yet: every account is queued)."""
    remembered = bind.execute(
        sa.text("SELECT value FROM sync_state WHERE key = 'register_id'")
    ).scalar()
    try:
        rid = uuid.UUID(str(remembered))
    except ValueError:
        return "0" * 12, None
    branch = bind.execute(
        sa.text("SELECT branch_id FROM register WHERE id = :id"), {"id": rid.hex}
    ).scalar()
    return rid.hex[:12], None if branch is None else uuid.UUID(str(branch))


def _queue_existing(bind: sa.Connection) -> None:
    node, branch = _register(bind)
    query = sa.select(_staff)
    if branch is not None:
        query = query.where(sa.or_(_staff.c.branch_id == branch, _staff.c.branch_id.is_(None)))
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = []
    for counter, staff in enumerate(bind.execute(query).mappings()):
        payload = {"id": str(staff["id"]), **{f: staff[f] for f in _FIELDS}}
        if payload["branch_id"] is not None:
            payload["branch_id"] = str(payload["branch_id"])
        payload["active"] = bool(payload["active"])
        rows.append(
            {
                "op_id": uuid.uuid4(),
                "entity": "staff",
                "entity_id": str(staff["id"]),
                "op": "insert",
                "payload": payload,
                "hlc": f"{0:015d}-{counter:06d}-{node}",
                "created_at": now,
                "attempts": 0,
                "state": "pending",
            }
        )
    if rows:
        bind.execute(sa.insert(_outbox), rows)
    for row in rows:  # queued: no longer announced with every push (``sync/push.py``)
        clock = sa.update(_staff).where(_staff.c.id == uuid.UUID(str(row["entity_id"])))
        bind.execute(clock.values(row_hlc=row["hlc"]))


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("row_hlc", sa.String(length=40), nullable=True))
    op.create_table(
        "pin_attempt",
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("lockouts", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_pin_attempt_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_pin_attempt")),
    )
    _queue_existing(op.get_bind())


def downgrade() -> None:
    op.drop_table("pin_attempt")
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("row_hlc")

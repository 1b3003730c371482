"""staff picks: the staff member's name, an optional branch, and removal as a value

The ``staff_pick`` table existed unused (only the demo filled it). Issue 11 makes it
real: each row is one slot (branch or chain, category, rank 1–3) whose id is derived
from the slot, so two registers filling the same slot converge. Existing rows (chain
picks, as the demo wrote them) are re-keyed to their slot's id; a row whose rank is
not 1–3 or whose slot is already taken is dropped, a "why" is made one line of at
most 140 characters, and the staff name is the staff account's name (or "Staff").

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-02 01:00:00.000000
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005_catalog_stock_sync"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here on purpose (a migration must mean the same for ever): the slot id of
# posassist.domain.picks.pick_id for a chain-wide pick, and the length of a why.
_NAMESPACE = uuid.UUID("3f6c2b9e-5a1d-5c47-8e2f-9d0b4a7c1e63")
_WHY_MAX = 140


def _slot_id(category: str, rank: int) -> str:
    key = " ".join(category.split()).casefold()
    return uuid.uuid5(_NAMESPACE, f"chain:{key}:{rank}").hex


def _rekey_existing_rows() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT p.id, p.category, p.rank, p.why, s.name FROM staff_pick AS p "
            "LEFT JOIN staff AS s ON s.id = p.staff_id ORDER BY p.rowid"
        )
    ).fetchall()
    conn.execute(sa.text("DELETE FROM staff_pick WHERE rank NOT BETWEEN 1 AND 3"))
    taken: set[str] = set()
    for old_id, category, rank, why, staff in rows:
        if rank not in (1, 2, 3):
            continue
        new_id = _slot_id(category, rank)
        if new_id in taken:
            conn.execute(sa.text("DELETE FROM staff_pick WHERE id = :id"), {"id": old_id})
            continue
        taken.add(new_id)
        conn.execute(
            sa.text("UPDATE staff_pick SET id = :new, why = :why WHERE id = :old"),
            {"new": new_id, "why": " ".join((why or "").split())[:_WHY_MAX], "old": old_id},
        )
        conn.execute(
            sa.text("UPDATE staff_pick SET staff_name = :staff WHERE id = :id"),
            {"staff": (staff or "Staff")[:100], "id": new_id},
        )


def upgrade() -> None:
    with op.batch_alter_table("staff_pick", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("staff_name", sa.String(length=100), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("branch_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("removed", sa.Boolean(), server_default=sa.text("0"), nullable=False)
        )
        # The clock of the central version held, like the other shared rows (0005).
        batch_op.add_column(sa.Column("row_hlc", sa.String(length=40), nullable=True))
    _rekey_existing_rows()
    with op.batch_alter_table("staff_pick", schema=None) as batch_op:
        batch_op.create_check_constraint("rank", "rank BETWEEN 1 AND 3")


def downgrade() -> None:
    with op.batch_alter_table("staff_pick", schema=None) as batch_op:
        batch_op.drop_constraint("ck_staff_pick_rank", type_="check")
        batch_op.drop_column("row_hlc")
        batch_op.drop_column("removed")
        batch_op.drop_column("branch_id")
        batch_op.drop_column("staff_name")

"""staff accounts: a synced row clock on staff, and local wrong-PIN counters

Staff accounts become shared rows (last writer wins per row, like vendors), so a
disabled account is disabled on every register after one sync; ``row_hlc`` is the
row's clock. ``pin_attempt`` counts wrong PINs per account at this register only.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 05:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from posassist.storage.base import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


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


def downgrade() -> None:
    op.drop_table("pin_attempt")
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("row_hlc")

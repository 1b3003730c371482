"""staff accounts: shared rows with a PIN hash and a row clock

Before, registers announced their staff as reference rows (upserted with every push),
so a register still holding an old copy could re-enable a disabled account. Staff rows
become shared rows (last writer wins per row by ``row_hlc``): ``pin_hash`` (the salted
scrypt string, never the PIN) and ``row_hlc`` are added, with ``deleted_at`` as every
shared table has it (a staff account is disabled, never deleted). The rows already here
take the oldest clock there is, so any real edit from a register wins over them.

Revision ID: c0006_staff_accounts
Revises: c0005
Create Date: 2026-12-02 06:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c0006_staff_accounts"
down_revision: str | None = "c0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here (equal to posassist.sync.schema.LEGACY_ROW_HLC; a migration means the same
# for ever): the oldest clock there is.
_OLDEST = "000000000000000-000000-000000000000"


def upgrade() -> None:
    op.add_column("staff", sa.Column("pin_hash", sa.Text(), nullable=True))
    op.add_column("staff", sa.Column("row_hlc", sa.Text(), server_default=_OLDEST, nullable=False))
    op.add_column(
        "staff", sa.Column("deleted_at", postgresql.TIMESTAMP(timezone=True), nullable=True)
    )


def downgrade() -> None:
    for name in ("deleted_at", "row_hlc", "pin_hash"):
        op.drop_column("staff", name)

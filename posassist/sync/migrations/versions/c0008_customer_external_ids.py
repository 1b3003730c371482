"""external ids of imported customers (Square, Shopify, a manager's own file), synced

One row per (source, external_id), the customer it names in the register's import: a
fact, so a re-import on any register matches instead of duplicating. The unique pair is
what "first in server order wins" rests on (``sync/central/external_ids.py``).

Revision ID: c0008
Revises: c0007
Create Date: 2026-12-02 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c0008"
down_revision: str | None = "c0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_external_id",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("customer_id", sa.UUID(), nullable=False),
        sa.Column("created_at", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_customer_external_id_customer_id_customer"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_external_id")),
        sa.UniqueConstraint("source", "external_id", name=op.f("uq_customer_external_id_source")),
    )
    op.create_index(
        op.f("ix_customer_external_id_customer_id"),
        "customer_external_id",
        ["customer_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_customer_external_id_customer_id"), table_name="customer_external_id")
    op.drop_table("customer_external_id")

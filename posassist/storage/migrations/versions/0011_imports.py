"""external ids of imported customers (synced facts) and saved column mappings (local)

``customer_external_id`` keeps the id a customer has in Square, Shopify or a manager's own
file, per source, so a re-import matches instead of duplicating. ``import_mapping`` keeps
a manager's column mapping for a CSV of their own, by name.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 17:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from posassist.storage.base import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_external_id",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
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
    op.create_table(
        "import_mapping",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_import_mapping")),
    )


def downgrade() -> None:
    op.drop_table("import_mapping")
    op.drop_index(op.f("ix_customer_external_id_customer_id"), table_name="customer_external_id")
    op.drop_table("customer_external_id")

"""co-purchase table (derived, local) and per-customer indexes on unmet asks and referrals

``co_purchase`` holds "customers who bought this also bought", rebuilt in the background
from the purchase lines; it is never synced (every register derives its own from the
same pulled lines). The two indexes let the card read a person's earlier unmet asks
without scanning every ask of the chain.

Revision ID: 0008
Revises: 0004
Create Date: 2026-12-02 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "co_purchase",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("rank", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("other_sku", sa.String(length=64), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("sku", "rank", name=op.f("pk_co_purchase")),
    )
    op.create_index(
        op.f("ix_unmet_demand_customer_id"), "unmet_demand", ["customer_id"], unique=False
    )
    op.create_index(op.f("ix_referral_customer_id"), "referral", ["customer_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_referral_customer_id"), table_name="referral")
    op.drop_index(op.f("ix_unmet_demand_customer_id"), table_name="unmet_demand")
    op.drop_table("co_purchase")

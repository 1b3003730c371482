"""corrections: interaction voids and customer aliases (merges)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import posassist.storage.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_alias",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("merged_id", sa.Uuid(), nullable=False),
        sa.Column("survivor_id", sa.Uuid(), nullable=False),
        sa.Column("merged_at", posassist.storage.base.UTCDateTime(), nullable=False),
        sa.Column("register_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["merged_id"], ["customer.id"], name=op.f("fk_customer_alias_merged_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["register_id"], ["register.id"], name=op.f("fk_customer_alias_register_id_register")
        ),
        sa.ForeignKeyConstraint(
            ["survivor_id"], ["customer.id"], name=op.f("fk_customer_alias_survivor_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_alias")),
    )
    op.create_index(
        op.f("ix_customer_alias_merged_id"), "customer_alias", ["merged_id"], unique=False
    )
    op.create_index(
        op.f("ix_customer_alias_survivor_id"), "customer_alias", ["survivor_id"], unique=False
    )
    op.create_table(
        "interaction_void",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("interaction_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("voided_at", posassist.storage.base.UTCDateTime(), nullable=False),
        sa.Column("register_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interaction.id"],
            name=op.f("fk_interaction_void_interaction_id_interaction"),
        ),
        sa.ForeignKeyConstraint(
            ["register_id"], ["register.id"], name=op.f("fk_interaction_void_register_id_register")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interaction_void")),
    )
    op.create_index(
        op.f("ix_interaction_void_interaction_id"),
        "interaction_void",
        ["interaction_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_interaction_void_interaction_id"), table_name="interaction_void")
    op.drop_table("interaction_void")
    op.drop_index(op.f("ix_customer_alias_survivor_id"), table_name="customer_alias")
    op.drop_index(op.f("ix_customer_alias_merged_id"), table_name="customer_alias")
    op.drop_table("customer_alias")

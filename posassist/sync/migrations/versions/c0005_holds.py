"""holds and relays between branches; each branch's opening hours

Revision ID: c0005
Revises: c0002
Create Date: 2027-02-01 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c0005"
down_revision: str | None = "c0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = postgresql.TIMESTAMP(timezone=True)


def upgrade() -> None:
    op.add_column("branch", sa.Column("hours", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "hold_request",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("requesting_branch_id", sa.UUID(), nullable=False),
        sa.Column("requesting_register_id", sa.UUID(), nullable=True),
        sa.Column("holding_branch_id", sa.UUID(), nullable=False),
        sa.Column("sku", sa.Text(), nullable=False),
        sa.Column("product_name", sa.Text(), nullable=False, server_default=""),
        sa.Column("customer_id", sa.UUID(), nullable=True),
        sa.Column("relay", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("state", sa.Text(), nullable=False, server_default="requested"),
        sa.CheckConstraint(
            "state IN ('requested','accepted','ready','on_its_way','collected',"
            "'cancelled','expired')",
            name=op.f("ck_hold_request_state"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_hold_request_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["holding_branch_id"],
            ["branch.id"],
            name=op.f("fk_hold_request_holding_branch_id_branch"),
        ),
        sa.ForeignKeyConstraint(
            ["requesting_branch_id"],
            ["branch.id"],
            name=op.f("fk_hold_request_requesting_branch_id_branch"),
        ),
        sa.ForeignKeyConstraint(
            ["requesting_register_id"],
            ["register.id"],
            name=op.f("fk_hold_request_requesting_register_id_register"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hold_request")),
        sa.UniqueConstraint("code", name=op.f("uq_hold_request_code")),
    )
    op.create_table(
        "hold_step",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("hold_id", sa.UUID(), nullable=False),
        sa.Column("from_state", sa.Text(), nullable=False),
        sa.Column("to_state", sa.Text(), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("register_id", sa.UUID(), nullable=True),
        sa.Column("branch_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branch.id"], name=op.f("fk_hold_step_branch_id_branch")
        ),
        sa.ForeignKeyConstraint(
            ["hold_id"], ["hold_request.id"], name=op.f("fk_hold_step_hold_id_hold_request")
        ),
        sa.ForeignKeyConstraint(
            ["register_id"], ["register.id"], name=op.f("fk_hold_step_register_id_register")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hold_step")),
    )
    op.create_index(op.f("ix_hold_step_hold_id"), "hold_step", ["hold_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_hold_step_hold_id"), table_name="hold_step")
    op.drop_table("hold_step")
    op.drop_table("hold_request")
    op.drop_column("branch", "hours")

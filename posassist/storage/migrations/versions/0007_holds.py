"""holds and relays: the hold itself, its steps, and each branch's opening hours

The ``hold_request`` table of the first schema was never used by any version; it is
rebuilt in its real shape. Should an old store hold rows anyway, they are kept: the
old ``from``/``to`` branches become the requesting and holding branches, ``held``
becomes ``accepted``, and each row gets a code and an expiry three days after it was
made.

Revision ID: 0007
Revises: 0004
Create Date: 2027-02-01 09:00:00.000000
"""

import secrets
from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

import posassist.storage.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = posassist.storage.base.UTCDateTime
# Frozen here (a migration means the same for ever): the old statuses' new names.
_OLD_STATUS = {"requested": "requested", "held": "accepted", "collected": "collected"}
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _code() -> str:
    """A code of the hold-code shape for an old row (the check symbol is the domain's)."""
    from posassist.domain.referral_codes import check_symbol

    payload = "".join(secrets.choice(_ALPHABET) for _ in range(7))
    symbols = payload + check_symbol(payload)
    return f"{symbols[:4]}-{symbols[4:]}"


def _create_hold_tables() -> None:
    op.create_table(
        "hold_request",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("requesting_branch_id", sa.Uuid(), nullable=False),
        sa.Column("requesting_register_id", sa.Uuid(), nullable=True),
        sa.Column("holding_branch_id", sa.Uuid(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("product_name", sa.String(length=300), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=True),
        sa.Column("relay", sa.Boolean(), nullable=False),
        sa.Column("created_at", _UTC(), nullable=False),
        sa.Column("expires_at", _UTC(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
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
    op.create_index(
        op.f("ix_hold_request_customer_id"), "hold_request", ["customer_id"], unique=False
    )
    op.create_index("ix_hold_request_holding_state", "hold_request", ["holding_branch_id", "state"])
    op.create_index(
        "ix_hold_request_requesting_state", "hold_request", ["requesting_branch_id", "state"]
    )
    op.create_table(
        "hold_step",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("hold_id", sa.Uuid(), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=False),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("at", _UTC(), nullable=False),
        sa.Column("register_id", sa.Uuid(), nullable=True),
        sa.Column("branch_id", sa.Uuid(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_at", _UTC(), nullable=True),
        sa.CheckConstraint(
            "outcome IN ('pending','applied','ignored')", name=op.f("ck_hold_step_outcome")
        ),
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
    op.create_index("ix_hold_step_register_outcome", "hold_step", ["register_id", "outcome"])


def upgrade() -> None:
    with op.batch_alter_table("branch", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hours", sa.String(length=300), nullable=False, server_default="")
        )
    conn = op.get_bind()
    old = conn.execute(
        sa.text(
            "SELECT id, from_branch_id, to_branch_id, sku, customer_id, status, created_at "
            "FROM hold_request"
        )
    ).all()
    op.drop_index("ix_hold_request_customer_id", table_name="hold_request")
    op.drop_table("hold_request")
    _create_hold_tables()
    table = sa.table(
        "hold_request",
        *(
            sa.column(name)
            for name in (
                "id", "code", "requesting_branch_id", "holding_branch_id", "sku",
                "product_name", "customer_id", "relay", "created_at", "expires_at", "state",
            )
        ),
    )  # fmt: skip
    for hid, from_b, to_b, sku, customer, status, created in old:
        created_at = posassist.storage.base.as_utc(created)
        conn.execute(
            sa.insert(table).values(
                id=hid,
                code=_code(),
                requesting_branch_id=from_b,
                holding_branch_id=to_b,
                sku=sku,
                product_name=sku,
                customer_id=customer,
                relay=False,
                created_at=created_at.replace(tzinfo=None),
                expires_at=(created_at + timedelta(days=3)).replace(tzinfo=None),
                state=_OLD_STATUS.get(status, "cancelled"),
            )
        )


def downgrade() -> None:
    op.drop_index("ix_hold_step_register_outcome", table_name="hold_step")
    op.drop_index(op.f("ix_hold_step_hold_id"), table_name="hold_step")
    op.drop_table("hold_step")
    op.drop_index("ix_hold_request_requesting_state", table_name="hold_request")
    op.drop_index("ix_hold_request_holding_state", table_name="hold_request")
    op.drop_index(op.f("ix_hold_request_customer_id"), table_name="hold_request")
    op.drop_table("hold_request")
    with op.batch_alter_table("branch", schema=None) as batch_op:
        batch_op.drop_column("hours")

"""the registers' audit trails, kept centrally as received

One row per (register, seq), never updated or deleted (a trigger refuses both, so a
mistaken statement cannot rewrite the evidence; the hash chain still shows an edit
made with the trigger dropped).

Revision ID: c0007
Revises: c0006_staff_accounts
Create Date: 2026-12-02 05:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c0007"
down_revision: str | None = "c0006_staff_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = postgresql.TIMESTAMP(timezone=True)
_REFUSE = (
    "CREATE FUNCTION audit_entry_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$"
)
_TRIGGER = (
    "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_refuse()"
)


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("register_id", sa.UUID(), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("staff_id", sa.UUID(), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("entity", sa.Text(), nullable=False),
        sa.Column("entity_id", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.Text(), nullable=False),
        sa.Column("entry_hash", sa.Text(), nullable=False),
        sa.Column("received_at", _TS, nullable=False, server_default=sa.text("now()")),
        sa.PrimaryKeyConstraint("register_id", "seq", name=op.f("pk_audit_entry")),
    )
    op.execute(_REFUSE)
    op.execute(_TRIGGER)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry")
    op.execute("DROP FUNCTION IF EXISTS audit_entry_refuse()")
    op.drop_table("audit_entry")

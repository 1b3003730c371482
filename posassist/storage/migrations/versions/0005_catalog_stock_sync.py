"""the catalogue and branch stock sync: content ids, and a row clock on shared rows

Before issue 11 each register gave its products and stock rows random ids (the demo,
imports by hand). Synced rows must agree on one id per SKU and per branch and SKU, so
every existing row is re-keyed to the id ``posassist.domain.catalog`` derives:
product id = uuid5(namespace, sku), stock id = uuid5(namespace, "branch_id:sku").
Nothing points at these ids (purchase lines, holds and picks name the SKU), so the
rows keep everything else.

Shared rows (vendors, products, stock) also gain ``row_hlc``, the clock of the central
version the row holds, so a pulled change older than it is not applied over it.

Revision ID: 0005_catalog_stock_sync
Revises: 0004
Create Date: 2026-12-02 09:00:00.000000
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_catalog_stock_sync"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here on purpose (a migration must mean the same for ever); equal to
# posassist.domain.catalog.CATALOG_NAMESPACE (a test checks the two agree).
_NAMESPACE = uuid.UUID("3c6f2b1e-8d4a-5f7e-b1c2-9e0d4a6f8b13")
_product = sa.table("product", sa.column("id"), sa.column("sku"))
_stock = sa.table("branch_stock", sa.column("id"), sa.column("branch_id"), sa.column("sku"))


def _rekey(bind: sa.Connection, table: sa.TableClause, new_ids: dict[str, str]) -> None:
    """Set each row's id (stored as 32 hex digits, like every Uuid column here)."""
    for old, new in new_ids.items():
        if old != new:
            bind.execute(sa.update(table).where(table.c.id == old).values(id=new))


_SHARED = ("vendor", "product", "branch_stock")


def upgrade() -> None:
    for name in _SHARED:
        op.add_column(name, sa.Column("row_hlc", sa.String(length=40), nullable=True))
    bind = op.get_bind()
    products = bind.execute(sa.select(_product.c.id, _product.c.sku)).all()
    _rekey(bind, _product, {str(i): uuid.uuid5(_NAMESPACE, sku).hex for i, sku in products})
    stock = bind.execute(sa.select(_stock.c.id, _stock.c.branch_id, _stock.c.sku)).all()
    _rekey(
        bind,
        _stock,
        {str(i): uuid.uuid5(_NAMESPACE, f"{uuid.UUID(str(b))}:{sku}").hex for i, b, sku in stock},
    )


def downgrade() -> None:
    """The content ids are as good as the random ones were: only the clocks go."""
    for name in _SHARED:
        with op.batch_alter_table(name) as batch:
            batch.drop_column("row_hlc")

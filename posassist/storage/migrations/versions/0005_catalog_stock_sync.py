"""the catalogue and branch stock sync: content ids, and a row clock on shared rows

Before issue 11 each register gave its products and stock rows random ids (the demo,
imports by hand). Synced rows must agree on one id per SKU and per branch and SKU, so
every existing row is re-keyed to the id ``posassist.domain.catalog`` derives:
product id = uuid5(namespace, sku), stock id = uuid5(namespace, "branch_id:sku").
Nothing points at these ids (purchase lines, holds and picks name the SKU), so the
rows keep everything else.

Shared rows (vendors, products, stock) also gain ``row_hlc``, the clock of the central
version the row holds, so a pulled change older than it is not applied over it.

The rows a register had before are queued for the central database (one insert op each
in the outbox, as the services queue them): else a chain already syncing would never
see them. Their clock is the oldest there is, so any real edit made anywhere wins over
them (and a count is judged by its own ``as_of`` first).

Revision ID: 0005_catalog_stock_sync
Revises: 0004
Create Date: 2026-12-02 09:00:00.000000
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

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
# What the backfill reads and writes, typed as the tables store them then.
_PRODUCT_FIELDS = ("sku", "name", "category", "keywords", "carried", "location")
_products = sa.table(
    "product",
    sa.column("id", sa.Uuid()),
    *(sa.column(f, sa.Boolean() if f == "carried" else sa.String()) for f in _PRODUCT_FIELDS),
)
_stocks = sa.table(
    "branch_stock",
    sa.column("id", sa.Uuid()),
    sa.column("branch_id", sa.Uuid()),
    sa.column("sku", sa.String()),
    sa.column("on_hand", sa.Integer()),
    sa.column("as_of", sa.DateTime()),
)
_outbox = sa.table(
    "outbox",
    sa.column("op_id", sa.Uuid()),
    sa.column("entity", sa.String()),
    sa.column("entity_id", sa.String()),
    sa.column("op", sa.String()),
    sa.column("payload", sa.JSON()),
    sa.column("hlc", sa.String()),
    sa.column("created_at", sa.DateTime()),
    sa.column("attempts", sa.Integer()),
    sa.column("state", sa.String()),
)


def _rekey(bind: sa.Connection, table: sa.TableClause, new_ids: dict[str, str]) -> None:
    """Set each row's id (stored as 32 hex digits, like every Uuid column here)."""
    for old, new in new_ids.items():
        if old != new:
            bind.execute(sa.update(table).where(table.c.id == old).values(id=new))


_SHARED = ("vendor", "product", "branch_stock")


def _node(bind: sa.Connection) -> str:
    """This register's clock node (the first 12 hex digits of its id), if it has one."""
    remembered = bind.execute(
        sa.text("SELECT value FROM sync_state WHERE key = 'register_id'")
    ).scalar()
    try:
        return uuid.UUID(str(remembered)).hex[:12]
    except ValueError:
        return "0" * 12


def _queue_existing(bind: sa.Connection) -> None:
    """One insert op per product and stock row, stamped with the oldest clock there is
    (millisecond 0 on; the counter keeps them apart), in the services' payload shape."""
    node = _node(bind)
    now = datetime.now(UTC).replace(tzinfo=None)
    rows: list[dict[str, object]] = []
    for p in bind.execute(sa.select(_products)).mappings():
        payload = {"id": str(p["id"]), **{f: p[f] for f in _PRODUCT_FIELDS}}
        rows.append({"entity": "product", "entity_id": str(p["id"]), "payload": payload})
    for r in bind.execute(sa.select(_stocks)).mappings():
        payload = {
            "id": str(r["id"]),
            "branch_id": str(r["branch_id"]),
            "sku": r["sku"],
            "on_hand": r["on_hand"],
            "as_of": r["as_of"].replace(tzinfo=UTC).isoformat(),
        }
        rows.append({"entity": "branch_stock", "entity_id": str(r["id"]), "payload": payload})
    for counter, row in enumerate(rows):
        row.update(
            op_id=uuid.uuid4(),
            op="insert",
            hlc=f"{counter // 1_000_000:015d}-{counter % 1_000_000:06d}-{node}",
            created_at=now,
            attempts=0,
            state="pending",
        )
    if rows:
        bind.execute(sa.insert(_outbox), rows)


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
    _queue_existing(bind)


def downgrade() -> None:
    """The content ids are as good as the random ones were: only the clocks go (the
    queued ops stay: they are ordinary changes now)."""
    for name in _SHARED:
        with op.batch_alter_table(name) as batch:
            batch.drop_column("row_hlc")

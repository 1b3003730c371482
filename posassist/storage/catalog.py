"""Reading the catalogue, branch stock and vendor directory for the finder, and noticing
when any of them changed.

The finder keeps an in-memory index (building it takes ~100 ms on a chain-sized store), so
it must know cheaply whether the tables changed since it was built.  :func:`catalog_signature`
answers that with a handful of index-only aggregates plus a version counter that writers
which edit rows in place bump with :func:`bump_catalog_version` (an insert or a delete is
already visible in the counts and max rowids; a newer stock count in ``max(as_of)``).
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from posassist.storage.base import as_utc
from posassist.storage.orm import Product, SyncState, Vendor

CATALOG_VERSION_KEY = "catalog_version"

_LIST_SPLIT = re.compile(r"[;,\n]")


def split_list(value: str) -> tuple[str, ...]:
    """Categories and keywords are stored as text; ``;`` or ``,`` separate the entries."""
    return tuple(part.strip() for part in _LIST_SPLIT.split(value) if part.strip())


def join_list(values: tuple[str, ...] | list[str]) -> str:
    return "; ".join(v.strip() for v in values if v.strip())


class ProductRow(NamedTuple):
    sku: str
    name: str
    category: str
    keywords: str
    carried: bool
    location: str


class StockRow(NamedTuple):
    branch_id: uuid.UUID
    branch_name: str
    branch_phone: str
    sku: str
    on_hand: int
    as_of: datetime


def products(s: Session) -> list[ProductRow]:
    rows = s.execute(
        select(
            Product.sku,
            Product.name,
            Product.category,
            Product.keywords,
            Product.carried,
            Product.location,
        )
    )
    return [ProductRow(*row) for row in rows]


def branch_stock(s: Session) -> list[StockRow]:
    """Stock of every branch, this one included (the caller splits "here" from the rest).

    Raw SQL: a chain has tens of thousands of stock rows, and converting each through the
    ORM's UUID and UTC column types took ~0.2 s of the finder's index build.
    """
    rows = s.execute(
        text(
            "SELECT b.id, b.name, b.phone, st.sku, st.on_hand, st.as_of"
            " FROM branch_stock AS st JOIN branch AS b ON b.id = st.branch_id"
        )
    )
    ids: dict[str, uuid.UUID] = {}
    out: list[StockRow] = []
    for branch_hex, name, phone, sku, on_hand, as_of in rows:
        branch_id = ids.get(branch_hex)
        if branch_id is None:
            branch_id = ids[branch_hex] = uuid.UUID(str(branch_hex))
        out.append(StockRow(branch_id, name, phone or "", sku, int(on_hand), as_utc(as_of)))
    return out


def vendors(s: Session, *, include_inactive: bool = True) -> list[Vendor]:
    stmt = select(Vendor).order_by(Vendor.name, Vendor.id)
    if not include_inactive:
        stmt = stmt.where(Vendor.active.is_(True))
    return list(s.scalars(stmt))


def catalog_signature(s: Session) -> tuple[object, ...]:
    """Changes whenever a product, vendor or stock row is added, removed or restocked."""
    row = s.execute(
        text(
            "SELECT (SELECT count(*) FROM product), (SELECT max(rowid) FROM product),"
            " (SELECT count(*) FROM vendor), (SELECT max(rowid) FROM vendor),"
            " (SELECT count(*) FROM branch_stock), (SELECT max(rowid) FROM branch_stock),"
            " (SELECT max(as_of) FROM branch_stock),"
            " (SELECT value FROM sync_state WHERE key = :key)"
        ),
        {"key": CATALOG_VERSION_KEY},
    ).one()
    return tuple(row)


def bump_catalog_version(s: Session) -> None:
    """Call in the same transaction as an in-place edit of products, vendors or stock."""
    state = s.get(SyncState, CATALOG_VERSION_KEY)
    if state is None:
        s.add(SyncState(key=CATALOG_VERSION_KEY, value="1"))
    else:
        state.value = str(int(state.value) + 1 if state.value.isdigit() else 1)

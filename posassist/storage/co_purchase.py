"""The derived ``co_purchase`` table: reading the chain's baskets into it, and reading it.

Who counts: a co-purchase is two different SKUs in one basket (one interaction's purchase
lines) within the window. Each pair is counted in *distinct buyers*, not baskets: one
regular who buys coffee and oat milk together every week is one customer's habit, not
fifty-two signals, and "42 customers" is what a cashier can say out loud. A merged
customer counts once, as the survivor; a basket with no customer (a walk-in) is its own
buyer; an erased customer's baskets still count (the count is anonymous). Voided
interactions do not count.

The aggregation is one SQL statement over a read snapshot (SQLite does the join and the
``count(DISTINCT)`` without holding the GIL, so the window stays responsive while it
runs); only the top few per SKU are kept, so the rewrite is short.
"""

from __future__ import annotations

import json
from datetime import date
from typing import NamedTuple

from sqlalchemy import delete, insert, select, text
from sqlalchemy.orm import Session

from posassist.storage.corrections import CURRENT_ALIAS_SQL, NOT_VOIDED_SQL
from posassist.storage.orm import CoPurchase, Product, SyncState

SIGNATURE_KEY = "co_purchase_signature"

# One basket's distinct SKUs with who bought it; then the pairs, ranked per SKU.
_TOP_PAIRS = text(
    "WITH lines AS ("
    " SELECT DISTINCT pl.interaction_id AS iid, pl.sku AS sku,"
    " COALESCE(al.survivor_id, i.customer_id, i.id) AS who"
    " FROM purchase_line pl JOIN interaction i ON i.id = pl.interaction_id"
    " LEFT JOIN (" + CURRENT_ALIAS_SQL + ") al ON al.merged_id = i.customer_id"
    " WHERE pl.sku IS NOT NULL AND pl.sku != '' AND i.local_day >= :since"
    " AND i.local_day <= :until AND " + NOT_VOIDED_SQL + "),"
    " pairs AS ("
    " SELECT x.sku AS sku, y.sku AS other, count(DISTINCT x.who) AS n"
    " FROM lines x JOIN lines y ON y.iid = x.iid AND y.sku != x.sku"
    " GROUP BY x.sku, y.sku),"
    " ranked AS ("
    " SELECT sku, other, n, row_number() OVER (PARTITION BY sku ORDER BY n DESC, other)"
    " AS rank FROM pairs)"
    " SELECT sku, rank, other, n FROM ranked WHERE rank <= :keep ORDER BY sku, rank"
)

# Cheap, index-only: changes whenever a purchase line, a void or a merge is added.
_SIGNATURE = text(
    "SELECT (SELECT count(*) FROM purchase_line), (SELECT max(rowid) FROM purchase_line),"
    " (SELECT count(*) FROM interaction_void), (SELECT count(*) FROM customer_alias)"
)


class PairRow(NamedTuple):
    sku: str
    rank: int
    other_sku: str
    customers: int


class AlsoBoughtRow(NamedTuple):
    sku: str
    name: str | None  # the catalog's name, None when the SKU is not in the catalog
    customers: int


def top_pairs(s: Session, since: date, until: date, keep: int) -> list[PairRow]:
    """The ``keep`` most co-purchased SKUs of every SKU bought in [since, until]."""
    rows = s.execute(
        _TOP_PAIRS, {"since": since.isoformat(), "until": until.isoformat(), "keep": keep}
    )
    return [PairRow(str(a), int(r), str(b), int(n)) for a, r, b, n in rows]


def signature(s: Session, since: date) -> str:
    """What the table was built from; equal signatures mean a rebuild would change nothing."""
    counts = list(s.execute(_SIGNATURE).one())
    return json.dumps([*counts, since.isoformat()])


def built_signature(s: Session) -> str | None:
    state = s.get(SyncState, SIGNATURE_KEY)
    return state.value if state is not None else None


def replace_all(s: Session, rows: list[PairRow], built_from: str) -> None:
    """The whole table, swapped in the caller's transaction with what it was built from.

    Derived and local: no outbox row (every register derives the same from the lines it
    pulled; sending it would sync a cache).
    """
    s.execute(delete(CoPurchase))
    if rows:
        s.execute(insert(CoPurchase), [r._asdict() for r in rows])
    state = s.get(SyncState, SIGNATURE_KEY)
    if state is None:
        s.add(SyncState(key=SIGNATURE_KEY, value=built_from))
    else:
        state.value = built_from


def also_bought(s: Session, skus: list[str], limit: int) -> dict[str, list[AlsoBoughtRow]]:
    """For each of ``skus``, its top co-purchases (a primary-key range read each), named
    from the catalog when the catalog knows them."""
    if not skus:
        return {}
    rows = s.execute(
        select(CoPurchase.sku, CoPurchase.other_sku, Product.name, CoPurchase.customers)
        .outerjoin(Product, Product.sku == CoPurchase.other_sku)
        .where(CoPurchase.sku.in_(skus), CoPurchase.rank <= limit)
        .order_by(CoPurchase.sku, CoPurchase.rank)
    )
    out: dict[str, list[AlsoBoughtRow]] = {sku: [] for sku in skus}
    for sku, other, name, n in rows:
        out[sku].append(AlsoBoughtRow(other, name, int(n)))
    return out


def product_names(s: Session, skus: list[str]) -> dict[str, str]:
    """The catalog's name of each SKU it knows (the ``sku`` unique index)."""
    if not skus:
        return {}
    return dict(s.execute(select(Product.sku, Product.name).where(Product.sku.in_(skus))).all())

"""One catalogue and every branch's stock: importing them, a manager's count, the list.

Products and stock rows are shared rows (``domain/fields.py SHARED_ENTITIES``): written
here with their content ids (``domain/catalog.py``), each with one outbox row in the
same transaction, and synced to every register; last writer wins per row, and a stock
count older than the one held never replaces it, here or centrally — unless the held
one is dated after now: a future ``as_of`` is a clock error, and a real count made now
(or earlier) replaces it rather than being kept out by it. Each change goes
out as an ``insert`` carrying the whole row: the server treats an insert of a row it
has as an edit, so a row this register had before it was ever synced (the demo, a
store from before issue 11) still reaches every register.

Imports are all or nothing: the file is read and checked whole (``importers/catalog``),
then every row is checked against the store (branch codes, SKUs in the catalogue)
inside the one transaction that writes them; the first bad line refuses the file and
nothing is written.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from posassist.domain.catalog import MAX_ON_HAND, keeps_out, product_id, stock_age, stock_id
from posassist.domain.fields import PRODUCT_FIELDS, STOCK_FIELDS
from posassist.domain.wording import plural
from posassist.errors import InvalidInputError
from posassist.importers.catalog import ProductLine, StockLine, read_products, read_stock
from posassist.importers.csv_text import bad_line
from posassist.services.access import require
from posassist.services.context import NotifiesChanges, StoreContext
from posassist.storage.catalog import bump_catalog_version
from posassist.storage.orm import Branch, BranchStock, Product
from posassist.storage.outbox import append_change

# The optional product columns and the column each fills ("aisle" is ``location``).
_OPTIONAL = {"keywords": "keywords", "carried": "carried", "aisle": "location"}


@dataclass(frozen=True, slots=True)
class ProductImport:
    path: Path
    added: int
    updated: int
    unchanged: int

    def __str__(self) -> str:
        return (
            f"{self.path.name}: {plural(self.added, 'product')} added, {self.updated:,} "
            f"updated, {self.unchanged:,} unchanged."
        )


@dataclass(frozen=True, slots=True)
class StockImport:
    path: Path
    written: int
    branches: tuple[str, ...]
    older_kept: int  # rows older than the count already here: the newer count stays
    future_replaced: int = 0  # held counts dated after now (a clock error) replaced

    def __str__(self) -> str:
        text = f"{self.path.name}: {plural(self.written, 'stock count')} for " + (
            ", ".join(self.branches) or "no branch"
        )
        if self.older_kept:
            text += (
                f"; {plural(self.older_kept, 'row')} not written: older than the count"
                " already here, which was kept"
            )
        if self.future_replaced:
            text += (
                f"; {plural(self.future_replaced, 'count')} dated in the future (a clock"
                " error) replaced"
            )
        return text + "."


@dataclass(frozen=True, slots=True)
class StockItem:
    sku: str
    name: str
    on_hand: int
    as_of: datetime


@dataclass(frozen=True, slots=True)
class BranchStockView:
    code: str
    name: str
    phone: str
    here: bool
    items: tuple[StockItem, ...] = field(default_factory=tuple)

    @property
    def oldest(self) -> datetime | None:
        return min((i.as_of for i in self.items), default=None)


class CatalogService(NotifiesChanges):
    """Catalogue and stock use cases; each public method is one action and one session."""

    def __init__(self, ctx: StoreContext) -> None:
        super().__init__()
        self._ctx = ctx

    def age(self, as_of: datetime) -> str:
        """ "as of 2 h ago", by this register's clock."""
        return stock_age(as_of, self._ctx.now())

    # ----------------------------------------------------------------- imports
    def import_products(self, path: Path, *, dry_run: bool = False) -> ProductImport:
        """Add or update the products of a CSV file; nothing is written unless all are good.

        A ``dry_run`` does every check and counts what would change, then rolls back."""
        require(self._ctx, "edit_products")
        lines = read_products(path)
        added = updated = 0
        with self._ctx.db.write() as s:
            by_sku = {p.sku: p for p in s.scalars(select(Product))}
            for line in lines:
                product = by_sku.get(line.sku)
                if product is None:
                    product = Product(id=product_id(line.sku), sku=line.sku)
                    _apply_product(product, line, new=True)
                    s.add(product)
                    by_sku[line.sku] = product
                    added += 1
                elif _apply_product(product, line, new=False):
                    updated += 1
                else:
                    continue
                self._log(s, "product", product.id, _product_payload(product))
            if added or updated:
                bump_catalog_version(s)
            if dry_run:
                s.rollback()  # checked against the store and counted; nothing kept
        if (added or updated) and not dry_run:
            self._changed()
        return ProductImport(path, added, updated, len(lines) - added - updated)

    def import_stock(self, path: Path, *, dry_run: bool = False) -> StockImport:
        """Record the stock counts of a CSV file, for any of the chain's branches (a
        ``dry_run`` checks and counts them, then rolls back)."""
        require(self._ctx, "edit_stock")
        now = self._ctx.now()
        lines = read_stock(path, now=now, tz=self._ctx.tz)
        with self._ctx.db.write() as s:
            branches = _branches_by_code(s)
            skus = set(s.scalars(select(Product.sku)))
            for line in lines:  # checked whole before the first write
                _check_stock_line(path, line, branches, skus)
            written = older = 0
            codes: dict[str, None] = {}
            wanted = {b.id for line in lines if (b := _branch_for(branches, line.branch_code))}
            # Loaded at once: a lookup per row would flush and query 20,000 times.
            held = {
                r.id: r
                for r in s.scalars(select(BranchStock).where(BranchStock.branch_id.in_(wanted)))
            }
            future = sum(1 for r in held.values() if r.as_of > now)
            for line in lines:
                branch = _branch_for(branches, line.branch_code)
                assert branch is not None  # checked above
                when = line.as_of or now
                if self._write_stock(s, branch.id, line.sku, line.on_hand, when, now, held):
                    written += 1
                    codes[branch.code] = None
                else:
                    older += 1
            if written:
                bump_catalog_version(s)
            future -= sum(1 for r in held.values() if r.as_of > now)  # before a rollback
            if dry_run:
                s.rollback()  # checked against the store and counted; nothing kept
        if written and not dry_run:
            self._changed()
        return StockImport(path, written, tuple(codes), older, future)

    # ---------------------------------------------------------- one count here
    def set_stock(self, sku: str, on_hand: str | int) -> str:
        """A manager's count of one product at this branch, now; returns what was recorded.

        A count typed now is the freshest there is: a held count dated after now (another
        register's clock ahead, a store built with a wrong clock) is replaced, and the
        message says so. Nothing newer than now can rightly be held, so nothing keeps this
        count out; should a write be refused all the same, it is an error, never a success.
        """
        require(self._ctx, "edit_stock")
        sku = sku.strip()
        if not sku:
            raise InvalidInputError("sku", "Type the SKU of the product you counted.")
        count = _parse_count(on_hand)
        with self._ctx.db.write() as s:
            name = s.scalar(select(Product.name).where(Product.sku == sku))
            if name is None:
                raise InvalidInputError(
                    "sku",
                    f"SKU {sku[:40]} is not in the catalogue.",
                    hint="Import it with the products file first.",
                )
            now = self._ctx.now()
            held = s.get(BranchStock, stock_id(self._ctx.branch_id, sku))
            ahead = held.as_of if held is not None and held.as_of > now else None
            if not self._write_stock(s, self._ctx.branch_id, sku, count, now, now):
                raise InvalidInputError(
                    "on_hand", f"{name}: a newer count is held here; nothing was written."
                )
            bump_catalog_version(s)
        self._changed()
        text = f"{name}: {count:,} on hand here, as of now."
        if ahead is not None:
            when = ahead.astimezone(self._ctx.tz).strftime("%d %b %H:%M")
            text += f" It replaces a count dated {when}, ahead of this register's clock."
        return text

    # ------------------------------------------------------------------- reads
    def stock(self, branch_code: str | None = None) -> list[BranchStockView]:
        """What each branch has (one branch with ``branch_code``), with product names."""
        with self._ctx.db.read() as s:
            branches = _branches_by_code(s)
            if branch_code is not None:
                wanted = _branch_for(branches, branch_code.strip())
                if wanted is None:
                    known = ", ".join(sorted(b.code for b in branches.values()))
                    raise InvalidInputError(
                        "branch", f"No branch with code {branch_code!r} (known: {known})."
                    )
                branches = {wanted.code: wanted}
            rows = s.execute(
                select(
                    BranchStock.branch_id,
                    BranchStock.sku,
                    func.coalesce(Product.name, BranchStock.sku),
                    BranchStock.on_hand,
                    BranchStock.as_of,
                )
                .outerjoin(Product, Product.sku == BranchStock.sku)
                .where(BranchStock.branch_id.in_([b.id for b in branches.values()]))
                .order_by(BranchStock.sku)
            ).all()
            items: dict[uuid.UUID, list[StockItem]] = {}
            for branch_id, sku, name, on_hand, as_of in rows:
                items.setdefault(branch_id, []).append(StockItem(sku, name, on_hand, as_of))
            here = self._ctx.branch_id
            return [
                BranchStockView(b.code, b.name, b.phone, b.id == here, tuple(items.get(b.id, ())))
                for b in sorted(branches.values(), key=lambda b: (b.id != here, b.code))
            ]

    # ------------------------------------------------------------------ writes
    def _write_stock(
        self,
        s: Session,
        branch_id: uuid.UUID,
        sku: str,
        on_hand: int,
        as_of: datetime,
        now: datetime,
        held: dict[uuid.UUID, BranchStock] | None = None,
    ) -> bool:
        """Upsert one count; False (nothing written) when the one here is newer.

        A held count dated after ``now`` is a clock error and keeps nothing out.
        ``held``: the rows of the branches being written, loaded once by the caller.
        """
        rid = stock_id(branch_id, sku)
        row = held.get(rid) if held is not None else s.get(BranchStock, rid)
        if row is not None and keeps_out(row.as_of, as_of, now):
            return False
        if row is None:
            row = BranchStock(id=rid, branch_id=branch_id, sku=sku, on_hand=on_hand, as_of=as_of)
            s.add(row)
            if held is not None:
                held[rid] = row
        else:
            row.on_hand, row.as_of = on_hand, as_of
        payload = {"id": rid, **{f: getattr(row, f) for f in STOCK_FIELDS}}
        self._log(s, "branch_stock", rid, payload)
        return True

    def _log(self, s: Session, entity: str, rid: uuid.UUID, payload: dict[str, object]) -> None:
        append_change(
            s, entity=entity, entity_id=rid, op="insert", payload=payload, hlc=self._ctx.stamp()
        )


def _product_payload(p: Product) -> dict[str, object]:
    return {"id": p.id, **{f: getattr(p, f) for f in PRODUCT_FIELDS}}


def _apply_product(product: Product, line: ProductLine, *, new: bool) -> bool:
    """Copy the file's columns onto ``product``; True when something changed.

    A column the file leaves out keeps what an existing product has (a new one gets the
    defaults the reader filled in).
    """
    values: dict[str, object] = {"name": line.name, "category": line.category}
    for column, attr in _OPTIONAL.items():
        if new or column in line.columns:
            values[attr] = getattr(line, attr)
    changed = False
    for attr, value in values.items():
        if getattr(product, attr) != value:
            setattr(product, attr, value)
            changed = True
    return changed


def _branches_by_code(s: Session) -> dict[str, Branch]:
    return {b.code: b for b in s.scalars(select(Branch))}


def _branch_for(branches: dict[str, Branch], code: str) -> Branch | None:
    """The branch with ``code``; case does not matter when it is unambiguous."""
    found = branches.get(code)
    if found is None:
        folded = [b for c, b in branches.items() if c.casefold() == code.casefold()]
        found = folded[0] if len(folded) == 1 else None
    return found


def _check_stock_line(
    path: Path, line: StockLine, branches: dict[str, Branch], skus: set[str]
) -> None:
    if _branch_for(branches, line.branch_code) is None:
        known = ", ".join(sorted(branches)[:12])
        raise bad_line(
            path, line.line, f"unknown branch code “{line.branch_code}” (known: {known})."
        )
    if line.sku not in skus:
        raise bad_line(
            path,
            line.line,
            f"SKU {line.sku} is not in the catalogue (import it with `import products` first).",
        )


def _parse_count(value: str | int) -> int:
    text = str(value).strip()
    try:
        count = int(text)
    except ValueError:
        raise InvalidInputError(
            "on_hand", f"On hand must be a whole number, not “{text[:20]}”."
        ) from None
    if count < 0:
        raise InvalidInputError("on_hand", "On hand cannot be negative.")
    if count > MAX_ON_HAND:
        raise InvalidInputError("on_hand", f"{count:,} is more than any shelf holds.")
    return count

"""Staff picks: "what's good here?" answered with the staff's own top three per category.

Reads give the picks *this* branch shows (its own pick at a rank over the chain's, see
:func:`posassist.domain.picks.effective`), with the product's name from the catalog.
Writes are a manager's: set or remove one slot, or import a CSV file whole (one
transaction, nothing written if any line is bad). Every write queues the full row for
sync (a shared row, last writer wins per row), so every register shows the same picks.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from posassist.domain.pick_asks import ask_words, names_category, names_product
from posassist.domain.picks import (
    CSV_COLUMNS,
    PICK_FIELDS,
    Pick,
    PickInput,
    category_key,
    clean_pick,
    effective,
    pick_id,
)
from posassist.domain.wording import plural
from posassist.errors import InvalidInputError
from posassist.importers.picks import read_picks
from posassist.services.access import require
from posassist.services.context import StoreContext
from posassist.services.csv_files import write_csv
from posassist.storage.orm import Branch, Product, StaffPick
from posassist.storage.outbox import append_change


@dataclass(frozen=True, slots=True)
class ShownPick:
    """One pick as the Picks view, the finder and ``posassist picks`` show it."""

    category: str
    rank: int
    sku: str
    product: str  # the catalog's name, or "" for a SKU the catalog does not know
    staff: str
    why: str
    branch_pick: bool  # this branch's own pick (else the chain's)

    @property
    def badge(self) -> str:
        """The line a product's row carries: "★ Staff pick #1: why"."""
        return f"★ Staff pick #{self.rank}: {self.why}"


@dataclass(frozen=True, slots=True)
class CategoryPicks:
    category: str
    picks: tuple[ShownPick, ...]


@dataclass(frozen=True, slots=True)
class PicksImport:
    path: Path
    set: int
    unchanged: int

    def __str__(self) -> str:
        return f"{self.path.name}: {plural(self.set, 'pick')} set, {self.unchanged:,} unchanged."


def _pick(row: StaffPick) -> Pick:
    return Pick(
        row.id,
        row.category,
        row.rank,
        row.sku,
        row.staff_name,
        row.why,
        row.branch_id,
        row.staff_id,
    )


def _payload(row: StaffPick) -> dict[str, object]:
    return {"id": row.id, **{name: getattr(row, name) for name in PICK_FIELDS}}


def pick_json(pick: ShownPick) -> dict[str, object]:
    """One pick as ``posassist picks --json`` prints it."""
    return {
        "rank": pick.rank,
        "sku": pick.sku,
        "product": pick.product,
        "staff": pick.staff,
        "why": pick.why,
        "scope": "branch" if pick.branch_pick else "chain",
    }


def _about(shown: list[CategoryPicks], ask: str) -> list[CategoryPicks]:
    """The categories the ask names, or that have a picked product it names
    (``domain/pick_asks.py``: whole words, generic ones ignored)."""
    words = ask_words(ask)
    if not words:
        return []
    return [
        c
        for c in shown
        if names_category(words, c.category)
        or any(names_product(words, p.product) for p in c.picks)
    ]


def _badges(shown: list[CategoryPicks]) -> dict[str, str]:
    best: dict[str, ShownPick] = {}
    for category in shown:
        for p in category.picks:
            if p.sku not in best or p.rank < best[p.sku].rank:
                best[p.sku] = p
    return {sku: p.badge for sku, p in best.items()}


class PicksService:
    """Staff picks use cases; each public method is one user action and one session."""

    def __init__(self, ctx: StoreContext) -> None:
        self._ctx = ctx

    @property
    def branch_id(self) -> uuid.UUID:
        return self._ctx.branch_id

    # ------------------------------------------------------------------- reads
    def shown(self) -> list[CategoryPicks]:
        """Every category's top three as this branch shows them, categories A–Z."""
        with self._ctx.db.read() as s:
            rows = [_pick(r) for r in s.scalars(select(StaffPick).where(~StaffPick.removed))]
            names = self._product_names(s, {p.sku for p in rows})
        out = []
        for picks in effective(rows, self._ctx.branch_id).values():
            label = self._category_label(picks)  # one spelling for the category's rows
            shown = tuple(
                ShownPick(
                    label,
                    p.rank,
                    p.sku,
                    names.get(p.sku, ""),
                    p.staff,
                    p.why,
                    p.branch_id is not None,
                )
                for p in picks
            )
            out.append(CategoryPicks(label, shown))
        return sorted(out, key=lambda c: category_key(c.category))

    @staticmethod
    def _category_label(picks: list[Pick]) -> str:
        chain = [p.category for p in picks if p.branch_id is None]
        return (chain or [picks[0].category])[0]

    @staticmethod
    def _product_names(s: Session, skus: set[str]) -> dict[str, str]:
        if not skus:
            return {}
        rows = s.execute(select(Product.sku, Product.name).where(Product.sku.in_(sorted(skus))))
        return {sku: name for sku, name in rows}

    def for_ask(self, ask: str) -> list[CategoryPicks]:
        """The top threes an ask is about: its category, or a picked product, by name."""
        return _about(self.shown(), ask)

    def badges(self) -> dict[str, str]:
        """SKU → "★ Staff pick #1: why", for the rows of picked products (best rank)."""
        return _badges(self.shown())

    def for_finder(self, ask: str) -> tuple[list[CategoryPicks], dict[str, str]]:
        """What the finder shows beside its answer, from one read: the top threes the ask
        is about, and the badges of picked products. Small enough (a few dozen rows) to
        answer on the GUI thread as the cashier types."""
        shown = self.shown()
        return _about(shown, ask), _badges(shown)

    def categories(self) -> list[str]:
        """The catalog's categories and those already picked, for the manager's editor."""
        with self._ctx.db.read() as s:
            found = [
                *s.scalars(select(Product.category).distinct()),
                *s.scalars(select(StaffPick.category).distinct()),
            ]
        by_key: dict[str, str] = {}
        for name in found:
            if name.strip():
                by_key.setdefault(category_key(name), " ".join(name.split()))
        return sorted(by_key.values(), key=category_key)

    # ------------------------------------------------------------------ writes
    def set_pick(self, data: PickInput) -> ShownPick:
        """A manager fills one slot (replacing what was there); refused input names its field."""
        require(self._ctx, "edit_picks")
        clean = clean_pick(data)
        with self._ctx.db.write() as s:
            skus = set(s.scalars(select(Product.sku)))
            if skus and clean.sku not in skus:
                raise InvalidInputError("sku", f"“{clean.sku}” is not in the catalog.")
            self._write(s, clean, self._spellings(s))
            name = self._product_names(s, {clean.sku}).get(clean.sku, "")
        return ShownPick(
            clean.category,
            clean.rank,
            clean.sku,
            name,
            clean.staff,
            clean.why,
            clean.branch_id is not None,
        )

    def remove_pick(self, category: str, rank: int, *, branch_id: uuid.UUID | None) -> None:
        """Empty one slot; at a branch, the chain's pick at that rank shows again."""
        require(self._ctx, "edit_picks")
        with self._ctx.db.write() as s:
            row = s.get(StaffPick, pick_id(branch_id, category, rank))
            if row is None or row.removed:
                where = "this branch" if branch_id is not None else "the chain"
                raise InvalidInputError(
                    "rank", f"{where.capitalize()} has no pick #{rank} for “{category.strip()}”."
                )
            row.removed = True
            self._log(s, row, "update")

    def _write(self, s: Session, data: PickInput, spellings: dict[str, str]) -> bool:
        """Set one slot in ``s``; False when it already held exactly this pick."""
        pid = pick_id(data.branch_id, data.category, data.rank)
        row = s.get(StaffPick, pid)
        values = {
            "category": spellings.get(category_key(data.category), data.category),
            "rank": data.rank,
            "sku": data.sku,
            "staff_name": data.staff,
            "why": data.why,
            "branch_id": data.branch_id,
            "staff_id": data.staff_id,
            "removed": False,
        }
        op = "update"
        if row is None:
            row, op = StaffPick(id=pid), "insert"
            s.add(row)
        elif all(getattr(row, k) == v for k, v in values.items()):
            return False
        for key, value in values.items():
            setattr(row, key, value)
        self._log(s, row, op)
        return True

    @staticmethod
    def _spellings(s: Session) -> dict[str, str]:
        """The catalog's categories by key: "audio" typed for "Audio" is stored as "Audio"."""
        names = s.scalars(select(Product.category).distinct())
        return {category_key(n): " ".join(n.split()) for n in names if n.strip()}

    def _log(self, s: Session, row: StaffPick, op: str) -> None:
        s.flush()
        append_change(
            s,
            entity="staff_pick",
            entity_id=row.id,
            op=op,
            payload=_payload(row),
            hlc=self._ctx.stamp(),
        )

    # -------------------------------------------------------------------- CSV
    def import_csv(self, path: Path, *, dry_run: bool = False) -> PicksImport:
        """Set every pick of ``path``; nothing is written unless every line is good (a
        ``dry_run`` checks and counts them, then rolls back)."""
        require(self._ctx, "edit_picks")
        with self._ctx.db.write() as s:
            lines = read_picks(s, path)
            spellings = self._spellings(s)
            changed = sum(self._write(s, line.data, spellings) for line in lines)
            if dry_run:
                s.rollback()  # checked against the store and counted; nothing kept
        return PicksImport(path, changed, len(lines) - changed)

    def export_csv(self, path: Path) -> int:
        """Every pick (chain-wide and each branch's) in the import's columns; the count."""
        require(self._ctx, "edit_picks")
        with self._ctx.db.read() as s:
            codes = {bid: code for bid, code in s.execute(select(Branch.id, Branch.code))}
            picks = [_pick(r) for r in s.scalars(select(StaffPick).where(~StaffPick.removed))]

        def code(p: Pick) -> str:
            return "" if p.branch_id is None else codes.get(p.branch_id, str(p.branch_id))

        picks.sort(key=lambda p: (code(p), category_key(p.category), p.rank))
        rows = [[p.category, p.rank, p.sku, p.staff, p.why, code(p)] for p in picks]
        write_csv(path, CSV_COLUMNS, rows)
        return len(rows)

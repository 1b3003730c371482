"""Qt item models for the finder, the vendor directory, partner choices and the reports.

Each wraps plain service results; the views never see the store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractListModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from posassist.domain.catalog import stock_age
from posassist.domain.finder import BranchMatch, FinderResult, ProductMatch, VendorMatch
from posassist.services.referrals import DemandRow, LedgerRow, PartnerChoice
from posassist.services.vendors import VendorRecord
from posassist.ui.models.base import Index, RowsListModel, RowsTableModel

EntryRole = Qt.ItemDataRole.UserRole + 1
_GREEN = QColor("#0b6b2e")
_RED = QColor("#a00000")
_GREY = QColor("#555555")


def _when(at: datetime, tz: ZoneInfo, now: datetime) -> str:
    local = at.astimezone(tz)
    if local.date() == now.astimezone(tz).date():
        return f"today {local:%H:%M}"
    return f"{local:%d %b %H:%M}"


@dataclass(frozen=True, slots=True)
class FinderEntry:
    """One row of the finder list: a tier heading, or an answer the cashier can act on."""

    tier: str  # "heading", "here", "not_here", "branch", "vendor", "none"
    text: str
    match: ProductMatch | BranchMatch | VendorMatch | None = None

    @property
    def printable(self) -> bool:
        """A slip can send the customer to another branch or a partner, not to our aisle."""
        return self.tier in ("branch", "vendor")


TIER_HEADINGS = {
    "here": "WE HAVE IT HERE",
    "branch": "OUR OTHER BRANCHES",
    "vendor": "PARTNER SHOPS",
}


def finder_entries(
    result: FinderResult, tz: ZoneInfo, now: datetime, badges: Mapping[str, str] | None = None
) -> list[FinderEntry]:
    """The tiers as list rows, best first, each with a heading; empty tiers say so.

    ``badges`` (SKU → "★ Staff pick #1: why") adds a line to the rows of picked products.
    """
    rows: list[FinderEntry] = []
    rows.append(FinderEntry("heading", TIER_HEADINGS["here"]))
    for m in result.here:
        p = m.product
        where = p.location or "on the shelf"
        stock = f"{p.on_hand_here} in stock" if p.on_hand_here is not None else "stock not counted"
        badge = f"\n{badges[p.sku]}" if badges and p.sku in badges else ""
        rows.append(FinderEntry("here", f"{p.name}\n{where}  ·  {stock}{badge}", m))
    for m in result.out_of_stock_here:
        p = m.product
        rows.append(
            FinderEntry(
                "not_here", f"{p.name}\nout of stock here (usually {p.location or 'ours'})", m
            )
        )
    if not result.here and not result.out_of_stock_here:
        rows.append(FinderEntry("none", "Not carried here"))
    rows.append(FinderEntry("heading", TIER_HEADINGS["branch"]))
    for b in result.other_branches:
        st = b.stock
        phone = f"  ·  ☎ {st.phone}" if st.phone else ""
        rows.append(
            FinderEntry(
                "branch",
                f"{st.branch_name} — {st.on_hand} × {st.product_name}\n"
                f"{stock_age(st.as_of, now)} ({_when(st.as_of, tz, now)}){phone}",
                b,
            )
        )
    if not result.other_branches:
        rows.append(FinderEntry("none", "No other branch has it in stock"))
    rows.append(FinderEntry("heading", TIER_HEADINGS["vendor"]))
    for v in result.vendors:
        vendor = v.vendor
        state = {True: "OPEN NOW", False: "closed now", None: "hours unknown"}[v.open_now]
        details = [state]
        if vendor.address:
            details.append(" ".join(vendor.address.split()))
        if vendor.phone:
            details.append(f"☎ {vendor.phone}")
        why = f"\n{', '.join(v.matched_on)}" if v.matched_on else ""
        rows.append(FinderEntry("vendor", f"{vendor.name}\n{'  ·  '.join(details)}{why}", v))
    if not result.vendors:
        rows.append(FinderEntry("none", "No partner shop matches"))
    return rows


_NOT_ANSWERS = ("heading", "none")


class FinderResultsModel(QAbstractListModel):
    """The finder's tiers as one keyboard-friendly list; headings cannot be selected."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[FinderEntry] = []
        self._bold = QFont()
        self._bold.setBold(True)

    def set_entries(self, entries: Sequence[FinderEntry]) -> None:
        self.beginResetModel()
        self._rows = list(entries)
        self.endResetModel()

    def entry(self, row: int) -> FinderEntry:
        return self._rows[row]

    def first_printable_row(self) -> int | None:
        return next((i for i, e in enumerate(self._rows) if e.printable), None)

    def first_answer_row(self) -> int | None:
        return next((i for i, e in enumerate(self._rows) if e.tier not in _NOT_ANSWERS), None)

    def next_answer_row(self, row: int, step: int) -> int | None:
        """The answer after (``step`` 1) or before (-1) ``row``, skipping tier headings and
        "none found" lines; None past either end."""
        i = row + step
        while 0 <= i < len(self._rows):
            if self._rows[i].tier not in _NOT_ANSWERS:
                return i
            i += step
        return None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return Qt.ItemFlag.NoItemFlags
        if self._rows[index.row()].tier in _NOT_ANSWERS:
            return Qt.ItemFlag.ItemIsEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        entry = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return entry.text
        if role == Qt.ItemDataRole.FontRole and entry.tier == "heading":
            return self._bold
        if role == Qt.ItemDataRole.ForegroundRole:
            if entry.tier in ("heading", "none", "not_here"):
                return QBrush(_GREY)
            if isinstance(entry.match, VendorMatch) and entry.match.open_now is not None:
                return QBrush(_GREEN if entry.match.open_now else _RED)
            if entry.tier == "here":
                return QBrush(_GREEN)
        if role == Qt.ItemDataRole.ToolTipRole and entry.match is not None:
            return f"Match {entry.match.score:.0f}%"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return entry.text.replace("\n", ". ")
        if role == EntryRole:
            return entry
        return None


class VendorTableModel(RowsTableModel[VendorRecord]):
    HEADERS = ("Name", "Phone", "Address", "Hours", "Categories", "Keywords", "Active")
    set_vendors = RowsTableModel.set_rows
    vendor = RowsTableModel.row_at

    def cell(self, v: VendorRecord, column: int, role: int) -> str:
        values = (
            v.name,
            v.phone,
            " ".join(v.address.split()),
            v.hours,
            "; ".join(v.categories),
            "; ".join(v.keywords),
            "yes" if v.active else "no",
        )
        return values[column]

    def extra(self, v: VendorRecord, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and not v.active:
            return QBrush(_GREY)
        if role == EntryRole:
            return v
        return None


class PartnerChoicesModel(RowsListModel[PartnerChoice]):
    set_choices = RowsListModel.set_rows
    choice = RowsListModel.row_at

    def role_data(self, choice: PartnerChoice, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            # Partners may share a name (two "Chen's Hi-Fi"): the address tells them apart.
            return f"{choice.name}  ·  {choice.address}" if choice.address else choice.name
        if role == EntryRole:
            return choice
        return None


_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class LedgerModel(RowsTableModel[LedgerRow]):
    HEADERS = ("Partner", "Sent", "Received", "Received per sent", "Last activity")

    def __init__(self, tz: ZoneInfo) -> None:
        super().__init__()
        self._tz = tz

    def cell(self, r: LedgerRow, column: int, role: int) -> str:
        if role == Qt.ItemDataRole.ToolTipRole:
            return (
                "Referrals they sent us for each one we sent them in this period."
                if column == 3
                else ""
            )
        last = r.last_activity.astimezone(self._tz).strftime("%d %b %Y") if r.last_activity else "—"
        ratio = "—" if r.ratio is None else f"{r.ratio:.2f}"
        return (r.vendor_name, str(r.sent), str(r.received), ratio, last)[column]

    def extra(self, r: LedgerRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (1, 2, 3):
            return _RIGHT
        return None


class DemandModel(RowsTableModel[DemandRow]):
    HEADERS = ("Asked for", "Times", "Previous period", "Trend", "Last asked", "Also typed as")

    def __init__(self, tz: ZoneInfo) -> None:
        super().__init__()
        self._tz = tz

    def cell(self, r: DemandRow, column: int, role: int) -> str:
        if role == Qt.ItemDataRole.ToolTipRole:
            return r.item_with_variants if column in (0, 5) and r.variants else ""
        return (
            r.item,
            str(r.count),
            str(r.previous),
            r.trend,
            r.last_asked.astimezone(self._tz).strftime("%d %b %Y"),
            ", ".join(r.variants),
        )[column]

    def extra(self, r: DemandRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (1, 2):
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and column == 5:
            return QBrush(_GREY)
        if role == Qt.ItemDataRole.ForegroundRole and column == 3:
            if r.trend == "new" or r.trend.startswith("up"):
                return QBrush(_GREEN)
            if r.trend == "gone" or r.trend.startswith("down"):
                return QBrush(_GREY)
        return None

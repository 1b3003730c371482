"""Qt item models wrapping service results: search hits and a customer's timeline."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from posassist.services.customers import CustomerHit, TimelineEntry
from posassist.ui import formatting as fmt
from posassist.ui.models.base import Index, RowsListModel, RowsTableModel

HitRole = Qt.ItemDataRole.UserRole + 1


class CustomerHitsModel(RowsListModel[CustomerHit]):
    set_hits = RowsListModel.set_rows
    hit = RowsListModel.row_at

    def role_data(self, hit: CustomerHit, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            details = [hit.phone_masked] if hit.phone_masked else []
            details.append(f"last visit {fmt.day(hit.last_visit)}")
            badge = fmt.tier_label(hit.tier) if hit.tier else ""
            name = f"{hit.display_name}   {badge}" if badge else hit.display_name
            return f"{name}\n{'  ·  '.join(details)}"
        if role == Qt.ItemDataRole.ToolTipRole:
            matched = f"Matched by {hit.matched_by} ({hit.score:.0f}%)"
            return f"{hit.standing_reasons}\n{matched}" if hit.standing_reasons else matched
        if role == HitRole:
            return hit
        return None


class TimelineModel(RowsTableModel[TimelineEntry]):
    """A customer's timeline. Each row's texts are formatted once, when the card is
    shown: a view asks ``data()`` for every visible cell on every paint, and a date
    formatted per ask made a long timeline slow to show."""

    HEADERS = ("When", "What", "Branch", "Staff", "Basket", "Items / note")

    def __init__(self, tz: ZoneInfo) -> None:
        super().__init__()
        self.tz = tz
        self._texts: list[tuple[str, ...]] = []
        self._struck = QFont()  # a voided entry stays, struck through; it no longer counts
        self._struck.setStrikeOut(True)

    def set_entries(self, entries: Sequence[TimelineEntry]) -> None:
        self._texts = [self._display(entry) for entry in entries]
        self.set_rows(entries)

    def column_texts(self, column: int) -> list[str]:
        """What each row shows in ``column``, top to bottom (to size the column)."""
        return [texts[column] for texts in self._texts]

    def _display(self, entry: TimelineEntry) -> tuple[str, ...]:
        return (
            fmt.when(entry.occurred_at, self.tz),
            fmt.kind_label(entry.kind),
            entry.branch_name,
            entry.staff_name,
            fmt.money(entry.basket_minor),
            _detail(entry)[:200],
        )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and index.isValid():
            row, column = index.row(), index.column()
            if 0 <= row < len(self._texts) and 0 <= column < len(self.HEADERS):
                return self._texts[row][column]
        return super().data(index, role)

    def cell(self, entry: TimelineEntry, column: int, role: int) -> str:
        if role == Qt.ItemDataRole.ToolTipRole and entry.void_reason is not None:
            return f"Voided: {entry.void_reason}"
        if role == Qt.ItemDataRole.ToolTipRole and column == 5:
            return _detail(entry)
        return self._display(entry)[column]

    def extra(self, entry: TimelineEntry, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.FontRole and entry.void_reason is not None:
            return self._struck
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 4:
            return _RIGHT
        return None


_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def _detail(entry: TimelineEntry) -> str:
    """The items, then the note: the last column in full (its tooltip) or cut to 200."""
    detail = "; ".join(entry.items)
    if entry.note:
        detail = f"{detail} — {entry.note}" if detail else entry.note
    return detail

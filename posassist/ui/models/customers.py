"""Qt item models wrapping service results: search hits and a customer's timeline."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from posassist.services.customers import CustomerHit, TimelineEntry
from posassist.ui import formatting as fmt

Index = QModelIndex | QPersistentModelIndex
HitRole = Qt.ItemDataRole.UserRole + 1


class CustomerHitsModel(QAbstractListModel):
    def __init__(self) -> None:
        super().__init__()
        self._hits: list[CustomerHit] = []

    def set_hits(self, hits: Sequence[CustomerHit]) -> None:
        self.beginResetModel()
        self._hits = list(hits)
        self.endResetModel()

    def hit(self, row: int) -> CustomerHit:
        return self._hits[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._hits):
            return None
        hit = self._hits[index.row()]
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


class TimelineModel(QAbstractTableModel):
    HEADERS = ("When", "What", "Branch", "Staff", "Basket", "Items / note")

    def __init__(self, tz: ZoneInfo) -> None:
        super().__init__()
        self.tz = tz
        self._rows: list[TimelineEntry] = []

    def set_entries(self, entries: Sequence[TimelineEntry]) -> None:
        self.beginResetModel()
        self._rows = list(entries)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.HEADERS)
        ):
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        entry = self._rows[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            detail = "; ".join(entry.items)
            if entry.note:
                detail = f"{detail} — {entry.note}" if detail else entry.note
            values = (
                fmt.when(entry.occurred_at, self.tz),
                fmt.kind_label(entry.kind),
                entry.branch_name,
                entry.staff_name,
                fmt.money(entry.basket_minor),
                detail if role == Qt.ItemDataRole.ToolTipRole else detail[:200],
            )
            return values[col] if 0 <= col < len(values) else None
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 4:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

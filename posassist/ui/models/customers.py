"""Qt item models wrapping service results: search hits and a customer's timeline."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from posassist.services.customers import CustomerHit, TimelineEntry
from posassist.ui import formatting as fmt
from posassist.ui.models.base import RowsListModel, RowsTableModel

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
    HEADERS = ("When", "What", "Branch", "Staff", "Basket", "Items / note")
    set_entries = RowsTableModel.set_rows

    def __init__(self, tz: ZoneInfo) -> None:
        super().__init__()
        self.tz = tz

    def cell(self, entry: TimelineEntry, column: int, role: int) -> str:
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
        if role == Qt.ItemDataRole.ToolTipRole and entry.void_reason is not None:
            return f"Voided: {entry.void_reason}"
        return values[column]

    def extra(self, entry: TimelineEntry, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.FontRole and entry.void_reason is not None:
            font = QFont()  # a voided entry stays, struck through; it no longer counts
            font.setStrikeOut(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 4:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

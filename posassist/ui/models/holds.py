"""The Holds queue as a table: one hold a row, incoming (held here) first."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont

from posassist.domain.holds import age_text
from posassist.services.holds import HoldView
from posassist.ui.models.base import RowsTableModel

_WAITING = QColor("#8a4b00")


class HoldsModel(RowsTableModel[HoldView]):
    HEADERS = ("", "Code", "State", "Branch", "Item", "For", "Age", "Until", "Note")

    def __init__(self, tz: ZoneInfo) -> None:
        super().__init__()
        self.tz = tz
        self.now = datetime.now(tz)
        self._bold = QFont()
        self._bold.setBold(True)

    def set_holds(self, holds: list[HoldView], now: datetime) -> None:
        self.now = now
        self.set_rows(holds)

    def cell(self, h: HoldView, column: int, role: int) -> str:
        if column == 0:
            return "◀ in" if h.direction == "incoming" else "▶ out"
        if column == 1:
            return h.code
        if column == 2:
            return h.label + (" (relay)" if h.relay else "")
        if column == 3:
            side = "from" if h.direction == "incoming" else "at"
            return f"{side} {h.other_branch}"
        if column == 4:
            return h.product_name
        if column == 5:
            return h.customer_name
        if column == 6:
            return age_text(h.created_at, self.now)
        if column == 7:
            return h.expires_at.astimezone(self.tz).strftime("%a %d %b")
        return h.told or ("waiting for this branch" if h.waiting_here else "")

    def extra(self, h: HoldView, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.FontRole and h.waiting_here:
            return self._bold
        if role == Qt.ItemDataRole.ForegroundRole and h.waiting_here:
            return _WAITING
        return None

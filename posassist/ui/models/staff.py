"""The staff accounts as a table: one account a row (Manager → Staff…)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from posassist.services.staff import StaffView
from posassist.ui.models.base import RowsTableModel

_DISABLED = QColor("#777777")


class StaffModel(RowsTableModel[StaffView]):
    HEADERS = ("Name", "Role", "Active", "Branch", "PIN")

    def __init__(self) -> None:
        super().__init__()
        self.branches: dict[uuid.UUID, str] = {}

    def set_accounts(
        self, accounts: Sequence[StaffView], branches: Mapping[uuid.UUID, str]
    ) -> None:
        """The accounts and each branch's code (an account says where it belongs)."""
        self.branches = dict(branches)
        self.set_rows(accounts)

    def cell(self, v: StaffView, column: int, role: int) -> str:
        if column == 0:
            return v.name
        if column == 1:
            return v.effective_role
        if column == 2:
            return "yes" if v.active else "disabled"
        if column == 3:
            return "" if v.branch_id is None else self.branches.get(v.branch_id, "?")
        return "set" if v.has_pin else "none"

    def extra(self, v: StaffView, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and not v.active:
            return _DISABLED
        return None

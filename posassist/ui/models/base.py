"""Read-only Qt models over lists of service results.

Every list or table the register shows is "rows from a service call, shown as text":
only how one row reads differs. The plumbing Qt needs (counts, headers, resets, index
checks) lives here once; subclasses implement :meth:`cell` (and :meth:`extra` for other
roles).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

Index = QModelIndex | QPersistentModelIndex
T = TypeVar("T")
_TEXT_ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)


class _Rows(Generic[T]):
    _rows: list[T]

    def set_rows(self, rows: Sequence[T]) -> None:
        self.beginResetModel()  # type: ignore[attr-defined]
        self._rows = list(rows)
        self.endResetModel()  # type: ignore[attr-defined]

    def rows(self) -> list[T]:
        return list(self._rows)

    def row_at(self, row: int) -> T:
        return self._rows[row]

    def _row_of(self, index: Index) -> T | None:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        return self._rows[index.row()]


class RowsTableModel(_Rows[T], QAbstractTableModel):
    """A table: one service result a row, ``HEADERS`` for the columns."""

    HEADERS: tuple[str, ...] = ()

    def __init__(self) -> None:
        super().__init__()
        self._rows = []

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
        row = self._row_of(index)
        if row is None or not 0 <= index.column() < len(self.HEADERS):
            return None
        if role in _TEXT_ROLES:
            return self.cell(row, index.column(), role)
        return self.extra(row, index.column(), role)

    def cell(self, row: T, column: int, role: int) -> str:
        """The text of one cell (display, or tooltip when ``role`` says so)."""
        raise NotImplementedError

    def extra(self, row: T, column: int, role: int) -> Any:
        """Any other role (alignment, colour, sort keys); None by default."""
        return None


class RowsListModel(_Rows[T], QAbstractListModel):
    """A list: one service result a line."""

    def __init__(self) -> None:
        super().__init__()
        self._rows = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self._row_of(index)
        return None if row is None else self.role_data(row, role)

    def role_data(self, row: T, role: int) -> Any:
        raise NotImplementedError

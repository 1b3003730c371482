"""Managers' Regulars view: who comes back often, and who has stopped coming.

Sortable and filterable so a manager can plan who to welcome back; exported as CSV.
The list comes from the last refit (the background worker), never from a scan here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from posassist.errors import KnownError
from posassist.services.standing import StandingRow
from posassist.ui import formatting as fmt
from posassist.ui.models.base import Index, RowsTableModel

SortRole = Qt.ItemDataRole.UserRole + 2


class RegularsModel(RowsTableModel[StandingRow]):
    HEADERS = ("Customer", "Standing", "Visits", "Last 90 days", "Last visit", "Usually", "Why")

    def cell(self, r: StandingRow, column: int, role: int) -> str:
        values = (
            r.name,
            fmt.tier_label(r.flag.tier),
            str(r.visits_total),
            str(r.visits_90d),
            fmt.day(r.last_visit),
            fmt.interval(r.usual_interval_days),
            r.flag.reasons,
        )
        return values[column]

    def extra(self, r: StandingRow, column: int, role: int) -> Any:
        if role != SortRole:
            return None
        keys = (
            r.name.casefold(),
            r.flag.tier.value,
            r.visits_total,
            r.visits_90d,
            r.last_visit.toordinal(),
            r.usual_interval_days or 0.0,
            r.flag.reasons,
        )
        return keys[column]


class RegularsFilter(QSortFilterProxyModel):
    """Filter by standing and by a piece of the name."""

    def __init__(self) -> None:
        super().__init__()
        self.tier: str = ""
        self.text: str = ""
        self.setSortRole(SortRole)

    def set_filter(self, tier: str, text: str) -> None:
        self.beginFilterChange()
        self.tier = tier
        self.text = text.casefold().strip()
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        assert isinstance(model, RegularsModel)
        r = model.row_at(source_row)
        if self.tier and r.flag.tier.value != self.tier:
            return False
        return not self.text or self.text in r.name.casefold()


class RegularsDialog(QDialog):
    def __init__(
        self,
        rows: Sequence[StandingRow],
        export: Callable[[Path, list[StandingRow]], int],
        method_note: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Regulars and lapsing regulars")
        self.resize(1200, 720)
        self._export = export
        self.model = RegularsModel()
        self.model.set_rows(rows)
        self.proxy = RegularsFilter()
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(4, Qt.SortOrder.DescendingOrder)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.tier = QComboBox()
        for label, value in (
            ("Everyone listed", ""),
            ("Regulars", "regular"),
            ("Lapsing regulars", "lapsing"),
        ):
            self.tier.addItem(label, value)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter by name")
        self.export_button = QPushButton("Export CSV…")
        self.count = QLabel()
        self.note = QLabel(method_note)
        controls = QHBoxLayout()
        controls.addWidget(self.tier)
        controls.addWidget(self.search, 1)
        controls.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)
        layout.addWidget(self.note)
        self.tier.currentIndexChanged.connect(self._on_filter_changed)
        self.search.textChanged.connect(self._on_filter_changed)
        self.export_button.clicked.connect(self._on_export_clicked)
        self._on_filter_changed()

    def visible_rows(self) -> list[StandingRow]:
        return [
            self.model.row_at(self.proxy.mapToSource(self.proxy.index(i, 0)).row())
            for i in range(self.proxy.rowCount())
        ]

    def _on_filter_changed(self, *_: object) -> None:
        self.proxy.set_filter(str(self.tier.currentData() or ""), self.search.text())
        self.count.setText(f"{self.proxy.rowCount():,} customers shown")

    def export_to(self, path: Path) -> int:
        return self._export(path, self.visible_rows())

    def _on_export_clicked(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Export regulars", "regulars.csv", "CSV (*.csv)"
        )
        if not name:
            return
        try:
            n = self.export_to(Path(name))
        except KnownError as exc:
            self.count.setText(str(exc))
            return
        self.count.setText(f"Exported {n:,} customers to {name}.")

"""Managers' Regulars view: who comes back often, and who has stopped coming.

Sortable and filterable so a manager can plan who to welcome back; exported as CSV.
The list comes from the last refit (the background worker), never from a scan here;
its export is written on the worker too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from posassist.services.standing import StandingRow
from posassist.ui import formatting as fmt
from posassist.ui.feedback import show_error
from posassist.ui.models.base import RowsTableModel
from posassist.ui.screen import fit_to_screen
from posassist.ui.views.files import choose_save_path, still_open
from posassist.ui.views.tables import read_only_table
from posassist.ui.workers import BackgroundOp, Worker


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

    def sort_key(self, r: StandingRow, column: int) -> Any:
        keys = (
            r.name.casefold(),
            r.flag.tier.value,
            r.visits_total,
            r.visits_90d,
            r.last_visit.toordinal(),
            r.usual_interval_days or 0.0,
            r.flag.reasons,
        )
        return keys[column] if 0 <= column < len(keys) else 0


class RegularsDialog(QDialog):
    """Filled from the worker: on a large store the list has tens of thousands of rows.

    Sorting and filtering are done on the Python rows by the model itself (a sort
    proxy would call back into Python for every comparison: seconds on 30,000 rows).
    Enter (or a double click) on a row emits ``open_requested`` with the customer's id
    and closes the dialog: the customer is then on the card.
    """

    open_requested = Signal(object)  # customer id

    def __init__(
        self,
        export: Callable[[Path, list[StandingRow]], int],
        worker: Worker,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Regulars and lapsing regulars")
        self.resize(1200, 720)
        self._export = export
        self.worker = worker
        self.choose_save_path = choose_save_path
        self._all: list[StandingRow] = []
        self._sort_column = 4
        self._sort_order = Qt.SortOrder.DescendingOrder
        self.model = RegularsModel()
        self.table = read_only_table(self.model, QHeaderView.ResizeMode.Interactive)
        header = self.table.horizontalHeader()
        self.table.ensurePolished()
        for column, width in enumerate((220, 170, 70, 110, 130, 130)):
            # Never narrower than the header ("Last 90 days" in the register's large type).
            header.resizeSection(column, max(width, header.sectionSizeHint(column)))
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)
        header.setSortIndicator(self._sort_column, self._sort_order)
        header.sortIndicatorChanged.connect(self._on_header_sort_changed)
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
        self.export_button.setAutoDefault(False)  # Enter opens a customer, never a file dialog
        self.count = QLabel("Preparing the list…")
        self.note = QLabel()
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
        self.table.activated.connect(self._on_row_activated)
        self.search.returnPressed.connect(self._open_current)
        fit_to_screen(self)

    def _on_row_activated(self, index: QModelIndex) -> None:
        if 0 <= index.row() < self.model.rowCount():
            self.open_requested.emit(self.model.row_at(index.row()).customer_id)
            self.accept()

    def _open_current(self) -> None:
        """Enter in the filter box opens the highlighted row, or the first one."""
        index = self.table.currentIndex()
        if not index.isValid():
            index = self.model.index(0, 0)
        self._on_row_activated(index)

    def show_rows(self, rows: Sequence[StandingRow], note: str) -> None:
        """Called with the worker's result."""
        self._all = list(rows)
        self.note.setText(note)
        self._on_filter_changed()

    def visible_rows(self) -> list[StandingRow]:
        return self.model.rows()

    def sort_by(self, column: int, order: Qt.SortOrder) -> None:
        self.table.horizontalHeader().setSortIndicator(column, order)

    def _on_header_sort_changed(self, column: int, order: Qt.SortOrder) -> None:
        self._sort_column, self._sort_order = column, order
        self._on_filter_changed()

    def _on_filter_changed(self, *_: object) -> None:
        tier = str(self.tier.currentData() or "")
        text = self.search.text().casefold().strip()
        rows = [
            r
            for r in self._all
            if (not tier or r.flag.tier.value == tier) and (not text or text in r.name.casefold())
        ]
        rows.sort(
            key=lambda r: self.model.sort_key(r, self._sort_column),
            reverse=self._sort_order == Qt.SortOrder.DescendingOrder,
        )
        self.model.set_rows(rows)
        self.count.setText(f"{fmt.plural(len(rows), 'customer')} shown")

    def export_to(self, path: Path) -> int:
        """Write the rows shown to ``path`` as CSV, on the worker; how many it writes.

        The rows are read here (the worker never reads widgets); the count line says when
        the file is written, or why it could not be.
        """
        rows = self.visible_rows()
        BackgroundOp(self.worker, lambda: self._export(path, rows)).success(
            lambda n: self.count.setText(f"Exported {fmt.plural(n, 'customer')} to {path}.")
        ).failure(lambda exc: show_error(self.count, exc)).run_in_background()
        return len(rows)

    def _on_export_clicked(self) -> None:
        path = still_open(  # not if the lock closed this meanwhile
            self,
            lambda: self.choose_save_path(self, "Export regulars", "regulars.csv", "CSV (*.csv)"),
        )
        if path is not None:
            self.export_to(path)

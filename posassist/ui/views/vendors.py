"""The partner vendor directory: a manager's list, an edit form, CSV import and export.

Every change goes through :class:`~posassist.services.vendors.VendorService` on the
worker; the service validates (opening hours in particular) and refuses with a message
next to the field.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QSortFilterProxyModel, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from posassist.errors import KnownError
from posassist.services.vendors import CSV_COLUMNS, VendorInput, VendorRecord, VendorService
from posassist.ui.feedback import MessageLine, show_error
from posassist.ui.formatting import plural
from posassist.ui.models.referrals import VendorTableModel
from posassist.ui.screen import fit_to_screen
from posassist.ui.theme import named
from posassist.ui.views.dialogs import _FormDialog
from posassist.ui.views.files import choose_open_path, choose_save_path, still_open
from posassist.ui.views.tables import read_only_table
from posassist.ui.workers import BackgroundOp, Worker

HOURS_HELP = "e.g. Mo-Fr 09:00-18:00; Sa 10:00-16:00; Su closed   (or 24/7)"


class VendorEditDialog(_FormDialog):
    """Add or edit one partner; Enter saves, a refusal points at its field."""

    def __init__(
        self,
        worker: Worker,
        save: Callable[[VendorInput], object],
        vendor: VendorRecord | None,
        parent: QWidget | None,
    ) -> None:
        super().__init__("Edit partner" if vendor else "Add a partner", worker, parent)
        self._save = save
        self.name = QLineEdit(vendor.name if vendor else "")
        self.address = QPlainTextEdit(vendor.address if vendor else "")
        self.address.setFixedHeight(70)
        self.phone = QLineEdit(vendor.phone if vendor else "")
        self.website = QLineEdit(vendor.website if vendor else "")
        self.hours = QLineEdit(vendor.hours if vendor else "")
        self.hours.setPlaceholderText(HOURS_HELP)
        self.categories = QLineEdit("; ".join(vendor.categories) if vendor else "")
        self.categories.setPlaceholderText("separated by ;  e.g. Audio; Repairs")
        self.keywords = QLineEdit("; ".join(vendor.keywords) if vendor else "")
        self.keywords.setPlaceholderText("what they carry, separated by ;")
        self.notes = QPlainTextEdit(vendor.notes if vendor else "")
        self.notes.setFixedHeight(70)
        self.active = QCheckBox("Active (shown in the finder)")
        self.active.setChecked(vendor.active if vendor else True)
        for label, key, widget in (
            ("Name", "name", self.name),
            ("Address", "address", self.address),
            ("Phone", "phone", self.phone),
            ("Website", "website", self.website),
            ("Opening hours", "hours", self.hours),
            ("Categories", "categories", self.categories),
            ("Keywords", "keywords", self.keywords),
            ("Notes", "notes", self.notes),
            ("", "active", self.active),
        ):
            self.add_field(label, key, widget)
        for edit in (self.name, self.phone, self.website, self.hours, self.categories):
            edit.returnPressed.connect(self._on_buttons_accepted)
        self.keywords.returnPressed.connect(self._on_buttons_accepted)
        self.name.setFocus()
        fit_to_screen(self)

    def value(self) -> VendorInput:
        def split(text: str) -> tuple[str, ...]:
            return tuple(p.strip() for p in text.replace(",", ";").split(";") if p.strip())

        return VendorInput(
            name=self.name.text(),
            address=self.address.toPlainText(),
            phone=self.phone.text(),
            website=self.website.text(),
            hours=self.hours.text(),
            categories=split(self.categories.text()),
            keywords=split(self.keywords.text()),
            notes=self.notes.toPlainText(),
            active=self.active.isChecked(),
        )

    def change(self) -> Callable[[], object]:
        value = self.value()
        return lambda: self._save(value)


class VendorsDialog(QDialog):
    """Ins adds, Enter edits, Del switches active/inactive; import and export as CSV."""

    def __init__(
        self, vendors: VendorService, worker: Worker, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.vendors = vendors
        self.worker = worker
        self.choose_save_path = choose_save_path
        self.choose_open_path = choose_open_path
        self.setWindowTitle("Partner vendors")
        self.resize(1300, 760)
        self.filter = named(QLineEdit(), "search")
        self.filter.setPlaceholderText("Filter partners by any word")
        self.filter.setClearButtonEnabled(True)
        self.model = VendorTableModel()
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.table = self._make_table()
        self.message = MessageLine()
        help_text = QLabel(f"CSV columns: {', '.join(CSV_COLUMNS)} (only name is required).")
        help_text.setObjectName("method")
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addWidget(help_text)
        layout.addLayout(self._make_buttons())
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.filter.installEventFilter(self)
        self.table.activated.connect(lambda _i: self.edit())
        QShortcut(QKeySequence("Ins"), self).activated.connect(self.add)
        QShortcut(QKeySequence("Del"), self).activated.connect(self.toggle_active)
        self.reload()
        self.filter.setFocus()
        fit_to_screen(self)

    def _make_table(self) -> QTableView:
        table = read_only_table(self.proxy, QHeaderView.ResizeMode.Interactive, stretch_last=False)
        table.setSortingEnabled(True)
        table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        return table

    def _make_buttons(self) -> QHBoxLayout:
        buttons = QHBoxLayout()
        actions: list[tuple[str, Callable[[], None]]] = [
            ("Ins  Add", self.add),
            ("Enter  Edit", self.edit),
            ("Del  Active / inactive", self.toggle_active),
            ("Import CSV…", self.import_csv),
            ("Export CSV…", self.export_csv),
        ]
        for text, slot in actions:
            button = QPushButton(text)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        close = QPushButton("Esc  Close")
        close.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        close.clicked.connect(self.reject)
        buttons.addWidget(close)
        return buttons

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """↓ from the filter goes into the list; Enter there edits the first match."""
        if watched is self.filter and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if self.proxy.rowCount():
                    if not self.table.selectionModel().selectedRows():
                        self.table.selectRow(0)
                    self.table.setFocus()
                    if event.key() != Qt.Key.Key_Down:
                        self.edit()
                return True
        return super().eventFilter(watched, event)

    def say(self, text: str, *, problem: bool = False) -> None:
        self.message.say(text, problem=problem)

    def reload(self, select: uuid.UUID | None = None) -> None:
        try:
            self.model.set_vendors(self.vendors.list())
        except KnownError as exc:
            show_error(self.message, exc)
            return
        self.table.resizeColumnsToContents()
        for col, width in ((2, 320), (4, 220), (5, 260)):
            if self.table.columnWidth(col) > width:
                self.table.setColumnWidth(col, width)
        if select is not None:
            for row in range(self.model.rowCount()):
                if self.model.vendor(row).id == select:
                    self.table.selectRow(self.proxy.mapFromSource(self.model.index(row, 0)).row())

    def selected(self) -> VendorRecord | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.vendor(self.proxy.mapToSource(rows[0]).row())

    def add(self) -> None:
        dialog = VendorEditDialog(self.worker, self.vendors.create, None, self)
        accepted = dialog.exec()
        self.activateWindow()  # keys (Ins, Del) belong to this window again
        if accepted and isinstance(dialog.saved, uuid.UUID):
            self.reload(select=dialog.saved)
            self.say("Partner added.")

    def edit(self) -> None:
        vendor = self.selected()
        if vendor is None:
            self.say("Choose a partner first (↓).", problem=True)
            return
        dialog = VendorEditDialog(
            self.worker, lambda v: self.vendors.update(vendor.id, v), vendor, self
        )
        accepted = dialog.exec()
        self.activateWindow()
        if accepted:
            self.reload(select=vendor.id)
            self.say("Partner saved.")

    def toggle_active(self) -> None:
        vendor = self.selected()
        if vendor is None:
            return
        state = "active again" if not vendor.active else "inactive (hidden from the finder)"

        def done(_: object) -> None:
            self.reload(select=vendor.id)
            self.say(f"{vendor.name} is {state}.")

        self._run(lambda: self.vendors.set_active(vendor.id, not vendor.active), done)

    def import_csv(self) -> None:
        path = still_open(  # not if the lock closed this meanwhile
            self,
            lambda: self.choose_open_path(self, "Import partners from CSV", "CSV files (*.csv)"),
        )
        if path is None:
            return

        def done(result: object) -> None:
            self.reload()
            self.say(str(result))

        self._run(lambda: self.vendors.import_csv(path), done, refused="Nothing was imported.")

    def export_csv(self) -> None:
        path = still_open(
            self,
            lambda: self.choose_save_path(
                self, "Export partners", "partners.csv", "CSV files (*.csv)"
            ),
        )
        if path is None:
            return

        def done(count: object) -> None:
            assert isinstance(count, int)  # export_csv returns how many rows it wrote
            self.say(f"{plural(count, 'partner')} written to {path}.")

        self._run(lambda: self.vendors.export_csv(path), done)

    def _run(
        self, work: Callable[[], object], done: Callable[[object], None], *, refused: str = ""
    ) -> None:
        """A change or a file on the worker; a refusal is shown on the message line."""
        BackgroundOp(self.worker, work).success(done).failure(
            lambda exc: show_error(self.message, exc, prefix=refused)
        ).run_in_background()

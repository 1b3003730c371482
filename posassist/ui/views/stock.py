"""A manager updates this branch's stock: one product's count, or a whole stock file.

The count is written by :class:`~posassist.services.catalog.CatalogService` on the
worker and synced to every register; a refusal (an unknown SKU, a count that is no
whole number, a bad line in the file) is shown next to its field and nothing is written.
A stock file's result shows whole on the dialog's own line, and the dialog stays open
with what was typed in the form: an import never drops a count half entered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QLineEdit, QPushButton, QWidget

from posassist.ui.feedback import MessageLine, show_error
from posassist.ui.views.dialogs import _FormDialog
from posassist.ui.views.files import choose_open_path, still_open
from posassist.ui.workers import BackgroundOp, Worker

if TYPE_CHECKING:
    from posassist.services.catalog import CatalogService

TITLE = "Update this branch's stock"


class StockDialog(_FormDialog):
    """SKU and on hand (Enter saves the count, as of now), or "Import a stock file…"."""

    def __init__(self, catalog: CatalogService, worker: Worker, parent: QWidget | None) -> None:
        super().__init__(TITLE, worker, parent)
        self.catalog = catalog
        self.choose_open_path = choose_open_path  # tests answer instead of a native dialog
        self.sku = QLineEdit()
        self.sku.setPlaceholderText("scan or type the SKU")
        self.on_hand = QLineEdit()
        self.on_hand.setPlaceholderText("how many are on the shelf now")
        self.add_field("SKU", "sku", self.sku)
        self.add_field("On hand", "on_hand", self.on_hand)
        self.form.addRow(QLabel("Or a CSV with branch_code, sku, on_hand (optional as_of):"))
        self.imported = MessageLine()  # the import's result, whole (wraps)
        self.form.addRow(self.imported)
        self.import_button = QPushButton("&Import a stock file…")
        self.buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.import_button.clicked.connect(self.import_file)
        self.import_button.setAutoDefault(False)
        self.sku.returnPressed.connect(self.on_hand.setFocus)
        self.on_hand.returnPressed.connect(self._on_buttons_accepted)
        self.sku.setFocus()

    def showEvent(self, event: QShowEvent) -> None:
        """Enter in the SKU moves on to the count: OK must not be the default button (the
        button box makes it one when shown); Enter in the count saves."""
        super().showEvent(event)
        self.ok_button.setAutoDefault(False)
        self.ok_button.setDefault(False)

    def change(self) -> Callable[[], object]:
        sku, count = self.sku.text(), self.on_hand.text()
        return lambda: self.catalog.set_stock(sku, count)

    def import_file(self) -> None:
        path = still_open(  # not if the lock closed this meanwhile
            self, lambda: self.choose_open_path(self, "Import a stock file", "CSV files (*.csv)")
        )
        if path is None:
            return
        self.imported.say("")
        self.error.say("")
        BackgroundOp(self.worker, lambda: str(self.catalog.import_stock(path))).success(
            self._on_imported
        ).failure(lambda exc: show_error(self.error, exc, prefix="Nothing was imported.")).disable(
            self.ok_button, self.import_button
        ).run_in_background()

    def _on_imported(self, result: str) -> None:
        """Said here, in full; the form keeps the SKU and count typed (Esc closes)."""
        self.imported.say(result)
        self.sku.setFocus()

"""The Manager menu's actions: regulars, refitting, staff picks, this branch's stock, a
customer's data (export, erasure), importing a file.

Kept apart from the register window (``ui/main_window.py``) the way the corrections are
(``ui/views/corrections.py``): the window stays a list of keys, and what a manager does
less often, each opening its own dialog, lives here. Like everything in the window, a
write runs on the worker (:class:`~posassist.ui.workers.BackgroundOp`) and focus goes
back to the search box afterwards, ready for the next customer.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtWidgets import QMenu, QMessageBox

from posassist.ui.feedback import show_error
from posassist.ui.views.files import choose_save_path
from posassist.ui.views.staff import open_staff
from posassist.ui.workers import BackgroundOp

if TYPE_CHECKING:
    from posassist.services.customers import CustomerCard
    from posassist.ui.main_window import MainWindow

S = TypeVar("S")


class ManagerActions:
    """The window's Manager menu and what its entries open."""

    def __init__(self, window: MainWindow) -> None:
        """Regulars, refitting the model, staff picks, erasure on request, stock; the
        corrections add their manager entries below (``menu``)."""
        self.window = w = window
        self.menu: QMenu = window.menuBar().addMenu("&Manager")
        menu, gate = self.menu, w.gate  # each behind its check: a cashier is asked a PIN
        gate.add(menu, "&Regulars…", "regulars", self.show_regulars, "Ctrl+R")
        gate.add(menu, "Re&fit repeat-visitor model now", "reports", w.refit_standing)
        gate.add(menu, "&Staff picks…", "edit_picks", self.edit_picks).setEnabled(
            bool(w.services.picks)
        )
        menu.addSeparator()
        self.choose_save_path = choose_save_path  # tests answer instead of a native dialog
        self.export_action = gate.add(
            menu, "E&xport this customer's data…", "export", self.export_customer
        )
        self.export_action.setEnabled(w.services.exports is not None)
        self.erase_action = gate.add(
            menu, "&Erase this customer's personal data…", "erase", self.erase_customer
        )
        self.erase_action.setEnabled(w.services.privacy is not None)
        stock = gate.add(menu, "Update this branch's &stock…", "edit_stock", self.update_stock)
        stock.setEnabled(w.services.catalog is not None)
        gate.add(menu, "&Import a file…", "import", self.import_file).setEnabled(
            w.services.imports is not None
        )
        menu.addSeparator()
        settings = gate.add(menu, "Se&ttings…", "settings", self.edit_settings)
        settings.setEnabled(w.services.settings is not None)
        gate.add(menu, "St&aff…", "staff", lambda: open_staff(w)).setEnabled(
            bool(w.services.staff_desk)
        )

    def edit_settings(self) -> None:
        """Manager → Settings… (``ui/views/settings.py``); the service refuses a cashier."""
        from posassist.ui.views.settings import SettingsDialog

        w = self.window
        if w.services.settings is not None:
            dialog = SettingsDialog(w.services.settings, w.worker, w)
            if dialog.exec():
                w.say("Settings saved." if dialog.saved else "Nothing was changed.")
        w.search.focus_box()

    def update_stock(self) -> None:
        """A count or a stock file for this branch (``ui/views/stock.py``)."""
        from posassist.ui.views.stock import StockDialog

        w = self.window
        if w.services.catalog is not None:
            dialog = StockDialog(w.services.catalog, w.worker, w)
            if dialog.exec() and dialog.saved:
                w.say(str(dialog.saved))
        w.search.focus_box()

    def import_file(self) -> None:
        """The till's history or a reference file (``ui/views/import_dialog.py``); after a
        committed import the card reloads and "also bought" is rebuilt on the worker."""
        from posassist.ui.views.import_dialog import ImportDialog

        w = self.window
        if w.services.imports is not None:
            dialog = ImportDialog(w.services.imports, w.worker, w, w.gate.carry)
            dialog.imported.connect(lambda _report: w.refresh_also_bought())
            dialog.exec()
            if dialog.committed is not None:
                w.reload_card()  # its visits may have grown
                w.say(f"Imported {dialog.committed.path.name}.")
        w.search.focus_box()

    def show_regulars(self) -> None:
        """Ctrl+R: the list is computed on the worker; the dialog fills when it arrives."""
        from posassist.ui.views.regulars import RegularsDialog

        w = self.window
        standing = w.services.customers.standing
        tz = w.card.timeline_model.tz
        dialog = RegularsDialog(standing.export_regulars, w.worker, w)
        dialog.open_requested.connect(w.open_customer)

        def done(rows: object) -> None:
            fit = standing.fit
            note = (
                f"As of the last refit ({fit.fitted_at.astimezone(tz):%d %b %H:%M}, {fit.method})."
                if fit
                else "The repeat-visitor model has not been fitted yet."
            )
            dialog.show_rows(rows, note)  # type: ignore[arg-type]

        BackgroundOp(w.worker, standing.regulars_ready).success(done).failure(
            lambda exc: show_error(dialog.count, exc, prefix="Could not prepare the list:")
        ).run_in_background()
        dialog.exec()
        w.search.focus_box()

    def edit_picks(self) -> None:
        """Manager → Staff picks…: fill, replace or remove one category's pick."""
        from posassist.ui.views.picks import PickEditorDialog

        w = self.window
        picks, staff = w.services.picks, w.services.staff_label
        if picks is not None:
            dialog = PickEditorDialog(picks, w.worker, staff, w)
            if dialog.exec():
                w.say("Staff pick removed." if dialog.removed else "Staff pick saved.")
        w.search.focus_box()

    def _open_card_and(self, service: S | None) -> tuple[CustomerCard, S] | None:
        """The open customer's card and ``service``, or None after saying to open one.
        (Who may act was checked before: the gate asked a cashier for a manager's PIN.)"""
        card = self.window.card.card
        if card is None or service is None:
            self.window.say("Open the customer first.")
            return None
        return card, service

    def export_customer(self) -> None:
        """On the customer's request: everything held on them, as JSON and a readable PDF
        beside it (``services/customer_export.py``), written on the worker."""
        w = self.window
        opened = self._open_card_and(w.services.exports)
        if opened is None:
            return
        card, exports = opened
        path = self.choose_save_path(
            w, "Export this customer's data", "customer-data.json", "JSON (*.json)"
        )
        if w.locked():  # it locked while the (native) file dialog was open: nothing
            return
        if path is None:
            w.search.focus_box()
            return

        def exported(paths: tuple[Path, Path]) -> None:
            w.say(f"Exported to {paths[0].name} and {paths[1].name} in {paths[0].parent}.")
            w.search.focus_box()

        export = w.gate.carry(lambda: exports.export(card.id, path))  # approved, if it was
        BackgroundOp(w.worker, export).success(exported).failure(
            lambda exc: show_error(w.message_label, exc, prefix="Not exported:")
        ).disable(self.export_action).run_in_background()

    def erase_customer(self) -> None:
        """On the customer's request: wipe their personal data here and, by sync, everywhere.

        Their visits stay as anonymous facts (the store's history stays true); name, contact
        details, card and notes are gone. Asked twice, because it cannot be undone.
        """
        w = self.window
        opened = self._open_card_and(w.services.privacy)
        if opened is None:
            return
        card, privacy = opened
        answer = QMessageBox.question(
            w,
            "Erase personal data",
            f"Erase {card.display_name}'s name, contact details, card and notes on every "
            "register? This cannot be undone. Their visits stay, without a name.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            w.search.focus_box()
            return

        def erased(_: object) -> None:
            if w.card.card is not None and w.card.card.id == card.id:
                w.close_card()
                w.search.clear()
            w.say("The customer's personal data was erased.")
            w.search.focus_box()

        erase = w.gate.carry(lambda: privacy.erase_customer(card.id))  # approved, if it was
        BackgroundOp(w.worker, erase).success(erased).failure(
            lambda exc: show_error(w, exc)
        ).disable(self.erase_action).run_in_background()

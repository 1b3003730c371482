"""The register's keys, in one table: F1 shows it, and the README's key table matches it.

A test compares :data:`REGISTER_KEYS` with the README, so the help on screen and the
manual cannot drift apart.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from posassist.ui.models.base import RowsTableModel
from posassist.ui.screen import fit_to_screen
from posassist.ui.views.tables import read_only_table

# (key, what it does), in the order a cashier meets them.
REGISTER_KEYS: tuple[tuple[str, str], ...] = (
    ("F1", "show this list of keys"),
    ("F2", "jump to the search box"),
    (
        "type / scan",
        "search as you type: phone in any format, loyalty card (scanner), email, last 4 "
        "digits of a phone, or part of a name — typos are forgiven",
    ),
    ("Enter", "open the best match (↓ to pick another from the list)"),
    ("Esc", "clear the search (and close the card)"),
    ("F3", "add a new customer (what you typed is filled in)"),
    ("F5", "log a purchase (basket total and items optional)"),
    ("F6", "log help given with no sale (no card open: a walk-in)"),
    ("F7", "log a question answered (no card open: a walk-in)"),
    ("F8", "log feedback"),
    ("F9", "edit notes and preferences"),
    ("Ctrl+Enter", "save a dialog, also from a multi-line field (Tab moves to the next field)"),
    ("F4", "find elsewhere: we don't carry what the customer asks for — who does?"),
    ("F11", "staff picks: “what's good here?” — each category's top three, who picked and why"),
    ("F12", "a partner sent this customer: log the referral that came in"),
    (
        "Ctrl+H",
        "holds between branches: the queue of holds kept here and asked of others (A accept, "
        "R ready, W on its way, C collected, X cancel, P print the held-for-you slip)",
    ),
    ("Ctrl+R", "regulars and lapsing regulars (Enter opens the customer)"),
    ("Ctrl+Z", "undo this register's last log (within 10 minutes)"),
    ("Ctrl+E", "edit the open customer's name, phone, e-mail or card"),
    ("Ctrl+I", "show the open customer's contact details (until the card closes; recorded)"),
    ("Ctrl+L", "lock the register / switch staff (the next person signs in with their PIN)"),
)


class _KeysModel(RowsTableModel[tuple[str, str]]):
    HEADERS = ("Key", "Does")

    def cell(self, row: tuple[str, str], column: int, role: int) -> str:
        return row[column]


class KeyMapDialog(QDialog):
    """F1: the keys, read-only; Esc or Enter closes it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keys at the register")
        self.model = _KeysModel()
        self.model.set_rows(REGISTER_KEYS)
        self.table = read_only_table(self.model)
        self.table.setWordWrap(True)
        self.table.resizeRowsToContents()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.buttons)
        self.resize(900, 640)
        fit_to_screen(self)

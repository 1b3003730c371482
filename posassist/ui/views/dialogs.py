"""Small dialogs for the register: add a customer, log an interaction, edit notes.

Each dialog validates through the service it is given and shows a refusal next to the
field it names, keeping everything typed so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from posassist.domain.money import AmountError, parse_amount
from posassist.errors import InvalidInputError
from posassist.services.interactions import LineItem
from posassist.ui.formatting import kind_label
from posassist.ui.theme import named


class _FormDialog(QDialog):
    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(560)
        self.form = QFormLayout()
        self.error = named(QLabel(), "error")
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.fields: dict[str, QWidget] = {}

    def show_error(self, exc: InvalidInputError) -> None:
        self.error.setText(exc.message)
        self.error.show()
        widget = self.fields.get(exc.field)
        if widget is not None:
            widget.setFocus()

    def submit(self) -> None:  # overridden
        raise NotImplementedError

    def _on_buttons_accepted(self) -> None:
        try:
            self.submit()
        except InvalidInputError as exc:
            self.show_error(exc)
            return
        self.accept()


class NewCustomerDialog(_FormDialog):
    def __init__(self, create: Callable[..., object], prefill: str, parent: QWidget | None) -> None:
        super().__init__("New customer", parent)
        self._create = create
        self.result_id: object = None
        self.name = QLineEdit()
        self.phone = QLineEdit()
        self.email = QLineEdit()
        self.card = QLineEdit()
        self.consent = QCheckBox("Customer agrees we keep their phone / email")
        self.notes = QPlainTextEdit()
        self.notes.setFixedHeight(80)
        for label, key, widget in (
            ("Name", "name", self.name),
            ("Phone (optional)", "phone", self.phone),
            ("Email (optional)", "email", self.email),
            ("Card (optional)", "card", self.card),
            ("", "consent", self.consent),
            ("Note", "note", self.notes),
        ):
            self.form.addRow(label, widget)
            self.fields[key] = widget
        text = prefill.strip()
        target = (
            self.email if "@" in text else self.phone if text[:1] in "+0123456789(" else self.name
        )
        target.setText(text)
        self.name.setFocus()

    def submit(self) -> None:
        from posassist.services.customers import NewCustomer

        self.result_id = self._create(
            NewCustomer(
                display_name=self.name.text(),
                phone=self.phone.text(),
                email=self.email.text(),
                card_code=self.card.text(),
                consent_contact=self.consent.isChecked(),
                notes=self.notes.toPlainText(),
            )
        )


def parse_money(text: str) -> int | None:
    """'12.50' or '12,50' → 1250 minor units; '' → None (see domain/money.py for the rules).

    Raises InvalidInputError naming the basket field for anything else, so the dialog shows
    the reason next to the field instead of crashing.
    """
    try:
        return parse_amount(text)
    except AmountError as exc:
        raise InvalidInputError("basket", f"{exc}.") from exc


class InteractionDialog(_FormDialog):
    """Opened by one F-key; Enter logs it. Two keystrokes in all."""

    def __init__(self, kind: str, log: Callable[..., object], parent: QWidget | None) -> None:
        super().__init__(kind_label(kind), parent)
        self._kind = kind
        self._log = log
        self.basket = QLineEdit()
        self.basket.setPlaceholderText("optional, e.g. 12.50")
        self.items = QLineEdit()
        self.items.setPlaceholderText("optional, separated by ;")
        self.note = QLineEdit()
        self.note.setPlaceholderText("optional")
        if kind == "purchase":
            self.form.addRow("Basket total", self.basket)
            self.form.addRow("Items", self.items)
            self.fields.update(basket=self.basket, items=self.items)
        self.form.addRow("Note", self.note)
        self.fields["note"] = self.note
        first = self.basket if kind == "purchase" else self.note
        first.setFocus()
        for edit in (self.basket, self.items, self.note):
            edit.returnPressed.connect(self._on_buttons_accepted)

    def submit(self) -> None:
        basket = parse_money(self.basket.text()) if self._kind == "purchase" else None
        items = [LineItem(part.strip()) for part in self.items.text().split(";") if part.strip()]
        self._log(self._kind, basket_minor=basket, items=items, note=self.note.text())


class NotesDialog(_FormDialog):
    def __init__(
        self, notes: str, preferences: str, save: Callable[[str, str], None], parent: QWidget | None
    ) -> None:
        super().__init__("Notes and preferences", parent)
        self._save = save
        self.notes = QPlainTextEdit(notes)
        self.preferences = QPlainTextEdit(preferences)
        self.form.addRow("Notes", self.notes)
        self.form.addRow("Likes / preferences", self.preferences)
        self.fields.update(note=self.notes, preferences=self.preferences)
        self.notes.setFocus()

    def submit(self) -> None:
        self._save(self.notes.toPlainText(), self.preferences.toPlainText())

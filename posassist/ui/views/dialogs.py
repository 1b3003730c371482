"""Small dialogs for the register: add a customer, log an interaction, edit notes.

Each dialog saves through the service it is given, on the worker, and shows a refusal
next to the field it names, keeping everything typed so nothing is lost.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from posassist.domain.money import AmountError, parse_amount
from posassist.errors import InvalidInputError
from posassist.services.customers import NewCustomer
from posassist.services.interactions import LineItem
from posassist.ui.feedback import MessageLine, mark_field, show_error
from posassist.ui.screen import fit_to_screen
from posassist.ui.theme import named
from posassist.ui.workers import BackgroundOp, Worker

# The window title and first line of each logging dialog, before the customer's name.
LOG_TITLES = {
    "purchase": "Log a purchase",
    "service": "Log help given, no sale",
    "question": "Log a question answered",
    "feedback": "Log feedback",
}


def _value(widget: QWidget) -> object:
    if isinstance(widget, QLineEdit):
        return widget.text()
    if isinstance(widget, QPlainTextEdit | QTextEdit):
        return widget.toPlainText()
    if isinstance(widget, QAbstractButton):
        return widget.isChecked()
    return None


class _FormDialog(QDialog):
    """A form whose OK saves on the worker: the answer closes it or points at a field.

    Subclasses implement :meth:`change`: it reads the fields here, on the GUI thread, and
    returns the work that saves them, which runs off it. OK stays disabled (and Esc
    waits) until the answer is back, so a change is never submitted twice.
    """

    def __init__(
        self, title: str, worker: Worker, parent: QWidget | None, customer: str = ""
    ) -> None:
        super().__init__(parent)
        # Whom this is for, in the title bar and the first line: never the wrong customer.
        self.customer = customer
        heading = f"{title} — {customer}" if customer else title
        self.setWindowTitle(heading)
        self.heading = named(QLabel(heading), "dialogHeading")
        self.heading.setWordWrap(True)
        self.setMinimumWidth(560)
        self.worker = worker
        self.saved: object = None  # what the change returned (a new customer's id)
        self.form = QFormLayout()
        self.error = MessageLine("error")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.fields: dict[str, QWidget] = {}
        self._shown_values: dict[str, object] | None = None
        for keys in ("Ctrl+Return", "Ctrl+Enter"):  # saves from a multi-line field too
            QShortcut(QKeySequence(keys), self).activated.connect(self._on_buttons_accepted)

    def add_field(self, label: str, key: str, widget: QWidget) -> None:
        """A form row for the field services call ``key`` in their refusals.

        In a multi-line field Tab moves on (as everywhere else) instead of typing a tab.
        """
        if isinstance(widget, QPlainTextEdit | QTextEdit):
            widget.setTabChangesFocus(True)
            widget.installEventFilter(self)  # Ctrl+Enter saves instead of a new line
        self.form.addRow(label, mark_field(widget, key))
        self.fields[key] = widget

    def add_contact_fields(
        self,
        name: str = "",
        phone: str = "",
        email: str = "",
        card: str = "",
        consent: bool = False,
    ) -> None:
        """Name, phone, e-mail, card and consent: the same rows (and field keys, for the
        services' refusals) when a customer is added and when one is edited."""
        self.name = QLineEdit(name)
        self.phone = QLineEdit(phone)
        self.email = QLineEdit(email)
        self.card = QLineEdit(card)
        self.consent = QCheckBox("Customer agrees we keep their phone / email")
        self.consent.setChecked(consent)
        for label, key, widget in (
            ("Name", "name", self.name),
            ("Phone (optional)", "phone", self.phone),
            ("Email (optional)", "email", self.email),
            ("Card (optional)", "card", self.card),
            ("", "consent", self.consent),
        ):
            self.add_field(label, key, widget)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride)
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            if event.type() == QEvent.Type.KeyPress:
                self._on_buttons_accepted()
            event.accept()
            return True
        return super().eventFilter(watched, event)

    def showEvent(self, event: QShowEvent) -> None:
        if self._shown_values is None:  # what the fields held before anyone typed
            self._shown_values = self._values()
        super().showEvent(event)

    def _values(self) -> dict[str, object]:
        return {key: _value(widget) for key, widget in self.fields.items()}

    def typed(self) -> bool:
        """Whether someone changed a field since the dialog opened."""
        return self._shown_values is not None and self._values() != self._shown_values

    def save(self) -> None:
        """Save as OK does (the answer closes the dialog, or points at a field)."""
        self._on_buttons_accepted()

    def change(self) -> Callable[[], object]:  # overridden
        raise NotImplementedError

    def _on_buttons_accepted(self) -> None:
        if not self.ok_button.isEnabled():
            return  # Enter again while the last OK is being saved
        try:
            work = self.change()
        except InvalidInputError as exc:  # refused before saving (an amount that is not one)
            show_error(self.error, exc)
            return
        BackgroundOp(self.worker, work).success(self._on_saved).failure(
            lambda exc: show_error(self.error, exc)
        ).disable(self.ok_button).run_in_background()

    def _on_saved(self, result: object) -> None:
        self.saved = result
        self.accept()

    def reject(self) -> None:
        if self.ok_button.isEnabled():  # else the save's answer closes the dialog
            super().reject()


class NewCustomerDialog(_FormDialog):
    def __init__(
        self,
        worker: Worker,
        create: Callable[[NewCustomer], uuid.UUID],
        prefill: str,
        parent: QWidget | None,
    ) -> None:
        super().__init__("New customer", worker, parent)
        self._create = create
        self.add_contact_fields()
        self.notes = QPlainTextEdit()
        self.notes.setFixedHeight(80)
        self.add_field("Note", "note", self.notes)
        text = prefill.strip()
        target = (
            self.email if "@" in text else self.phone if text[:1] in "+0123456789(" else self.name
        )
        target.setText(text)
        self.name.setFocus()
        fit_to_screen(self)

    def change(self) -> Callable[[], uuid.UUID]:
        new = NewCustomer(
            display_name=self.name.text(),
            phone=self.phone.text(),
            email=self.email.text(),
            card_code=self.card.text(),
            consent_contact=self.consent.isChecked(),
            notes=self.notes.toPlainText(),
        )
        return lambda: self._create(new)


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

    def __init__(
        self,
        worker: Worker,
        kind: str,
        log: Callable[..., object],
        parent: QWidget | None,
        customer: str = "",
    ) -> None:
        super().__init__(LOG_TITLES.get(kind, f"Log {kind}"), worker, parent, customer)
        self._kind = kind
        self._log = log
        self.basket = QLineEdit()
        self.basket.setPlaceholderText("optional, e.g. 12.50")
        self.items = QLineEdit()
        self.items.setPlaceholderText("optional, separated by ;")
        self.note = QLineEdit()
        self.note.setPlaceholderText("optional")
        if kind == "purchase":
            self.add_field("Basket total", "basket", self.basket)
            self.add_field("Items", "items", self.items)
        self.add_field("Note", "note", self.note)
        first = self.basket if kind == "purchase" else self.note
        first.setFocus()
        for edit in (self.basket, self.items, self.note):
            edit.returnPressed.connect(self._on_buttons_accepted)
        fit_to_screen(self)

    def change(self) -> Callable[[], object]:
        basket = parse_money(self.basket.text()) if self._kind == "purchase" else None
        items = [LineItem(part.strip()) for part in self.items.text().split(";") if part.strip()]
        kind, note = self._kind, self.note.text()
        return lambda: self._log(kind, basket_minor=basket, items=items, note=note)


class NotesDialog(_FormDialog):
    def __init__(
        self,
        worker: Worker,
        notes: str,
        preferences: str,
        save: Callable[[str, str], None],
        parent: QWidget | None,
        customer: str = "",
    ) -> None:
        super().__init__("Notes and preferences", worker, parent, customer)
        self._save = save
        self.notes = QPlainTextEdit(notes)
        self.preferences = QPlainTextEdit(preferences)
        self.add_field("Notes", "note", self.notes)
        self.add_field("Likes / preferences", "preferences", self.preferences)
        self.notes.setFocus()
        fit_to_screen(self)

    def change(self) -> Callable[[], None]:
        notes, preferences = self.notes.toPlainText(), self.preferences.toPlainText()
        return lambda: self._save(notes, preferences)

"""Manager → Staff…: who may sign in here, in which role, with which PIN.

A thin view over :class:`~posassist.services.staff.StaffService`: the list, and Add,
Disable, Make manager / cashier and Reset PIN. Every call goes to the worker (a PIN is
hashed with scrypt, slow on purpose), and each answer reloads the list, so what is shown
is what the store holds. A refusal that names a field (a short PIN, a name already in
use) shows in red under that field; any other on the dialog's message line. A PIN is
typed twice, never shown, and the fields are emptied once the dialog closes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from posassist.domain.pins import PIN_MAX, PIN_MIN
from posassist.errors import InvalidInputError
from posassist.services import access
from posassist.services.staff import StaffService, StaffView
from posassist.ui.feedback import MessageLine, mark_field, show_error
from posassist.ui.models.staff import StaffModel
from posassist.ui.screen import fit_to_screen
from posassist.ui.theme import named
from posassist.ui.workers import BackgroundOp, Worker

if TYPE_CHECKING:
    from posassist.ui.main_window import MainWindow

TITLE = "Staff accounts"
Carry = Callable[[Callable[[], Any]], Callable[[], Any]]


def open_staff(window: MainWindow) -> None:
    """The Manager menu's entry (behind the gate's "staff" check)."""
    desk = window.services.staff_desk
    if desk is not None:
        StaffDialog(desk.staff, window.worker, window, carry=window.gate.carry).exec()
    window.search.focus_box()


def _confirm(parent: QWidget, title: str, text: str) -> bool:
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def _pin_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setMaxLength(PIN_MAX)
    edit.setPlaceholderText(f"{PIN_MIN}–{PIN_MAX} digits")
    return edit


class AccountForm(QDialog):
    """Name, role and PIN for a new account, or only the PIN for a reset.

    ``save(name, role, pin)`` runs on the worker; a refusal naming ``name``, ``role`` or
    ``pin`` shows under that field, the PIN typed twice differently under the second.
    """

    def __init__(
        self,
        title: str,
        worker: Worker,
        save: Callable[[str, str, str], StaffView],
        parent: QWidget | None,
        *,
        name: str = "",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.worker, self._save = worker, save
        self.saved: StaffView | None = None
        self.fixed_name = name
        self.name, self.role = QLineEdit(), QComboBox()
        self.role.addItems(list(access.ROLES))
        self.pin, self.confirm = _pin_edit(), _pin_edit()
        self.messages: dict[str, QLabel] = {}
        self.error = MessageLine("error")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(named(QLabel(f"{title} — {name}" if name else title), "dialogHeading"))
        form = QFormLayout()
        rows: list[tuple[str, str, QWidget]] = [
            ("PIN", "pin", self.pin),
            ("PIN again", "pin_confirm", self.confirm),
        ]
        if not name:
            rows[:0] = [("Name", "name", self.name), ("Role", "role", self.role)]
        for label, key, widget in rows:
            form.addRow(label, self._cell(key, widget))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.name.returnPressed.connect(self.pin.setFocus)
        self.pin.returnPressed.connect(self.confirm.setFocus)
        self.confirm.returnPressed.connect(self.submit)
        self.setMinimumWidth(420)
        fit_to_screen(self)
        (self.pin if name else self.name).setFocus()

    def _cell(self, key: str, widget: QWidget) -> QWidget:
        message = named(QLabel(), "error")
        message.setWordWrap(True)
        message.hide()
        self.messages[key] = message
        if isinstance(widget, QLineEdit):
            widget.textChanged.connect(lambda _t, k=key: self.say_at(k, ""))
        cell = QWidget()
        box = QVBoxLayout(cell)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(1)
        box.addWidget(mark_field(widget, key))
        box.addWidget(message)
        return cell

    def showEvent(self, event: QShowEvent) -> None:
        """Enter moves from field to field and saves from the second PIN: OK must not be
        the default button (the button box makes it one when shown)."""
        super().showEvent(event)
        self.ok_button.setAutoDefault(False)
        self.ok_button.setDefault(False)

    def say_at(self, key: str, text: str) -> None:
        """``text`` in red under field ``key`` ("" hides it)."""
        self.messages[key].setText(text)
        self.messages[key].setVisible(bool(text))

    def message(self, key: str) -> str:
        label = self.messages[key]
        return label.text() if label.isVisibleTo(self) else ""

    def submit(self) -> None:
        if not self.ok_button.isEnabled():
            return  # Enter again while the last one is being saved
        name = self.fixed_name or self.name.text()
        role, pin = self.role.currentText(), self.pin.text()
        if pin != self.confirm.text():
            self.refused(InvalidInputError("pin_confirm", "The two PINs differ: type it again."))
            return
        save = self._save
        BackgroundOp(self.worker, lambda: save(name, role, pin)).success(self._on_saved).failure(
            self.refused
        ).disable(self.ok_button).run_in_background()

    def refused(self, exc: BaseException) -> None:
        """Under the field the refusal names, else on the message line."""
        key = exc.field if isinstance(exc, InvalidInputError) else ""
        if key not in self.messages:
            show_error(self.error, exc)
            return
        self.error.say("")
        if key in ("pin", "pin_confirm"):  # typed again, both: never half of a PIN kept
            self.pin.clear()
            self.confirm.clear()
            self.pin.setFocus()
        else:
            widget = {"name": self.name, "role": self.role}[key]
            widget.setFocus()
        self.say_at(key, str(exc))

    def _on_saved(self, view: StaffView) -> None:
        self.saved = view
        self.accept()

    def reject(self) -> None:
        if self.ok_button.isEnabled():  # else the save's answer closes the form
            super().reject()

    def done(self, result: int) -> None:
        self.pin.clear()  # a PIN never stays in a closed dialog
        self.confirm.clear()
        super().done(result)


class StaffDialog(QDialog):
    """The list of accounts and what a manager does with them (see the module's text).

    ``carry`` wraps each service call for the worker (the window's ``gate.carry``: an
    approved manager's rights go with the work). ``confirm`` asks yes or no (tests answer).
    """

    def __init__(
        self,
        staff: StaffService,
        worker: Worker,
        parent: QWidget | None,
        *,
        carry: Carry | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self.staff, self.worker = staff, worker
        self._carry: Carry = carry or (lambda op: op)
        self.confirm: Callable[[QWidget, str, str], bool] = _confirm
        self.form: AccountForm | None = None  # the Add / Reset PIN form while open
        self.model = StaffModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.message = MessageLine()
        self._buttons()
        self._lay_out()
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._follow())
        self.reload()

    def _buttons(self) -> None:
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        role = QDialogButtonBox.ButtonRole.ActionRole
        self.add_button = QPushButton("&Add…")
        self.disable_button = QPushButton("&Disable…")
        self.role_button = QPushButton("Make &manager")
        self.pin_button = QPushButton("Reset &PIN…")
        for button, slot in (
            (self.add_button, self.add_account),
            (self.disable_button, self.disable_selected),
            (self.role_button, self.toggle_role),
            (self.pin_button, self.reset_pin),
        ):
            button.setAutoDefault(False)
            button.clicked.connect(slot)
            self.buttons.addButton(button, role)

    def _lay_out(self) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(named(QLabel(TITLE), "dialogHeading"))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(760, 480)
        fit_to_screen(self)

    # -- the list ----------------------------------------------------------------------
    def selected(self) -> StaffView | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _follow(self) -> None:
        """The buttons follow the chosen account (a disabled one can only get a PIN)."""
        view = self.selected()
        active = view is not None and view.active
        self.disable_button.setEnabled(active)
        self.role_button.setEnabled(active)
        self.pin_button.setEnabled(view is not None)
        manager = view is not None and view.is_manager
        self.role_button.setText("Make &cashier" if manager else "Make &manager")

    def reload(self, select: str = "") -> None:
        """The accounts and branch codes, read on the worker; ``select`` by name."""
        staff = self.staff

        def shown(result: tuple[list[StaffView], dict[Any, str]]) -> None:
            before = self.selected()
            keep = select or (before.name if before is not None else "")
            self.model.set_accounts(*result)
            names = [v.name for v in self.model.rows()]
            self.table.selectRow(names.index(keep) if keep in names else 0)
            self._follow()

        self._run(lambda: (staff.accounts(), staff.branch_codes()), shown)

    def _run(self, op: Callable[[], Any], then: Callable[[Any], None]) -> None:
        BackgroundOp(self.worker, self._carry(op)).success(then).failure(
            lambda exc: show_error(self.message, exc)
        ).disable(
            self.add_button, self.disable_button, self.role_button, self.pin_button
        ).run_in_background()

    def _done(self, words: str) -> Callable[[StaffView], None]:
        def told(view: StaffView) -> None:
            self.message.say(words.format(name=view.name))
            self.reload(view.name)

        return told

    # -- the actions -------------------------------------------------------------------
    def add_account(self) -> None:
        staff, carry = self.staff, self._carry

        def save(name: str, role: str, pin: str) -> StaffView:
            view: StaffView = carry(lambda: staff.add(name, role, pin))()
            return view

        self._form(AccountForm("Add a staff account", self.worker, save, self), "{name} added.")

    def reset_pin(self) -> None:
        view = self.selected()
        if view is None:
            return
        staff, carry = self.staff, self._carry

        def save(name: str, _role: str, pin: str) -> StaffView:
            view: StaffView = carry(lambda: staff.set_pin(name, pin))()
            return view

        form = AccountForm("Reset the PIN", self.worker, save, self, name=view.name)
        self._form(form, "{name} has a new PIN.")

    def _form(self, form: AccountForm, words: str) -> None:
        self.form = form
        form.finished.connect(lambda _r: self._form_closed(form, words))
        form.open()

    def _form_closed(self, form: AccountForm, words: str) -> None:
        self.form = None
        if form.saved is not None:
            self._done(words)(form.saved)
        form.deleteLater()
        self.table.setFocus()

    def disable_selected(self) -> None:
        view = self.selected()
        if view is None or not view.active:
            return
        question = f"Disable {view.name}'s account? They can no longer sign in, here or anywhere."
        if not self.confirm(self, "Disable an account", question):
            return
        staff, name = self.staff, view.name
        self._run(lambda: staff.disable(name), self._done("{name}'s account is disabled."))

    def toggle_role(self) -> None:
        view = self.selected()
        if view is None or not view.active:
            return
        role = access.CASHIER if view.is_manager else access.MANAGER
        staff, name = self.staff, view.name
        self._run(lambda: staff.set_role(name, role), self._done(f"{{name}} is now a {role}."))

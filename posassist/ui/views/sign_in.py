"""Who is at the register: the dialog that takes a name and a PIN.

One dialog for both uses of a PIN, so they look and behave alike: signing in at a locked
register (everyone who may sign in, this branch's people first) and a manager approving
one action at a cashier's register (managers only, ``ui/views/approval.py``). Keyboard
only: type part of a name to filter the list (↑/↓ pick), Enter or Tab goes to the PIN,
Enter checks it. The check is slow on purpose (scrypt), so it runs on the worker and the
dialog says "Checking…" meanwhile. The PIN lives in the field until Enter and in the
worker's call until it answers; the field is cleared after every try and the PIN is
never logged, shown or kept.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QRegularExpression, Qt
from PySide6.QtGui import QKeyEvent, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from posassist.domain.pins import PIN_MAX, PIN_MIN
from posassist.services.context import StoreContext
from posassist.services.staff import StaffService, StaffView
from posassist.ui.feedback import MessageLine, show_error
from posassist.ui.screen import fit_to_screen
from posassist.ui.workers import BackgroundOp, Worker

CHECKING = "Checking…"
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


@dataclass
class StaffDesk:
    """What the window needs for signing in, locking and approvals (built by the app)."""

    staff: StaffService
    ctx: StoreContext
    idle_lock_ms: int = 0  # no input for this long locks the register; 0 = never


def person_words(view: StaffView) -> str:
    """ "Casey Park · cashier": the list's line and the status bar's."""
    return f"{view.name} · {view.effective_role}"


class PinDialog(QDialog):
    """Choose who you are, type the PIN, Enter. ``signed`` is the person once accepted.

    ``check(staff_id, pin)`` runs on the worker and returns the person or raises a
    KnownError (a SignInError says why: wrong PIN and tries left, locked and for how long,
    disabled), which shows under the PIN field.
    """

    def __init__(
        self,
        worker: Worker,
        people: Sequence[StaffView],
        check: Callable[[uuid.UUID, str], StaffView],
        parent: QWidget | None = None,
        *,
        title: str = "Sign in",
        prompt: str = "Who are you? Type your name, then your PIN.",
        ok_text: str = "Sign in",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.worker, self._check = worker, check
        self.signed: StaffView | None = None
        self.closed = False  # finished (accepted, cancelled, Esc, or rejected by a lock)
        self.prompt = QLabel(prompt)
        self.prompt.setWordWrap(True)
        self.who = QLineEdit()
        self.who.setPlaceholderText("Type to find your name")
        self.people = QListWidget()
        for view in people:
            item = QListWidgetItem(person_words(view))
            item.setData(Qt.ItemDataRole.UserRole, view)
            self.people.addItem(item)
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(PIN_MAX)
        self.pin.setValidator(
            QRegularExpressionValidator(QRegularExpression(f"[0-9]{{0,{PIN_MAX}}}"), self.pin)
        )
        self.pin.setPlaceholderText(f"PIN ({PIN_MIN}–{PIN_MAX} digits)")
        self.message = MessageLine("error")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(ok_text)
        self.ok.setAutoDefault(False)
        self.ok.clicked.connect(self.try_pin)
        self.buttons.rejected.connect(self.reject)
        self._lay_out()
        self._keys = _Keys(self)
        self.who.installEventFilter(self._keys)
        self.pin.installEventFilter(self._keys)
        self.people.installEventFilter(self._keys)
        self.who.textChanged.connect(self._on_who_text_changed)
        self._on_who_text_changed("")
        self.who.setFocus()

    def _lay_out(self) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt)
        layout.addWidget(self.who)
        layout.addWidget(self.people, 1)
        layout.addWidget(QLabel("PIN"))
        layout.addWidget(self.pin)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(420, 420)
        fit_to_screen(self)

    # -- choosing who --------------------------------------------------------------
    def chosen(self) -> StaffView | None:
        item = self.people.currentItem()
        if item is None or item.isHidden():
            return None
        view = item.data(Qt.ItemDataRole.UserRole)
        return view if isinstance(view, StaffView) else None

    def _on_who_text_changed(self, text: str) -> None:
        """Only the names with every typed word in them; the first one is chosen."""
        words = text.casefold().split()
        first = None
        for row in range(self.people.count()):
            item = self.people.item(row)
            shown = all(w in item.text().casefold() for w in words)
            item.setHidden(not shown)
            if shown and first is None:
                first = item
        current = self.people.currentItem()
        if (current is None or current.isHidden()) and first is not None:
            self.people.setCurrentItem(first)

    def move_choice(self, step: int) -> None:
        """↑/↓ in the name field: the previous or next name still listed."""
        rows = [r for r in range(self.people.count()) if not self.people.item(r).isHidden()]
        if not rows:
            return
        now = self.people.currentRow()
        at = rows.index(now) if now in rows else -1
        self.people.setCurrentRow(rows[max(0, min(len(rows) - 1, at + step))])

    # -- the PIN ---------------------------------------------------------------------
    def try_pin(self) -> None:
        """Enter: check the PIN on the worker. The field is emptied at once, whatever
        the answer, so a PIN never stays on screen or in memory here."""
        person, pin = self.chosen(), self.pin.text()
        self.pin.clear()
        if person is None:
            self.message.say("Choose who you are first (type part of your name).", problem=True)
            self.who.setFocus()
            return
        if not PIN_MIN <= len(pin) <= PIN_MAX:
            self.message.say(f"A PIN has {PIN_MIN} to {PIN_MAX} digits.", problem=True)
            self.pin.setFocus()
            return
        self.message.say(CHECKING)
        check, staff_id = self._check, person.id
        BackgroundOp(self.worker, lambda: check(staff_id, pin)).success(self._on_signed).failure(
            self._on_refused
        ).disable(self.ok, self.pin, self.who, self.people).run_in_background()

    def done(self, result: int) -> None:
        """Closed once: a PIN's answer arriving after Esc, Cancel or a lock is ignored
        (accepting then would emit ``finished`` again and act on a closed dialog)."""
        self.closed = True
        super().done(result)

    def _on_signed(self, view: StaffView) -> None:
        if self.closed:
            return
        self.signed = view
        self.accept()

    def _on_refused(self, exc: BaseException) -> None:
        if self.closed:
            return
        show_error(self.message, exc)
        self.pin.setFocus()


class _Keys(QObject):
    """Enter in the name field goes to the PIN, Enter in the PIN checks it; ↑/↓ pick."""

    def __init__(self, dialog: PinDialog) -> None:
        super().__init__(dialog)
        self.dialog = dialog

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress:
            return False
        assert isinstance(event, QKeyEvent)
        d, key = self.dialog, event.key()
        if key in _ENTER:
            if watched is d.pin:
                d.try_pin()
            else:
                d.pin.setFocus()
            return True
        if watched is d.who and key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            d.move_choice(-1 if key == Qt.Key.Key_Up else 1)
            return True
        return False

"""The locked register: nothing of any customer on screen until someone signs in.

Locked means the search box is the only thing showing (card, results, hints, buttons,
menus, banners and the message line are hidden; every dialog is closed; menu items and
F-keys do nothing), and the status bar says "Locked". Typing or scanning into the box, or
Enter, opens the sign-in dialog; what was typed stays in the box and is searched once
someone signs in (a scanned card opens at once). The register locks at start-up when the
store has staff who sign in, on Ctrl+L (switching staff), after ``idle_lock_ms`` without a
key or a mouse press (one QTimer, restarted by an application event filter), and when a
sync brings the news that the person signed in was disabled.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QDialog, QToolBar, QWidget

from posassist.services import access
from posassist.services.signed_in import signed_in_is_active
from posassist.services.staff import StaffView
from posassist.ui.register_screen import LOCKED_BOX_WIDTH
from posassist.ui.views.search import PLACEHOLDER, SearchPanel
from posassist.ui.views.sign_in import PinDialog, StaffDesk, person_words
from posassist.ui.workers import BackgroundOp

if TYPE_CHECKING:
    from posassist.ui.main_window import MainWindow

log = logging.getLogger(__name__)
LOCK_KEY = "Ctrl+L"
LOCKED_PLACEHOLDER = "Locked — press Enter or start typing to sign in"
# Typed keys wait this long for the next before the dialog opens: a scanner's burst
# (a few ms a key, then Enter) finishes first and is taken whole, as a scan.
OPEN_AFTER_MS = 150
QWIDGETSIZE_MAX = (1 << 24) - 1
_ACTIVITY = (
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
)
_SIGN_OUT_WAIT_S = 30.0


class RegisterLock(QObject):
    """The window's lock: who is signed in, the idle timer, and what locking hides."""

    def __init__(self, window: MainWindow, desk: StaffDesk) -> None:
        super().__init__(window)
        self.window, self.desk = window, desk
        self.locked = False
        self.dialog: PinDialog | None = None
        self._pending_scan: str | None = None
        self._shown: list[tuple[QWidget, bool]] = []
        self._enabled: list[tuple[QAction | QShortcut, bool]] = []
        self._signed_out = threading.Event()  # no sign-out still being written
        self._signed_out.set()
        self._idle = QTimer(self, singleShot=True, interval=max(desk.idle_lock_ms, 1))
        self._idle.timeout.connect(self._on_idle_timeout)
        self._open_soon = QTimer(self, singleShot=True, interval=OPEN_AFTER_MS)
        self._open_soon.timeout.connect(self.ask_sign_in)
        self.shortcut = QShortcut(QKeySequence(LOCK_KEY), window)
        self.shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.shortcut.activated.connect(self._on_lock_key)
        self._keys = _LockedKeys(self)
        window.search.box.installEventFilter(self._keys)
        window.search.box.textEdited.connect(self._on_box_edited)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def start(self) -> None:
        """Locked if anyone can sign in with a PIN; else the register works as before."""
        if self.desk.staff.can_sign_in():
            self.desk.ctx.sign_in(None, "", access.CASHIER)  # nobody yet: nothing to audit
            self._hide_everything()
        else:
            self._show_person()
            self._restart_idle()

    def detach(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    # -- activity and the idle timer ---------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY and not self.locked:
            self._restart_idle()
        return False

    def _restart_idle(self) -> None:
        if self.desk.idle_lock_ms > 0 and not self.locked:
            self._idle.start()

    def _on_idle_timeout(self) -> None:
        self.lock("Locked after no use.")

    def _on_lock_key(self) -> None:
        if self.locked:
            self.ask_sign_in()
        else:
            self.lock()

    # -- locking ---------------------------------------------------------------------------
    def lock(self, why: str = "") -> None:
        """Close what is open, forget the search, hide everything, sign the person out."""
        if self.locked:
            return
        self._idle.stop()
        w = self.window
        for dialog in [d for d in QApplication.topLevelWidgets() if isinstance(d, QDialog)]:
            if dialog.isVisible():
                dialog.reject()
        w.close_card()
        w.search.clear()
        w.say("")
        self._hide_everything()
        self._signed_out.clear()
        staff, ctx, done = self.desk.staff, self.desk.ctx, self._signed_out

        def sign_out() -> None:
            try:
                staff.sign_out()
            finally:  # even if its record could not be written: nobody is signed in
                ctx.sign_in(None, "", access.CASHIER)
                done.set()

        BackgroundOp(w.worker, sign_out).failure(
            lambda exc: log.warning("sign-out not recorded: %s", exc)  # ids only, no PIN
        ).run_in_background()
        if why:
            w.store_label.setToolTip(why)

    def _hide_everything(self) -> None:
        self.locked = True
        w = self.window
        s = w.search
        hidden: list[QWidget] = [w.card, s.results, s.hint, s.new_button, s.find_button]
        hidden += [w.menuBar(), w.message_label, *w.findChildren(QToolBar)]
        self._shown = [(widget, not widget.isHidden()) for widget in hidden]
        for widget in hidden:
            widget.hide()
        acting: list[QAction | QShortcut] = [
            a for m in w.menuBar().actions() for a in _with_children(m)
        ]
        acting += [k for k in w.findChildren(QShortcut) if k is not self.shortcut]
        self._enabled = [(thing, thing.isEnabled()) for thing in acting]
        for thing in acting:
            thing.setEnabled(False)
        s.box.setPlaceholderText(LOCKED_PLACEHOLDER)
        s.locked = True  # a cleared box must not bring its hint back while locked
        _center_box(s, locked=True)
        w.store_label.setText(f"{w.services.store_label}  ·  Locked")
        w.gate.refresh_hints()
        s.focus_box()

    def _show_everything(self) -> None:
        self.locked = self.window.search.locked = False
        for widget, shown in self._shown:
            widget.setVisible(shown)
        for thing, enabled in self._enabled:
            thing.setEnabled(enabled)
        self._shown, self._enabled = [], []
        self.window.search.box.setPlaceholderText(PLACEHOLDER)
        _center_box(self.window.search, locked=False)

    # -- signing in --------------------------------------------------------------------------
    def _on_box_edited(self, _text: str) -> None:
        if self.locked:
            self._open_soon.start()

    def take_scan(self, code: str) -> bool:
        """A card scanned while locked: kept for after the sign-in (True), else False."""
        if not self.locked:
            return False
        self._open_soon.stop()
        self._pending_scan = code
        self.window.search.box.setText(code)
        self.ask_sign_in()
        return True

    def ask_sign_in(self) -> None:
        """The sign-in dialog (window-modal; the box keeps what was typed)."""
        self._open_soon.stop()
        if not self.locked or (self.dialog is not None and self.dialog.isVisible()):
            return
        people = self.desk.staff.can_sign_in()
        if not people:  # everyone was disabled by a sync meanwhile: nobody to wait for
            self._show_everything()
            return
        dialog = PinDialog(self.window.worker, people, self._verify, self.window)
        dialog.finished.connect(lambda _r: self._on_dialog_finished(dialog))
        self.dialog = dialog
        dialog.open()

    def _verify(self, staff_id: object, pin: str) -> StaffView:
        """On the worker: only the PIN check. The sign-in itself happens on the GUI
        thread once the dialog accepts (:meth:`unlock`), so an answer that arrives after
        Esc or a lock signs nobody in. It waits for the last sign-out to be written, so
        that cannot undo the sign-in that follows."""
        self._signed_out.wait(_SIGN_OUT_WAIT_S)
        return self.desk.staff.verify(staff_id, pin)  # type: ignore[arg-type]

    def _on_dialog_finished(self, dialog: PinDialog) -> None:
        self.dialog = None
        if dialog.signed is None or not self.locked:
            self.window.search.focus_box()
            return
        self.unlock(dialog.signed)

    def unlock(self, view: StaffView) -> None:
        """``view``'s PIN was right: sign them in, show the register again and search
        what was typed while it was locked."""
        self.desk.ctx.sign_in(view.id, view.name, view.effective_role)
        self._show_everything()
        self._show_person(view)
        self._restart_idle()
        self._search_what_was_typed()

    def _show_person(self, view: StaffView | None = None) -> None:
        """The status bar says who is signed in ("Casey Park · cashier")."""
        w = self.window
        if view is not None:
            w.services.staff_label = view.name  # the picks editor signs picks with it
            w.store_label.setText(f"{w.services.store_label}  ·  {person_words(view)}")
        w.store_label.setToolTip(f"{LOCK_KEY} locks the register or switches staff.")
        w.gate.refresh_hints()

    def _search_what_was_typed(self) -> None:
        s, code = self.window.search, self._pending_scan
        self._pending_scan = None
        if code is not None:
            s.scan(code)  # the scanned customer's card opens
        elif s.box.text().strip():
            s.search_requested.emit(s.box.text(), False)
        s.box.setFocus()
        s.box.end(False)

    def check_still_active(self, _status: object = None) -> None:
        """After a sync round: lock if it brought the signed-in person's disabling."""
        if self.locked:
            return
        ctx = self.desk.ctx
        BackgroundOp(self.window.worker, lambda: signed_in_is_active(ctx)).success(
            lambda active: None if active else self.lock("Locked: this account was disabled.")
        ).run_in_background()


def _center_box(search: SearchPanel, *, locked: bool) -> None:
    """Locked: the box alone, centred and of a reading width (one across the whole screen
    reads as a bar); unlocked: back to filling its pane."""
    layout = search.layout()
    assert layout is not None
    box = search.box
    if locked:
        box.setFixedWidth(LOCKED_BOX_WIDTH)
    else:
        box.setMinimumWidth(0)
        box.setMaximumWidth(QWIDGETSIZE_MAX)
    flag = Qt.AlignmentFlag.AlignHCenter if locked else Qt.AlignmentFlag(0)
    layout.setAlignment(box, flag)


def _with_children(action: QAction) -> list[QAction]:
    menu = action.menu()
    children = menu.actions() if menu is not None else []  # type: ignore[attr-defined]
    return [action, *(a for c in children for a in _with_children(c))]


class _LockedKeys(QObject):
    """While locked, the search box takes only text: Enter opens the sign-in dialog, and
    the keys that would act (Ctrl+Z undo, ↓ into the list) do nothing."""

    def __init__(self, lock: RegisterLock) -> None:
        super().__init__(lock)
        self.lock = lock

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self.lock.locked or event.type() != QEvent.Type.KeyPress:
            return False
        assert isinstance(event, QKeyEvent)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.lock.ask_sign_in()
            return True
        command = event.modifiers() & (
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
        )
        if command:  # Ctrl+Z would undo a log; only Ctrl+L (sign in) goes through
            return event.key() != Qt.Key.Key_L
        return event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up)  # no list to go into

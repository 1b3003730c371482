"""Telling a barcode scanner from a person typing, wherever the keyboard focus is.

A scanner "types" a whole card code in a few tens of milliseconds and ends with
Enter; a cashier needs well over 50 ms a key. :class:`KeystrokeTimer` makes that call
from the key times. :class:`ScanFilter` applies it to the whole application: a scan
that lands in a dialog's note, in the timeline or anywhere else after a mouse click
must still find the customer, and its characters must never stay in a field.

Keys are not held back (a person's typing must appear at once, and everything that
reads a field right after a key must see it): the filter notes what the field held when
a burst began, and when the burst ends in Enter and looks scanned, it puts the field
back as it was (the scanned characters are gone before anything can be saved), swallows
the Enter, and hands the code to the search.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

SCANNER_MAX_MEAN_GAP_MS = 35.0
SCANNER_MIN_KEYS = 6
# A gap longer than this ends a burst: what came before was a person's typing.
BURST_GAP_MS = 2 * SCANNER_MAX_MEAN_GAP_MS
# The same key event reaches a parent when its widget ignores it: counted once.
_PROPAGATED_MS = 2.0
# What a scanner reads at the register: card codes and phone numbers (digits in them).
_CODE = re.compile(r"^[A-Za-z0-9+\-]{6,32}$")
_ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_MODIFIER_KEYS = (
    Qt.Key.Key_Shift,
    Qt.Key.Key_Control,
    Qt.Key.Key_Alt,
    Qt.Key.Key_AltGr,
    Qt.Key.Key_Meta,
    Qt.Key.Key_CapsLock,
)
_COMMAND_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier
    | Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.MetaModifier
)


@dataclass
class KeystrokeTimer:
    stamps: list[float] = field(default_factory=list)

    def key(self, at_ms: float) -> None:
        self.stamps.append(at_ms)

    def reset(self) -> None:
        self.stamps.clear()

    def looks_scanned(self) -> bool:
        if len(self.stamps) < SCANNER_MIN_KEYS:
            return False
        gaps = [b - a for a, b in zip(self.stamps, self.stamps[1:], strict=False)]
        return sum(gaps) / len(gaps) <= SCANNER_MAX_MEAN_GAP_MS


def _printable(event: QKeyEvent) -> bool:
    text = event.text()
    return len(text) == 1 and text.isprintable() and not (event.modifiers() & _COMMAND_MODIFIERS)


def _snapshot(widget: QWidget | None) -> Callable[[], None] | None:
    """What puts ``widget``'s text back as it is now (None for a widget without text)."""
    if isinstance(widget, QLineEdit):
        line, text, cursor = widget, widget.text(), widget.cursorPosition()

        def restore_line() -> None:
            line.setText(text)
            line.setCursorPosition(cursor)

        return restore_line
    if isinstance(widget, QPlainTextEdit):
        plain, body = widget, widget.toPlainText()
        return lambda: plain.setPlainText(body)
    if isinstance(widget, QTextEdit):
        rich, html = widget, widget.toHtml()
        return lambda: rich.setHtml(html)
    return None


class ScanFilter(QObject):
    """Installed on the QApplication by the register window; emits ``scanned(code)``.

    It sees every key press, whichever widget it is for. Only presses delivered to a
    widget count (a platform window passes them on to its focused widget, where they are
    seen), and a press passed up to a parent is not counted twice.
    """

    scanned = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._keys = KeystrokeTimer()
        self._text: list[str] = []
        self._receiver: QWidget | None = None
        self._restore: Callable[[], None] | None = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(watched, QWidget):
            return False
        assert isinstance(event, QKeyEvent)
        now = time.monotonic() * 1000
        if self._propagated(watched, now):
            return False
        if event.key() in _ENTER_KEYS:
            return self._on_enter()
        if event.key() in _MODIFIER_KEYS:
            return False  # a scanner presses Shift for capitals: still the same burst
        if not _printable(event):
            self.reset()
            return False
        if not self._keys.stamps or now - self._keys.stamps[-1] > BURST_GAP_MS:
            self.reset()
            self._restore = _snapshot(watched)
        self._keys.key(now)
        self._text.append(event.text())
        self._receiver = watched
        return False

    def _propagated(self, watched: QWidget, now: float) -> bool:
        last = self._receiver
        return (
            last is not None
            and bool(self._keys.stamps)
            and now - self._keys.stamps[-1] < _PROPAGATED_MS
            and watched is not last
            and watched.isAncestorOf(last)
        )

    def _on_enter(self) -> bool:
        """True (Enter swallowed) when the burst was a scan: its characters are removed."""
        code = "".join(self._text)
        scanned = (
            self._keys.looks_scanned()
            and bool(_CODE.match(code))
            and any(c.isdigit() for c in code)
        )
        restore = self._restore
        self.reset()
        if not scanned:
            return False
        if restore is not None:
            restore()
        self.scanned.emit(code)
        return True

    def reset(self) -> None:
        self._keys.reset()
        self._text.clear()
        self._receiver = None
        self._restore = None


def _open_dialogs() -> list[QDialog]:
    """The dialogs on screen, the modal one (on top) first."""
    modal = QApplication.activeModalWidget()
    shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()]
    shown.sort(key=lambda d: d is not modal)
    return shown


def ask_keep(dialog: QDialog, customer: str) -> bool:
    """'Keep what you typed for X?' — True to save it, False to discard it."""
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "Keep what you typed?",
        f"Keep what you typed for {customer}?" if customer else "Keep what you typed?",
        QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard,
        dialog,
    )
    box.setInformativeText("A card was scanned: the next customer opens after this.")
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    return box.exec() == QMessageBox.StandardButton.Save


def close_dialogs_for_scan(then: Callable[[], None], *, keep: QDialog | None = None) -> None:
    """Close what is open (unsaved), asking first about anything typed; then ``then()``.

    A scan means the next customer is at the counter: a dialog left open would act on
    the previous one. A form someone typed into (it has ``typed()`` and ``save()``) is
    saved or discarded as the cashier says; ``then`` runs once every dialog has closed
    (a save closes its dialog when the worker answers). With nothing open, at once.
    ``keep`` stays open (the finder waiting for this very customer's card).
    """
    dialogs = [d for d in _open_dialogs() if d is not keep]
    if not dialogs:
        then()
        return
    pending = set(dialogs)

    def closed(dialog: QDialog) -> None:
        pending.discard(dialog)
        if not pending:
            QTimer.singleShot(0, then)  # after the dialog's exec() has returned

    for dialog in dialogs:
        dialog.finished.connect(lambda _r, d=dialog: closed(d))
    # Not from inside the key's event filter: asking opens a message box.
    QTimer.singleShot(0, lambda: _close(dialogs))


def _close(dialogs: list[QDialog]) -> None:
    for dialog in dialogs:
        typed = getattr(dialog, "typed", None)
        if callable(typed) and typed() and ask_keep(dialog, getattr(dialog, "customer", "")):
            dialog.save()  # type: ignore[attr-defined]
        else:
            dialog.reject()

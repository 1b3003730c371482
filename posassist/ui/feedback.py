"""Telling the cashier what happened, next to where it happened: one way for every view.

A dialog has one :class:`MessageLine`, in its own layout row under its fields. It word
wraps, so a long refusal makes its row taller instead of drawing under a field.
:func:`show_error` puts an error there and moves the focus to the field an
:class:`~posassist.errors.InvalidInputError` names (fields are tagged with
:func:`mark_field`), so the cashier fixes it without reaching for the mouse. A view
whose news goes to a plain label (the register's status bar, the Regulars count) passes
that label; a window with neither (the register window, when opening a card fails) gets
a message box.
"""

from __future__ import annotations

import re
from typing import TypeVar

from PySide6.QtWidgets import QLabel, QMessageBox, QSizePolicy, QWidget

from posassist.errors import InvalidInputError, KnownError

FIELD_PROPERTY = "posassistField"
BUG_TEXT = (
    "Something went wrong inside posassist; the details were saved to the crash log. "
    "Try again, or tell store IT."
)
W = TypeVar("W", bound=QWidget)


def mark_field(widget: W, name: str) -> W:
    """Tag ``widget`` as the input for field ``name`` (as services name it in errors)."""
    widget.setProperty(FIELD_PROPERTY, name)
    return widget


def error_text(exc: BaseException | str) -> str:
    """The words for a refusal: a KnownError's message and hint, as written for the cashier.

    A bug is never shown raw: the crash log (written by the worker or the app's hook) has
    its traceback.
    """
    if isinstance(exc, str):
        return exc
    if isinstance(exc, KnownError):
        return str(exc)
    return BUG_TEXT


_CODE_HYPHEN = re.compile(r"\b([0-9A-Z]{2,})-(?=[0-9A-Z]{2,}\b)")
NON_BREAKING_HYPHEN = "\u2011"


def keep_codes_whole(text: str) -> str:
    """``text`` to display: a code's hyphen ("2FRH-QB46") made non-breaking, so a wrapped
    line never splits the code a cashier reads aloud. Only for display: what was said
    (``MessageLine.text``, the accessible name) keeps the real characters."""
    return _CODE_HYPHEN.sub(lambda m: m.group(1) + NON_BREAKING_HYPHEN, text)


class MessageLine(QLabel):
    """A dialog's line for news (``greeting`` style) and refusals (``error`` style).

    It wraps at spaces; a code in it is never split across lines (:func:`keep_codes_whole`).
    ``text()`` is what was said, with the code's real characters.
    """

    def __init__(self, style: str = "greeting", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(style)
        self.setWordWrap(True)
        # Grows with its text (height for width): wrapped lines get their own space.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self._said = ""
        self.hide()

    def text(self) -> str:
        """What was said (a code with its real hyphen), not the display form."""
        return self._said

    def setText(self, text: str) -> None:
        self._said = text
        self.setAccessibleName(text)
        super().setText(keep_codes_whole(text))

    def say(self, text: str, *, problem: bool = False) -> None:
        """Show ``text`` (styled as news, or as a refusal); ``""`` hides the line."""
        style = "error" if problem else "greeting"
        if text and self.objectName() != style:
            self.setObjectName(style)
            self.style().unpolish(self)
            self.style().polish(self)
        self.setText(text)
        self.setVisible(bool(text))


def _field_named(window: QWidget, name: str) -> QWidget | None:
    for child in window.findChildren(QWidget):
        # A closed sub-dialog's fields are children too: only this window's count.
        if child.property(FIELD_PROPERTY) == name and child.window() is window:
            return child
    return None


def _message_line(window: QWidget) -> MessageLine | None:
    # Dialogs opened from this window are its children too: only its own line counts.
    return next((m for m in window.findChildren(MessageLine) if m.window() is window), None)


def show_error(where: QWidget, exc: BaseException | str, *, prefix: str = "") -> None:
    """Show ``exc`` in the label ``where``, or on the message line of ``where``'s window.

    ``where`` is the dialog's :class:`MessageLine` (styled as a refusal), another label
    that carries a view's news (the status bar, a count), or any widget: then its window's
    message line, or a message box when it has none. ``prefix`` says what the refusal
    means for the cashier ("Nothing was imported."). Focus goes to the field an
    InvalidInputError names, when the window has it.
    """
    text = f"{prefix} {error_text(exc)}" if prefix else error_text(exc)
    line = where if isinstance(where, QLabel) else _message_line(where.window())
    if line is None:
        QMessageBox.warning(where.window(), "posassist", text)
        return
    if isinstance(line, MessageLine):
        line.say(text, problem=True)
    else:
        line.setText(text)
    if isinstance(exc, InvalidInputError):
        field = _field_named(line.window(), exc.field)
        if field is not None:
            field.setFocus()

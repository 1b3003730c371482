"""The one way refusals are shown: next to the field, never drawn over it."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from posassist.errors import InvalidInputError, KnownError
from posassist.ui.feedback import BUG_TEXT, MessageLine, error_text, show_error
from posassist.ui.views.dialogs import InteractionDialog
from posassist.ui.workers import Worker


def _dialog(qtbot: QtBot) -> InteractionDialog:
    dialog = InteractionDialog(Worker(), "purchase", lambda *_a, **_k: None, None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_invalid_input_goes_to_the_message_line_and_focuses_its_field(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot)
    dialog.note.setFocus()
    show_error(dialog.note, InvalidInputError("items", "Items are separated by ;"))
    assert dialog.error.isVisible()
    assert dialog.error.objectName() == "error"
    assert dialog.error.text() == "Items are separated by ;"
    qtbot.waitUntil(lambda: dialog.focusWidget() is dialog.items)


def test_a_long_refusal_wraps_below_the_fields_never_over_them(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot)
    long = "This basket total cannot be right because " + "it is far too long " * 30
    show_error(dialog.error, InvalidInputError("basket", long))
    QApplication.processEvents()
    error_line = dialog.error
    qtbot.waitUntil(lambda: error_line.height() >= error_line.heightForWidth(error_line.width()))
    error = dialog.error.geometry()
    for field in dialog.fields.values():
        assert not error.intersects(field.geometry()), field
    assert error.top() >= max(f.geometry().bottom() for f in dialog.fields.values())
    assert error.bottom() < dialog.buttons.geometry().top()


def test_known_errors_say_their_hint_and_bugs_never_show_raw() -> None:
    assert error_text(KnownError("Printer offline.", hint="Check its cable.")) == (
        "Printer offline. Check its cable."
    )
    assert error_text(ZeroDivisionError("division by zero")) == BUG_TEXT


def test_a_plain_label_gets_the_text_and_news_is_not_styled_as_a_refusal(qtbot: QtBot) -> None:
    label = QLabel("12 customers shown")
    qtbot.addWidget(label)
    show_error(label, KnownError("Cannot write regulars.csv."), prefix="Not exported.")
    assert label.text() == "Not exported. Cannot write regulars.csv."
    line = MessageLine()
    qtbot.addWidget(line)
    line.say("Partner saved.")
    assert line.objectName() == "greeting"
    line.say("")
    assert line.isHidden()
    assert line.objectName() == "greeting"


def test_a_field_of_a_closed_sub_dialog_is_not_focused(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot)
    sub = InteractionDialog(Worker(), "purchase", lambda *_a, **_k: None, dialog)
    sub.close()  # its "basket" field is still a child of dialog
    show_error(dialog.error, InvalidInputError("basket", "Not an amount."))
    qtbot.waitUntil(lambda: dialog.focusWidget() is dialog.basket)

"""Manager → Settings…: the store, the slip printer, the repeat-visitor thresholds,
holds and the idle lock, each field with its message under it.

Every edit is checked at once with the rules the next start applies (the service's
``check``); Save stays greyed out while any field has a problem. Saving runs on the
worker and is refused by the service for a cashier, in plain words. Printer and layout
apply at once; the screen says that everything else applies at the next start.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from posassist.services.printers import installed_printers
from posassist.services.settings import SCREEN_FIELDS, Saved, SettingsService
from posassist.ui.feedback import MessageLine, show_error
from posassist.ui.views.setting_fields import FieldForm
from posassist.ui.workers import BackgroundOp, Worker

__all__ = ["SettingsDialog"]
RECHECK_AFTER_MS = 200  # a pause in typing: the checks read the logo file, import reportlab


def when_applied() -> str:
    """Which fields apply at once, from the one field list: a tab whose every field does
    is named as a tab (eleven printing fields in a row would not fit a 1024-pixel screen)."""
    now: list[str] = []
    for title, group in SCREEN_FIELDS.items():
        if group and all(f.at_once for f in group):
            now.append(f"everything on the {title} tab")
        else:
            now.extend(f.label for f in group if f.at_once)
    if not now:
        return "Changes apply when posassist starts next."
    listed = now[0] if len(now) == 1 else f"{', '.join(now[:-1])} and {now[-1]}"
    verb = "applies" if len(now) == 1 else "apply"
    return f"{listed[0].upper()}{listed[1:]} {verb} at once; the rest when posassist starts next."


class SettingsDialog(QDialog):
    """The settings screen; ``saved`` lists the fields the last save changed."""

    def __init__(self, service: SettingsService, worker: Worker, parent: QWidget | None = None):
        super().__init__(parent)
        self.service, self.worker = service, worker
        self.saved: list[str] = []
        self.setWindowTitle("Settings")
        self.tabs = QTabWidget()
        self.forms: list[FieldForm] = []
        self._recheck_soon = QTimer(self, singleShot=True, interval=RECHECK_AFTER_MS)
        self._recheck_soon.timeout.connect(self.recheck)
        for title, group in SCREEN_FIELDS.items():
            form = FieldForm([f.name for f in group])
            form.changed.connect(self._recheck_soon.start)
            self.forms.append(form)
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setWidget(form)
            self.tabs.addTab(scroll, title)
        self.test = QPushButton("Print a &test slip")
        self.test.clicked.connect(self.print_test)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.line = MessageLine()
        box = QVBoxLayout(self)
        applied = QLabel(when_applied())
        applied.setWordWrap(True)
        box.addWidget(applied)
        box.addWidget(self.tabs)
        box.addWidget(self.test)
        box.addWidget(self.line)
        box.addWidget(self.buttons)
        self.resize(720, 600)
        values = service.values()  # the file, read once for every tab
        for form in self.forms:
            form.set_values(values)
        self._recheck_soon.stop()  # filling the fields is not typing: checked just below
        BackgroundOp(worker, installed_printers).success(self._printers).run_in_background()
        self.recheck()
        self.first_field().setFocus()  # else nothing visible has the focus: type at once

    def first_field(self) -> QWidget:
        """The first tab's first field (the store's name)."""
        return next(iter(self.forms[0].inputs.values()))

    @property
    def save_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Save)

    def _printers(self, names: list[str]) -> None:
        for form in self.forms:
            form.set_printers(names)

    def texts(self) -> dict[str, str]:
        texts: dict[str, str] = {}
        for form in self.forms:
            texts.update(form.texts())
        return texts

    def message(self, name: str) -> str:
        """The message under field ``name`` ("" when its value is good)."""
        return next(f.message(name) for f in self.forms if name in f.inputs)

    def recheck(self) -> None:
        problems = self.service.check(self.texts())
        good = all([form.show_problems(problems) for form in self.forms])
        self.save_button.setEnabled(good)

    def save(self) -> None:
        if self._recheck_soon.isActive():  # Save straight after typing: check first
            self._recheck_soon.stop()
            self.recheck()
            if not self.save_button.isEnabled():
                return
        texts, service = self.texts(), self.service

        def done(saved: Saved) -> None:
            service.apply(saved)  # here, on the GUI thread that prints
            self.saved = saved.changed
            self.accept()

        BackgroundOp(self.worker, lambda: service.write(texts)).success(done).failure(
            lambda exc: show_error(self.line, exc, prefix="Not saved:")
        ).disable(self.save_button).run_in_background()

    def print_test(self) -> None:
        texts = self.texts()
        BackgroundOp(self.worker, lambda: self.service.test_print(texts)).success(
            lambda where: self.line.say(f"Test slip sent to {where}.")
        ).failure(lambda exc: show_error(self.line, exc)).disable(self.test).run_in_background()

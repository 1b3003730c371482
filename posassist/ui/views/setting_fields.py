"""The settings' fields as widgets, each with its message under it: one way for the
first-run set-up and the settings screen.

Every field of ``services/settings.py FIELDS`` becomes a label, an input (a line edit,
a searchable list of time zones, printers or layouts, or a fixed list of choices) and a
red line under the input that says what is wrong with the value, so a person sees every
problem at once and where it is. Values go in and out as text; the service checks them.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from functools import cache

from PySide6.QtCore import QTimeZone, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from posassist.services.printers import layout_choices
from posassist.services.settings import FIELDS, SettingField
from posassist.ui.feedback import mark_field

__all__ = ["FieldForm", "pc_timezone"]


@cache
def _timezones() -> list[str]:
    return sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC")


def pc_timezone() -> str:
    """This PC's time zone by its IANA name (the set-up's default), UTC if unknown."""
    name = bytes(QTimeZone.systemTimeZoneId().data()).decode("ascii", "replace")
    return name if name in _timezones() else "UTC"


def _combo(items: list[str], editable: bool) -> QComboBox:
    combo = QComboBox()
    combo.setEditable(editable)
    combo.addItems(items)
    combo.setMaxVisibleItems(15)
    if editable:
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        completer = QCompleter(items, combo)
        completer.setCaseSensitivity(completer.caseSensitivity().CaseInsensitive)
        completer.setFilterMode(completer.filterMode().MatchContains)
        combo.setCompleter(completer)
    return combo


class FieldForm(QWidget):
    """A form of settings fields; ``changed`` fires on every edit."""

    changed = Signal()

    def __init__(self, names: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.inputs: dict[str, QLineEdit | QComboBox] = {}
        self.messages: dict[str, QLabel] = {}
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for name in names:
            field = FIELDS[name]
            form.addRow(QLabel(f"{field.label}:"), self._cell(field))

    def _cell(self, field: SettingField) -> QWidget:
        widget = self._input(field)
        mark_field(widget, field.name)
        widget.setObjectName(field.name)
        widget.setToolTip(field.help)
        self.inputs[field.name] = widget
        message = QLabel()
        message.setObjectName("error")
        message.setStyleSheet("color: #b00020;")
        message.setWordWrap(True)
        message.hide()
        self.messages[field.name] = message
        cell = QWidget()
        box = QVBoxLayout(cell)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(1)
        box.addWidget(widget)
        if field.help:
            hint = QLabel(field.help)
            hint.setObjectName("hint")
            hint.setWordWrap(True)  # a long help never widens the screen past 1024 pixels
            box.addWidget(hint)
        box.addWidget(message)
        return cell

    def _input(self, field: SettingField) -> QLineEdit | QComboBox:
        if field.kind == "timezone":
            combo = _combo(_timezones(), editable=True)
            combo.editTextChanged.connect(self.changed)
            return combo
        if field.kind == "choice":
            combo = _combo(list(field.choices), editable=False)
            combo.currentTextChanged.connect(self.changed)
            return combo
        if field.kind in ("layout", "printer"):
            combo = _combo(layout_choices() if field.kind == "layout" else [""], editable=True)
            combo.editTextChanged.connect(self.changed)
            return combo
        edit = QLineEdit()
        edit.textChanged.connect(self.changed)
        return edit

    def set_printers(self, names: list[str]) -> None:
        """Fill the printer lists (found on the worker), keeping what was typed."""
        for name, widget in self.inputs.items():
            if isinstance(widget, QComboBox) and FIELDS[name].kind == "printer":
                text = widget.currentText()
                widget.clear()
                widget.addItems(["", *names])
                widget.setEditText(text)

    def set_values(self, values: Mapping[str, str]) -> None:
        for name, text in values.items():
            widget = self.inputs.get(name)
            if isinstance(widget, QComboBox) and not widget.isEditable():
                widget.setCurrentText(text)
            elif isinstance(widget, QComboBox):
                widget.setEditText(text)
            elif widget is not None:
                widget.setText(text)

    def texts(self) -> dict[str, str]:
        return {
            name: (w.currentText() if isinstance(w, QComboBox) else w.text()).strip()
            for name, w in self.inputs.items()
        }

    def show_problems(self, problems: Mapping[str, str]) -> bool:
        """Each field's message under it (or none); True when this form has none."""
        for name, label in self.messages.items():
            text = problems.get(name, "")
            label.setText(text[:1].upper() + text[1:])
            label.setVisible(bool(text))
        return not any(name in problems for name in self.inputs)

    def clear_fixed(self, problems: Mapping[str, str]) -> None:
        """Hide the message of each field whose value is now valid (as it is typed);
        a new problem waits for Next or Save, not for every keystroke."""
        for name, label in self.messages.items():
            if name not in problems:
                label.hide()

    def message(self, name: str) -> str:
        label = self.messages[name]
        return label.text() if label.isVisibleTo(self) else ""

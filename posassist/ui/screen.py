"""Fitting windows to the register's screen, whatever its size (1024×768 is common).

A dialog taller than the screen pushes its OK button off the bottom, where no one can
press it. :func:`fit_to_screen` caps a dialog to the screen's available geometry and, when
its content is taller (or wider) than that, moves the content into a scroll area while the
button row stays outside it, always visible. It also keeps the dialog's frame on screen
when it opens (a dialog centred on a parent larger than the screen would not be).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLayout,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

# Room left for the window manager's title bar and border, which Qt cannot measure
# before the dialog is shown.
FRAME_ALLOWANCE = QSize(16, 48)


def available_geometry(widget: QWidget) -> QRect:
    """The part of the widget's screen that windows may use (no panels, no docks)."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def _room(widget: QWidget) -> QSize:
    area = available_geometry(widget)
    return QSize(
        max(200, area.width() - FRAME_ALLOWANCE.width()),
        max(200, area.height() - FRAME_ALLOWANCE.height()),
    )


class _KeepOnScreen(QObject):
    """Moves the dialog inside the available geometry each time it is shown."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and isinstance(watched, QWidget):
            area = available_geometry(watched)
            frame = watched.frameGeometry()
            extra = frame.size() - watched.size()
            if extra.height() <= 0:  # not decorated yet: assume the usual title bar
                extra = FRAME_ALLOWANCE
            x = min(max(frame.x(), area.left()), area.right() + 1 - frame.width())
            y = min(
                max(frame.y(), area.top()), area.bottom() + 1 - watched.height() - extra.height()
            )
            if (x, y) != (frame.x(), frame.y()):
                watched.move(max(x, area.left()), max(y, area.top()))
        return False


def _scroll_content(dialog: QDialog, layout: QLayout) -> None:
    """Content into a scroll area; the dialog's top-level button boxes stay below it."""
    items = (layout.itemAt(i) for i in range(layout.count()))
    buttons = [
        w
        for w in (item.widget() for item in items if item is not None)
        if isinstance(w, QDialogButtonBox)
    ]
    for box in buttons:
        layout.removeWidget(box)
    margins = layout.contentsMargins()
    content = QWidget()
    content.setLayout(layout)  # takes the layout, and its widgets, off the dialog
    scroll = QScrollArea()
    scroll.setObjectName("fitScroll")
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidgetResizable(True)
    scroll.setWidget(content)
    outer = QVBoxLayout(dialog)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(scroll, 1)
    if buttons:
        row = QHBoxLayout()
        row.setContentsMargins(margins.left(), 0, margins.right(), margins.bottom())
        for box in buttons:
            row.addWidget(box)
        outer.addLayout(row)


def fit_to_screen(dialog: QDialog) -> QDialog:
    """Make ``dialog`` fit its screen; call it once its layout is built (end of __init__)."""
    room = _room(dialog)
    dialog.ensurePolished()
    layout = dialog.layout()
    if layout is not None:
        hint = dialog.sizeHint().expandedTo(dialog.minimumSizeHint())
        if hint.height() > room.height() or hint.width() > room.width():
            _scroll_content(dialog, layout)
    dialog.setMinimumSize(dialog.minimumSize().boundedTo(room))
    dialog.setMaximumSize(room)
    dialog.resize(dialog.size().boundedTo(room))
    dialog.installEventFilter(_KeepOnScreen(dialog))
    return dialog

"""The red banner across the top of the window: a fault the whole register has.

Used when the store turns out to be damaged (posassist then saves nothing) or the disk
under it refuses writes. A message line next to one widget would be missed: every save
the cashier tries fails the same way, so the banner says once, above everything, what
happened and what store IT must do. It cannot be closed; it goes with the window.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QSizePolicy,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

BANNER_STYLE = (
    "QWidget#storeBanner { background: #b3261e; }QWidget#storeBanner QLabel { color: white; }"
)


class Banner(QWidget):
    """A title in bold and the explanation under it, word-wrapped, white on red."""

    def __init__(self, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("storeBanner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(BANNER_STYLE)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.title = QLabel(title)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.title.setFont(font)
        self.text = QLabel(text)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(self.title)
        layout.addWidget(self.text)

    def set_message(self, title: str, text: str) -> None:
        self.title.setText(title)
        self.text.setText(text)


def attach_banner(window: QMainWindow, title: str, text: str) -> Banner:
    """Show (or update) the window's banner in a fixed bar above its central widget."""
    existing = window.findChild(Banner)
    if isinstance(existing, Banner):
        existing.set_message(title, text)
        return existing
    bar = QToolBar("Store problem", window)
    bar.setObjectName("storeBannerBar")
    bar.setMovable(False)
    bar.setFloatable(False)
    bar.toggleViewAction().setEnabled(False)  # it cannot be hidden from the context menu
    banner = Banner(title, text, bar)
    bar.addWidget(banner)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
    bar.show()  # added to a window already on screen: not shown by itself
    return banner

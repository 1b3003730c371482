"""The window painted while the store opens: a search box that keeps what is typed.

``posassist`` paints this first (docs/architecture.md, "Start-up"). Python, Qt and this
module take about a fifth of the start-up; importing SQLAlchemy and the services, opening
the store and building the register window take the rest, on the worker, and a cashier
who starts typing as the till software hands over should not watch an empty screen
meanwhile, nor lose the first keys. So this window takes them: the typed text, an Enter
after it, and a scanned card (told from typing by the same :class:`ScanFilter` as the
register window's) are kept here and handed to the register window when it is up
(:meth:`posassist.ui.main_window.MainWindow.carry_on`), which does with them what it
would have done had they been typed there.

Thin on purpose: nothing here reads the store or imports it (``tests/app`` checks that
painting it imports neither SQLAlchemy nor the services), it only holds the box and a line
saying what is going on.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QMainWindow,
    QVBoxLayout,
    QWidget,
)

from posassist.ui.register_screen import LOCKED_BOX_WIDTH, show_as_left
from posassist.ui.scanner import ScanFilter
from posassist.ui.theme import named

OPENING = "Opening the store… type or scan: the search runs as soon as it is open."
ENTERED = "Opening the store… Enter was pressed: the best match opens as soon as it is open."
SCANNED = "Opening the store… card scanned: it opens as soon as the store is open."


class OpeningWindow(QMainWindow):
    """The search box alone, at the register window's size and place, until it is up.

    Laid out as the register window's lock screen (the box centred, at its width): a
    register with PINs starts locked, so the box does not move when the window swaps.

    ``closed`` is emitted when the cashier closes it before the store is open (the start
    is then given up, as closing the register window would end it).
    """

    closed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("posassist")
        self.box = named(QLineEdit(), "search")
        self.box.setPlaceholderText("Name or card")
        self.box.setFixedWidth(LOCKED_BOX_WIDTH)
        self.status = QLabel(OPENING)
        self.status.setWordWrap(True)
        self.status.setFixedWidth(LOCKED_BOX_WIDTH)
        self.status.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        central = QWidget()
        pane = QVBoxLayout(central)
        pane.addStretch(1)
        pane.addWidget(self.box, 0, Qt.AlignmentFlag.AlignHCenter)
        pane.addWidget(self.status, 0, Qt.AlignmentFlag.AlignHCenter)
        pane.addStretch(1)
        self.setCentralWidget(central)
        self.entered = False  # Enter pressed after the text now in the box
        self.scanned: str | None = None  # a card scanned meanwhile (the last one)
        self._handed_over = False
        self.box.textEdited.connect(self._on_edited)
        self.box.installEventFilter(self)
        # On the box alone, not the application as the register window's: only keys
        # meant for this box are taken (a dialog over it, such as the first manager's,
        # keeps its own), and, installed last, it sees them first and swallows a scan's
        # Enter before ``eventFilter`` below takes it for the cashier's.
        self.scan_filter = ScanFilter(self)
        self.scan_filter.scanned.connect(self._on_scanned)
        self.box.installEventFilter(self.scan_filter)

    def show_for_register(self) -> None:
        """Where the register window will be, with the keyboard in the box."""
        show_as_left(self, with_state=False)
        self.activateWindow()
        self.box.setFocus()

    def typed(self) -> str:
        return self.box.text()

    def dismiss(self) -> None:
        """The register window is up (or the start is over): stop taking keys and close,
        without ``closed``. Safe to call again."""
        self._handed_over = True
        self.box.removeEventFilter(self.scan_filter)
        self.close()

    # -- what the cashier does meanwhile ---------------------------------------------
    def _on_edited(self, _text: str) -> None:
        self.entered = False
        self.scanned = None  # typing after a scan is the next search: the text wins
        self.status.setText(OPENING)

    def _on_scanned(self, code: str) -> None:
        self.scanned = code
        self.entered = False
        self.status.setText(SCANNED)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.box and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if self.box.text().strip():
                    self.entered = True
                    self.status.setText(ENTERED)
                return True
            if event.key() == Qt.Key.Key_Escape:
                self.box.clear()
                self._on_edited("")
                return True
        return super().eventFilter(watched, event)

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        if not self._handed_over:
            self.closed.emit()

"""The search box and its result list: the first thing a cashier touches."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from posassist.services.customers import HitPage
from posassist.ui.formatting import plural
from posassist.ui.models.customers import CustomerHitsModel
from posassist.ui.theme import named

SEARCH_DELAY_MS = 150


PLACEHOLDER = "Name or card"
EMPTY_HINT = "Scan a card, or type a name, phone, email or the card's last 4 digits. F2: here."


class SearchPanel(QWidget):
    """Emits ``search_requested`` as the cashier types and ``open_requested`` on Enter.

    Whether a code was scanned is decided for the whole window by
    :class:`~posassist.ui.scanner.ScanFilter`, which hands scans to :meth:`scan`; what
    reaches the box as keys was typed.
    """

    search_requested = Signal(str, bool)  # text, scanned
    open_requested = Signal(object)  # customer id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.box = named(QLineEdit(), "search")
        # Short enough to show whole in the 260-pixel pane at 1024; the hint under the
        # box says everything a search takes.
        self.box.setPlaceholderText(PLACEHOLDER)
        self.box.setClearButtonEnabled(True)
        self.results = QListView()
        self.results.setAlternatingRowColors(True)
        self.results.setUniformItemSizes(True)
        self.results.setWordWrap(True)
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.model = CustomerHitsModel()
        self.results.setModel(self.model)
        self.hint = named(QLabel(), "emptyHint")
        self.hint.setWordWrap(True)
        self.setMinimumWidth(260)  # the card keeps room for its timeline at 1024 pixels
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.box)
        layout.addWidget(self.hint)
        layout.addWidget(self.results, 1)
        # The two things to do when the search finds nobody / the item is not stocked.
        self.new_button = QPushButton("F3  New customer")
        self.find_button = QPushButton("F4  Find elsewhere")
        layout.addWidget(self.new_button)
        layout.addWidget(self.find_button)
        self._shown_text: str | None = None  # what the hits in the list were found for
        self.locked = False  # set by the register lock: then the box alone shows, no hint
        self._delay = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._delay.timeout.connect(self._on_delay_timeout)
        self.box.textEdited.connect(self._on_box_edited)
        self.box.installEventFilter(self)
        self.results.activated.connect(self._on_results_activated)
        self.show_hint(EMPTY_HINT)

    # -- behaviour ---------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.box and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._on_enter()
                return True
            if key == Qt.Key.Key_Down and self.model.rowCount():
                self.results.setFocus()
                self.results.setCurrentIndex(self.model.index(0, 0))
                return True
            if key == Qt.Key.Key_Escape:
                self.clear()
                return True
        return super().eventFilter(watched, event)

    def _on_box_edited(self, _text: str) -> None:
        self._delay.start()

    def _on_delay_timeout(self) -> None:
        self.search_requested.emit(self.box.text(), False)

    def _on_enter(self) -> None:
        self._open_best(self.box.text(), scanned=False)

    def scan(self, code: str) -> None:
        """A scanned code: it replaces the search and its best match opens."""
        self.box.setText(code)
        self._open_best(code, scanned=True)

    def _open_best(self, text: str, *, scanned: bool) -> None:
        pending = self._delay.isActive()
        self._delay.stop()
        if not text.strip():
            return
        # Search now (not after the delay) so Enter always acts on what was typed -- unless
        # the list already shows the hits for exactly this typed text: then Enter opens the
        # top one the cashier sees, without searching and repainting the list again.
        listed = not scanned and not pending and text == self._shown_text
        if not (listed and self.model.rowCount()):
            self.search_requested.emit(text, scanned)
        if self.model.rowCount():
            self.open_requested.emit(self.model.hit(0).id)
        # Select what was typed, so the next customer's scan or typing replaces it
        # instead of being appended to this one's search.
        self.box.selectAll()

    def _on_results_activated(self, index: object) -> None:
        row = self.results.currentIndex().row()
        if 0 <= row < self.model.rowCount():
            self.open_requested.emit(self.model.hit(row).id)
            self.focus_box()

    # -- called by the window ----------------------------------------------------
    def set_typing_delay(self, ms: int) -> None:
        """How long the box waits after a typed key before it searches (default
        :data:`SEARCH_DELAY_MS`, so a fast typist does not search five times). The pause
        is a choice, not work: ``posassist bench`` sets 0 to time the work after a key."""
        self._delay.setInterval(ms)

    def show_hits(self, page: HitPage, text: str) -> None:
        hits = page.hits
        self.model.set_hits(hits)
        self._shown_text = text
        if page.capped:
            self.show_hint(
                f"{len(hits)} of {plural(page.total, 'match', 'matches')} shown — type more"
            )
        elif hits:
            self.show_hint("")
        elif text.strip():
            self.show_hint(f"No customer matches “{text.strip()[:40]}”. Press F3 to add them.")
        else:
            self.show_hint(EMPTY_HINT)

    def show_hint(self, text: str) -> None:
        self.hint.setText(text)
        self.hint.setVisible(bool(text) and not self.locked)

    def clear(self) -> None:
        self.box.clear()
        self.model.set_hits([])
        self._shown_text = None
        self.show_hint(EMPTY_HINT)

    def focus_box(self) -> None:
        self.box.setFocus()
        self.box.selectAll()

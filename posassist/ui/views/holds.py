"""Ctrl+H, the Holds queue: holds this branch keeps for others, and asks of others.

Keyboard first: **A** accept, **R** ready to collect, **W** on its way (a relay),
**C** collected, **X** (or Del) pressed twice cancel, **P** print the "held for you" slip, **F9**
preview it, **Ctrl+S** save it as a PDF, **Esc** close. Every write and every slip runs
on the worker (:class:`~posassist.ui.workers.BackgroundOp`); a hold another register
acted on first says so in its Note column ("Till 2 at Northside accepted this hold
first (14:03)").

:class:`HoldsWatch` keeps the status bar's count of holds waiting for this branch, puts
what this register was told on the message line, and records due expiries, on the worker.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QImage, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from posassist.domain.holds import FINAL
from posassist.errors import KnownError
from posassist.services.holds import HoldService, HoldSlip, HoldView
from posassist.services.printers import PrintService
from posassist.ui.feedback import MessageLine, show_error
from posassist.ui.formatting import plural
from posassist.ui.models.holds import HoldsModel
from posassist.ui.screen import fit_to_screen
from posassist.ui.theme import named
from posassist.ui.views.files import choose_save_path, still_open
from posassist.ui.views.slip_preview import SlipPreviewDialog
from posassist.ui.views.tables import read_only_table
from posassist.ui.workers import BackgroundOp, Worker

if TYPE_CHECKING:
    from posassist.ui.main_window import MainWindow

# (key, button text, state it marks); X cancels, on a second press (see cancel()).
MARK_KEYS = (
    ("A", "A  Accept", "accepted"),
    ("R", "R  Ready", "ready"),
    ("W", "W  On its way", "on_its_way"),
    ("C", "C  Collected", "collected"),
)
_KEEPS_A_FIRST_X = frozenset(
    (Qt.Key.Key_X, Qt.Key.Key_Delete, Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt)
)
POLL_MS = 3_000  # the count and what this register was told: a small indexed read
EXPIRE_MS = 60_000  # recording due expiries: a write, on the worker


class HoldsDialog(QDialog):
    """Emits nothing: it refreshes itself after every step and on F5."""

    def __init__(
        self,
        holds: HoldService,
        printing: PrintService | None,
        worker: Worker,
        tz: ZoneInfo,
        parent: QWidget | None = None,
        on_step: Callable[[HoldView], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.holds = holds
        self.on_step = on_step  # a step changes the customer's timeline: their open card
        self.printing = printing
        self.worker = worker
        self.tz = tz
        self.choose_save_path = choose_save_path
        self.setWindowTitle("Holds between branches")
        self.resize(1300, 600)  # fit_to_screen makes it smaller on a smaller screen
        self.model = HoldsModel(tz)
        self.table = read_only_table(self.model)
        _fit_columns(self.table)
        self.summary = named(QLabel(), "contact")
        self.message = MessageLine()
        marks, slips = QHBoxLayout(), QHBoxLayout()  # two rows: one is wider than 1024 px
        self._cancel_armed: uuid.UUID | None = None  # the hold a first X asked about
        for key, text, state in MARK_KEYS:
            self._key(marks, key, text, lambda _=False, st=state: self.mark(st))
        self._key(marks, "X", "X  Cancel (twice)", self.cancel)
        QShortcut(QKeySequence("Del"), self).activated.connect(self.cancel)
        marks.addStretch(1)
        self._key(slips, "P", "P  Print slip", self.print_slip)
        self._key(slips, "F9", "F9  Preview", self.preview)
        self._key(slips, "Ctrl+S", "Ctrl+S  Save PDF", self.save_pdf)
        self._key(slips, "F5", "F5  Refresh", self.refresh)
        slips.addStretch(1)
        close = QPushButton("Esc  Close")
        close.clicked.connect(self.reject)
        slips.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(named(QLabel("Holds"), "customerName"))
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(marks)
        layout.addLayout(slips)
        self.refresh()
        self.table.selectionModel().selectionChanged.connect(self._selection_moved)
        self.table.installEventFilter(self)
        # A step another branch took arrives by sync: the queue shows it without F5.
        self._poll = QTimer(self, interval=POLL_MS)
        self._poll.timeout.connect(lambda: self.refresh(focus=False))
        self._poll.start()
        fit_to_screen(self)

    def _key(self, row: QHBoxLayout, key: str, text: str, slot: Callable[..., None]) -> None:
        button = QPushButton(text)
        button.clicked.connect(slot)
        row.addWidget(button)
        QShortcut(QKeySequence(key), self).activated.connect(slot)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Any key that is not X (arrows, letters with no meaning here) forgets a first X;
        so does choosing another hold (the poll re-selecting the same one does not)."""
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() not in _KEEPS_A_FIRST_X
        ):
            self._cancel_armed = None
        return super().eventFilter(watched, event)

    def _selection_moved(self) -> None:
        hold = self.selected()
        if hold is None or hold.id != self._cancel_armed:
            self._cancel_armed = None

    # ------------------------------------------------------------------ reads
    def refresh(self, focus: bool = True) -> None:
        """The queue again (a read), keeping the selected hold selected."""
        chosen = self.selected()
        try:
            queue = self.holds.queue()
        except KnownError as exc:
            show_error(self.message, exc)
            return
        rows = [*queue.incoming, *queue.outgoing]
        self.model.set_holds(rows, queue.as_of)
        self.summary.setText(
            f"{plural(len(queue.incoming), 'hold')} kept here, "
            f"{plural(len(queue.outgoing), 'hold')} asked of other branches · "
            f"{queue.waiting} waiting for this branch (bold)"
        )
        ids = [h.id for h in rows]
        if rows:
            row = ids.index(chosen.id) if chosen is not None and chosen.id in ids else 0
            self.table.selectRow(row)
        if focus:
            self.table.setFocus()

    def selected(self) -> HoldView | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.model.row_at(rows[0].row()) if rows else None

    def _chosen(self) -> HoldView | None:
        hold = self.selected()
        if hold is None:
            self.message.say("Choose a hold first (↑ / ↓).", problem=True)
        return hold

    # ----------------------------------------------------------------- writes
    def cancel(self) -> None:
        """X (or Del) twice: a cancel cannot be undone, and X sits next to C (Collected),
        so the first press only says what the second would do."""
        hold = self._chosen()
        if hold is None:
            return
        if self._cancel_armed != hold.id and hold.state not in FINAL:  # over: told at once
            self._cancel_armed = hold.id
            self.message.say(f"Press X again to cancel hold {hold.code} (it cannot be undone).")
            return
        self._cancel_armed = None
        self._mark(hold, "cancelled")

    def mark(self, state: str) -> None:
        self._cancel_armed = None
        hold = self._chosen()
        if hold is None:
            return
        self._mark(hold, state)

    def _mark(self, hold: HoldView, state: str) -> None:
        holds = self.holds

        def done(view: HoldView) -> None:
            self.message.say(f"Hold {view.code} is {view.label} now.")
            self.refresh()
            if self.on_step is not None:
                self.on_step(view)

        BackgroundOp(self.worker, lambda: holds.mark(hold.id, state)).success(done).failure(
            lambda exc: show_error(self.message, exc)
        ).run_in_background()

    def _with_slip(self, then: Callable[[HoldSlip], None]) -> None:
        hold = self._chosen()
        if hold is None:
            return
        holds = self.holds
        BackgroundOp(self.worker, lambda: holds.slip(hold.id)).success(then).failure(
            lambda exc: show_error(self.message, exc)
        ).run_in_background()

    def print_slip(self) -> None:
        self._cancel_armed = None
        printing = self.printing
        if printing is None:
            self.message.say("No printer is set up here.", problem=True)
            return

        def send(slip: HoldSlip) -> None:
            target = printing.target()
            self.message.say(f"Printing the slip for hold {slip.code} on {target.describe()}…")
            BackgroundOp(
                self.worker,
                lambda: printing.print_slip(slip.pdf, slip.content, target, job_name=slip.title),
            ).success(
                lambda where: self.message.say(f"Slip for hold {slip.code} printed on {where}.")
            ).failure(
                lambda exc: show_error(self.message, exc, prefix="Ctrl+S saves it instead:")
            ).run_in_background()

        self._with_slip(send)

    def preview(self) -> None:
        self._cancel_armed = None
        hold = self._chosen()
        printing = self.printing
        if hold is None or printing is None:
            return
        holds = self.holds

        def render() -> Sequence[QImage]:
            return printing.preview_pages(holds.slip(hold.id).pdf)

        BackgroundOp(self.worker, render).success(
            lambda pages: self._show_preview(pages, hold.code)
        ).failure(lambda exc: show_error(self.message, exc)).run_in_background()

    def _show_preview(self, pages: Sequence[QImage], code: str) -> None:
        dialog = SlipPreviewDialog(pages, self, header=preview_header(code))
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.print_slip()

    def save_pdf(self) -> None:
        self._cancel_armed = None
        printing = self.printing
        hold = self._chosen()
        if printing is None or hold is None:
            return
        path = still_open(
            self,
            lambda: self.choose_save_path(
                self, "Save the slip as PDF", f"hold-{hold.code}.pdf", "PDF files (*.pdf)"
            ),
        )
        if path is None:
            return
        holds = self.holds

        def save() -> None:
            printing.save_pdf(holds.slip(hold.id).pdf, path)

        BackgroundOp(self.worker, save).success(
            lambda _: self.message.say(f"Slip for hold {hold.code} saved as {path}.")
        ).failure(lambda exc: show_error(self.message, exc)).run_in_background()


def preview_header(code: str) -> str:
    """What the hold slip's preview is: unlike a referral's, its code exists already."""
    return (
        f"The slip for hold {code} as it will print: the customer shows this code "
        "when they collect the item."
    )


# Short columns (direction, code, state, age, until) as wide as their text; the others
# (branch, item, for, note) share the rest and elide, the tooltip has the whole text.
_SHARED_COLUMNS = (3, 4, 5, 8)


def _fit_columns(table: QTableView) -> None:
    """The queue never scrolls sideways, even on a 1024-pixel screen."""
    table.setWordWrap(False)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    header = table.horizontalHeader()
    header.setStretchLastSection(False)
    header.setMinimumSectionSize(40)
    for column in range(table.model().columnCount()):
        shared = column in _SHARED_COLUMNS
        mode = QHeaderView.ResizeMode.Stretch if shared else QHeaderView.ResizeMode.ResizeToContents
        header.setSectionResizeMode(column, mode)


class HoldsWatch(QObject):
    """The status bar's "2 holds waiting", the told words, and expiry on the worker."""

    def __init__(self, window: MainWindow, holds: HoldService) -> None:
        super().__init__(window)
        self.window = window
        self.holds = holds
        self.label = QLabel()
        self.label.setToolTip("Holds waiting for this branch to act (Ctrl+H)")
        window.statusBar().addPermanentWidget(self.label)
        self._told_after: datetime | None = None
        self._first = True
        self._poll = QTimer(self, interval=POLL_MS)
        self._poll.timeout.connect(self.poll)
        self._poll.start()
        self._expire = QTimer(self, interval=EXPIRE_MS)
        self._expire.timeout.connect(self.expire)
        self._expire.start()
        self.poll()

    def poll(self) -> None:
        """The count, and any new "… first" this register was told since the last poll."""
        try:
            waiting = self.holds.waiting_count()
            told = self.holds.notices_since(self._told_after)
        except KnownError:
            return  # a damaged store has its own banner; the count is not worth a second
        self.label.setText(plural(waiting, "hold waiting", "holds waiting") if waiting else "")
        self.label.setVisible(bool(waiting))
        if told:
            self._told_after = told[-1][0]
            if not self._first:  # at start-up, old news is in the queue, not the message line
                self.window.say(told[-1][1])
        self._first = False

    def expire(self) -> None:
        BackgroundOp(self.window.worker, self.holds.expire_due).success(
            lambda n: self.poll() if n else None
        ).failure(lambda exc: None).run_in_background()


def attach_holds(window: MainWindow) -> HoldsWatch | None:
    """Ctrl+H and the status bar count, when the window has the hold service."""
    holds = window.services.holds
    if holds is None:
        return None
    menu = window.menuBar().addMenu("&Holds")
    desk = window.services.desk
    tz = window.card.timeline_model.tz

    def stepped(view: HoldView) -> None:
        """The card on screen shows this hold's steps: read it again (as a sync does)."""
        card = window.card.card
        if (
            card is not None
            and view.customer_id is not None
            and card.id in holds.person_of(view.customer_id)
        ):
            window.reload_card()

    def open_queue() -> None:
        printing = desk.printing if desk else None
        HoldsDialog(holds, printing, window.worker, tz, window, on_step=stepped).exec()
        watch.poll()
        window.search.focus_box()

    menu.addAction("&Holds queue…", QKeySequence("Ctrl+H"), open_queue)
    watch = HoldsWatch(window, holds)
    return watch

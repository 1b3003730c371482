"""F4, "Find elsewhere": what the customer asked for, and where they can get it.

Keyboard first, like the rest of the register:

* type what the customer asked for (typos are fine) — answers appear in tiers, and a
  line says how a typo will be printed and counted ("Did you mean “deluxe headphones”?");
* **Enter** jumps to the best place to send them, **Enter** again (or **F10**) prints the
  slip — the referral is recorded before the printer is touched; **↑/↓** move between
  answers only, never onto a tier heading;
* **F11** notes the ask as unmet demand without printing anything; an ask that found
  nothing anywhere is noted when the finder closes, unless **F8** ("Don't log this
  ask") is ticked or the box was cleared;
* **F12** logs a referral that came *in* (from the highlighted partner, or by code);
* **F9** previews the slip, **Ctrl+S** saves it as a PDF, **Esc** closes;
* **F6** / **F7** on another branch's answer ask it to hold the item for the customer
  (collect there / bring it here: :mod:`posassist.ui.views.finder_holds`).

This module is the dialog: its widgets, keys and search. What the keys write, print and
render runs on the worker (:mod:`posassist.ui.views.finder_actions`); results come back
by signal and focus always returns to the box, ready for the next ask.

``ReferralDesk``, ``CustomerRef``, ``ArrivalDialog`` and ``arrival_message`` are
re-exported from here for the composition root and older imports.
"""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from posassist.domain.finder import FinderResult, ProductMatch
from posassist.errors import KnownError
from posassist.ui.feedback import MessageLine, show_error
from posassist.ui.models.referrals import FinderEntry, FinderResultsModel, finder_entries
from posassist.ui.screen import fit_to_screen
from posassist.ui.theme import named
from posassist.ui.views.arrival import ArrivalDialog
from posassist.ui.views.favourites import AlsoBoughtList
from posassist.ui.views.files import choose_save_path
from posassist.ui.views.finder_actions import FinderActions
from posassist.ui.views.finder_holds import FinderHolds
from posassist.ui.views.picks import show_finder_picks
from posassist.ui.views.referral_desk import CustomerRef, ReferralDesk, arrival_message
from posassist.ui.workers import BackgroundOp, Worker

__all__ = [
    "ArrivalDialog",
    "CustomerRef",
    "FinderDialog",
    "ReferralDesk",
    "arrival_message",
]

SEARCH_DELAY_MS = 120
FINDER_LIMIT = 6
"""Answers per tier: enough to choose from, few enough that partners stay in view."""


def _key_button(text: str) -> QPushButton:
    button = QPushButton(text)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys, not Tab stops: focus stays in the box
    return button


class FinderDialog(QDialog):
    """Emits ``print_finished(ok)`` when a print job ends, ``recorded`` after any write,
    ``noted(text)`` when the ask was noted (or could not be) as the finder closed."""

    print_finished = Signal(bool)
    recorded = Signal()
    noted = Signal(str)

    def __init__(
        self,
        desk: ReferralDesk,
        worker: Worker,
        tz: ZoneInfo,
        customer: CustomerRef | None,
        parent: QWidget | None = None,
        text: str = "",
    ) -> None:
        super().__init__(parent)
        self.desk = desk
        self.worker = worker
        self.tz = tz
        self.customer = customer
        self.choose_save_path = choose_save_path
        self.key_actions = FinderActions(self)
        self.hold_actions = FinderHolds(self)
        self.setWindowTitle("Find elsewhere")
        self.resize(1100, 820)
        self.for_label = named(QLabel(_for_line(customer)), "contact")
        self.box = named(QLineEdit(text), "search")
        self.box.setPlaceholderText("What did the customer ask for?")
        self.box.setClearButtonEnabled(True)
        self.hint = named(QLabel(), "emptyHint")
        self.hint.setWordWrap(True)
        self.wording_line = named(QLabel(), "method")
        self.wording_line.setVisible(False)
        self.picks_line = named(QLabel(), "method")  # staff picks the ask is about
        self.picks_line.setWordWrap(True)
        self.picks_line.setVisible(False)
        self.dont_log = QCheckBox("F8  Don't log this ask")
        self.dont_log.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.answer: FinderResult | None = None
        """The answer to the box's text as last searched (None for a blank box)."""
        self._make_results()
        self.message = MessageLine()
        self._keep_message = False
        self._filling = False
        self._lay_out()
        self._rebuilding = False
        self._delay = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._delay.timeout.connect(self.search_now)
        self.box.textEdited.connect(self._on_box_edited)
        self.box.installEventFilter(self)
        self.results.installEventFilter(self)
        self.results.activated.connect(self._on_results_activated)
        self.results.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.show_hint("Type what the customer asked for. Typos are fine.")
        if text.strip():
            self.search_now()
        self.focus_box()
        fit_to_screen(self)

    def _make_results(self) -> None:
        """The tiers as one list, and under it what others bought with the product
        selected in "we have it here" (hidden until one is)."""
        self.model = FinderResultsModel()
        self.results = QListView()
        self.results.setModel(self.model)
        self.results.setWordWrap(True)
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setSpacing(1)
        self.also_bought = AlsoBoughtList(rows=3)
        self.also_bought.setVisible(False)
        self.results.selectionModel().selectionChanged.connect(self._show_also_bought)

    def _lay_out(self) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(named(QLabel("We don't carry it? Find where."), "customerName"))
        layout.addWidget(self.for_label)
        layout.addWidget(self.box)
        layout.addWidget(self.wording_line)
        layout.addWidget(self.picks_line)
        layout.addWidget(self.hint)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.also_bought)
        layout.addWidget(self.message)
        layout.addLayout(self._make_keys())

    def _make_keys(self) -> QVBoxLayout:
        """The key buttons in rows (slips, holds, the rest), and the same actions as
        shortcuts.

        Rows, because in one row at the register's large type they are wider than a
        1024-pixel screen, and the dialog would scroll sideways with F12, F8 and Esc out
        of sight.
        """
        self.print_button = _key_button("Enter / F10  Print slip")
        self.print_button.setObjectName("primary")
        slip_row, other_row, hold_row = QHBoxLayout(), QHBoxLayout(), QHBoxLayout()
        for row, button, slot in (
            (slip_row, self.print_button, self.print_slip),
            (slip_row, _key_button("F9  Preview"), self.preview),
            (slip_row, _key_button("Ctrl+S  Save PDF"), self.save_pdf),
            (other_row, _key_button("F11  Not here — note it"), self.log_unmet_demand),
            (other_row, _key_button("F12  Referral came in"), self.referral_came_in),
            (hold_row, _key_button("F6  Hold it there for them"), self.hold_there),
            (hold_row, _key_button("F7  Hold it and bring it here"), self.hold_and_bring),
        ):
            button.clicked.connect(slot)
            row.addWidget(button)
        slip_row.addStretch(1)
        hold_row.addStretch(1)
        other_row.addStretch(1)
        other_row.addWidget(self.dont_log)
        close_button = _key_button("Esc  Close")
        close_button.clicked.connect(self.reject)
        other_row.addWidget(close_button)
        keys = QVBoxLayout()
        keys.addLayout(slip_row)
        keys.addLayout(hold_row)
        keys.addLayout(other_row)
        for key, slot in (
            ("F10", self.print_slip),
            ("F9", self.preview),
            ("Ctrl+S", self.save_pdf),
            ("F11", self.log_unmet_demand),
            ("F12", self.referral_came_in),
            ("F4", self.focus_box),
            ("F8", self.dont_log.toggle),
            ("F6", self.hold_there),
            ("F7", self.hold_and_bring),
        ):
            QShortcut(QKeySequence(key), self).activated.connect(slot)
        return keys

    # ------------------------------------------------------------------ keys
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if watched is self.box:
                if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                    self._on_box_enter()
                    return True
                if key == Qt.Key.Key_Down and self.model.rowCount():
                    self._select(self.model.first_answer_row())
                    return True
            elif watched is self.results:
                if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                    self.print_slip()
                    return True
                if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
                    self._step(-1 if key == Qt.Key.Key_Up else 1)
                    return True
                if event.text().isprintable() and event.text().strip():
                    # Typing while in the list goes on in the box, as a cashier expects.
                    self.focus_box(select_all=False)
                    self.box.insert(event.text())
                    self._on_box_edited(self.box.text())
                    return True
        return super().eventFilter(watched, event)

    def _on_box_edited(self, _text: str) -> None:
        self.dont_log.setChecked(False)  # a new ask: "don't log" was for the last one
        self.drop_stale_message(new_ask=True)
        self._delay.start()

    def _on_selection_changed(self, *_args: object) -> None:
        if not self._filling:  # the cashier chose another answer, not a refill of the list
            self.drop_stale_message(new_ask=False)

    def drop_stale_message(self, *, new_ask: bool) -> None:
        """Hide the message once it no longer applies: another answer chosen, or a new
        ask typed. Work still under way ("Printing…", "Asking … to hold …") stays, and a
        message said with ``keep`` (a failed print: F10 tries again) stays until a new ask.
        """
        said = self.message.text()
        if not said or said.endswith("…") or (self._keep_message and not new_ask):
            return
        self.say("")

    def _step(self, step: int) -> None:
        """↑/↓ in the list: to the next answer, over tier headings; ↑ from the first answer
        goes back to the box."""
        row = self._selected_row()
        start = row if row is not None else self.results.currentIndex().row()
        target = self.model.next_answer_row(start, step)
        if target is not None:
            self._select(target)
        elif step < 0:
            self.focus_box()

    def ask(self) -> tuple[str, str]:
        """(what the cashier typed, what will be printed and counted) for the box's text.

        Searches first if the text changed since the last answer, so the wording the
        cashier was shown is the wording written.
        """
        text = self.box.text()
        if self.answer is None or self.answer.query != text:
            self.search_now()
        typed = " ".join(text.split())
        return typed, self.answer.ask if self.answer is not None else typed

    def done(self, result: int) -> None:
        """Closing notes an ask that found nothing anywhere (see the module docstring)."""
        if self._delay.isActive():
            self.search_now()
        self.key_actions.log_on_close()
        super().done(result)

    def _on_box_enter(self) -> None:
        self._delay.stop()
        if not self.box.text().strip():
            return
        self.search_now()
        best = self.model.first_printable_row()
        self._select(best if best is not None else self.model.first_answer_row())

    def _on_results_activated(self, _index: object) -> None:
        self.print_slip()

    # ------------------------------------------------------- the key actions
    def print_slip(self) -> None:
        self.key_actions.with_slip("print")

    def save_pdf(self) -> None:
        self.key_actions.with_slip("save")

    def preview(self) -> None:
        self.key_actions.preview()

    def log_unmet_demand(self) -> None:
        self.key_actions.log_unmet_demand()

    def referral_came_in(self) -> None:
        self.key_actions.referral_came_in()

    def hold_there(self) -> None:
        self.hold_actions.request(relay=False)

    def hold_and_bring(self) -> None:
        self.hold_actions.request(relay=True)

    def customer_name(self) -> str:
        return self.customer.name if self.customer else ""

    # --------------------------------------------------------------- helpers
    def set_customer(self, customer: CustomerRef | None) -> None:
        """The finder now serves ``customer`` (F4 after opening another card): asks, slips
        and referrals in go on their card, and a slip printed for the previous customer
        is never handed out again as theirs."""
        if customer == self.customer:
            return
        self.customer = customer
        self.for_label.setText(_for_line(customer))
        self.say("")

    def customer_scanned(self, customer: CustomerRef | None, code: str) -> None:
        """A card scanned while this finder served no one: the ask goes on for them.

        The scan's characters are taken out of the box if they reached it (typed in the
        list, they are passed on to the box, where the scanner cannot take them back).
        """
        if self.box.text().endswith(code):
            self.box.setText(self.box.text()[: -len(code)])
            self.search_now()
        if customer is None or not self.isVisible():
            return
        self.set_customer(customer)
        self.say(f"Now for {customer.name}: F6 or F7 asks the hold, slips go on their card.")
        self.raise_()
        self.focus_box(select_all=False)

    def focus_box(self, select_all: bool = True) -> None:
        self.activateWindow()
        self.box.setFocus()
        if select_all:
            self.box.selectAll()

    def show_hint(self, text: str) -> None:
        self.hint.setText(text)
        self.hint.setVisible(bool(text))

    def say(self, text: str, *, problem: bool = False, keep: bool = False) -> None:
        """The message line; ``keep`` when it applies to the ask, whatever is chosen."""
        self._keep_message = keep
        self.message.say(text, problem=problem)

    def _selected_row(self) -> int | None:
        rows = self.results.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def _select(self, row: int | None) -> None:
        if row is None:
            return
        index = self.model.index(row, 0)
        self.results.setCurrentIndex(index)
        self.results.scrollTo(index)
        self.results.setFocus()

    def selected_entry(self) -> FinderEntry | None:
        row = self._selected_row()
        return self.model.entry(row) if row is not None else None

    def target_entry(self) -> FinderEntry | None:
        """The selected answer, or the best one to print when none is selected."""
        entry = self.selected_entry()
        if entry is not None:
            return entry
        best = self.model.first_printable_row()
        return self.model.entry(best) if best is not None else None

    def customer_id(self) -> uuid.UUID | None:
        return self.customer.id if self.customer else None

    def _show_also_bought(self, *_args: object) -> None:
        """A product we have here, selected: "customers who bought this also bought", with
        counts, so the cashier can suggest what goes with it.

        Read here, on the GUI thread, as the card reads its own: a primary-key range read
        of the table built in the background (``services/also_bought.py``), not a build.
        """
        entry = self.selected_entry()
        service = self.desk.also_bought
        if entry is None or entry.tier != "here" or service is None:
            self.also_bought.show_suggestions("", ())
            return
        assert isinstance(entry.match, ProductMatch)
        product = entry.match.product
        try:
            suggestions = service.for_sku(product.sku, limit=len(self.also_bought.lines))
        except KnownError as exc:
            show_error(self.message, exc, prefix="Also bought unavailable:")
            suggestions = ()
        self.also_bought.show_suggestions(product.name, suggestions)

    # ---------------------------------------------------------------- search
    def search_now(self) -> None:
        """Answer from the in-memory index at once (a read, on this thread)."""
        self._delay.stop()
        text = self.box.text()
        if not text.strip():
            self.answer = None
            self._filling = True
            self.model.set_entries([])
            self._filling = False
            self.also_bought.show_suggestions("", ())
            self._show_wording(None)
            self.picks_line.setVisible(False)
            self.show_hint("Type what the customer asked for. Typos are fine.")
            return
        try:
            result = self.desk.finder.find(text, limit=FINDER_LIMIT, allow_stale=True)
            stale = self.desk.finder.needs_rebuild()
        except KnownError as exc:
            show_error(self.message, exc)
            return
        if stale and not self._rebuilding:
            # The directory changed: rebuild on the worker, then answer again.
            self._rebuilding = True
            BackgroundOp(self.worker, self.desk.finder.warm_up).success(
                self._on_rebuild_done
            ).failure(self._on_rebuild_failed).run_in_background()
        self.answer = result
        self.also_bought.show_suggestions("", ())  # the list is new: nothing selected
        badges = show_finder_picks(self.picks_line, self.desk.picks, text)
        now = self.desk.finder.local_now()
        self._filling = True
        try:
            self.model.set_entries(finder_entries(result, self.tz, now, badges))
        finally:
            self._filling = False
        self._show_wording(result.wording)
        if result.can_supply_here:
            self.show_hint("We have it here (green). Otherwise ↓ picks another place.")
        elif result.other_branches or result.vendors:
            self.show_hint("Enter picks the best place, Enter again prints the slip.")
        else:
            self.show_hint(
                f"Nobody we know has “{result.ask[:40]}”. F11 notes the ask now; closing "
                "notes it too, unless F8."
            )

    def _show_wording(self, wording: str | None) -> None:
        """The corrected ask, before anything is printed or noted with it."""
        self.wording_line.setText(
            f"Did you mean “{wording}”? Printing as: {wording}" if wording else ""
        )
        self.wording_line.setVisible(bool(wording))

    def _on_rebuild_done(self, _result: object) -> None:
        self._rebuilding = False
        if self.box.text().strip():
            self.search_now()

    def _on_rebuild_failed(self, exc: BaseException) -> None:
        self._rebuilding = False
        show_error(self.message, exc, prefix="Could not refresh the finder:")


def _for_line(customer: CustomerRef | None) -> str:
    if customer is None:
        return "No customer open: asks are counted without a name."
    return f"For {customer.name}: asks and slips go on their card."

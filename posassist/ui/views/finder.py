"""F4, "Find elsewhere": what the customer asked for, and where they can get it.

Keyboard first, like the rest of the register:

* type what the customer asked for (typos are fine) — answers appear in tiers;
* **Enter** jumps to the best place to send them, **Enter** again (or **F10**) prints the
  slip — the referral is recorded before the printer is touched;
* **F11** notes the ask as unmet demand without printing anything;
* **F12** logs a referral that came *in* (from the highlighted partner, or by code);
* **F9** previews the slip, **Ctrl+S** saves it as a PDF, **Esc** closes.

Recording runs on the worker, printing too (a driver can block for seconds); results come
back by signal and focus always returns to the box, ready for the next ask.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QKeyEvent, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from posassist.domain import referral_codes
from posassist.domain.finder import BranchMatch, VendorMatch
from posassist.errors import InvalidInputError, KnownError
from posassist.services.finder import FinderService, item_key
from posassist.services.printers import PrintService
from posassist.services.referrals import ArrivedReferral, IssuedSlip, ReferralService
from posassist.services.vendors import VendorService
from posassist.ui.models.referrals import (
    FinderEntry,
    FinderResultsModel,
    PartnerChoicesModel,
    finder_entries,
)
from posassist.ui.theme import named
from posassist.ui.views.files import choose_save_path
from posassist.ui.workers import Worker

SEARCH_DELAY_MS = 120
FINDER_LIMIT = 6
"""Answers per tier: enough to choose from, few enough that partners stay in view."""


@dataclass
class ReferralDesk:
    """The services behind the finder, the vendor directory and the reports."""

    finder: FinderService
    referrals: ReferralService
    vendors: VendorService
    printing: PrintService


@dataclass(frozen=True)
class CustomerRef:
    """The customer whose card is open: asks and referrals are logged against them.

    Shown on screen only; nothing of it ever reaches a slip.
    """

    id: uuid.UUID
    name: str


SlipKey = tuple[str, str, uuid.UUID | None]
"""(item key, place id, customer id): a slip is handed out again only for all three."""
DemandKey = tuple[str, uuid.UUID | None]
"""(item key, customer id): one customer's ask is counted once as unmet demand."""


def _key_button(text: str) -> QPushButton:
    button = QPushButton(text)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys, not Tab stops: focus stays in the box
    return button


class FinderDialog(QDialog):
    """Emits ``print_finished(ok)`` when a print job ends, ``recorded`` after any write."""

    print_finished = Signal(bool)
    recorded = Signal()

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
        self.setWindowTitle("Find elsewhere")
        self.resize(1100, 820)
        self._last_slip: IssuedSlip | None = None
        self._last_key: SlipKey | None = None
        self._demand_logged: set[DemandKey] = set()
        self._busy = False

        title = named(QLabel("We don't carry it? Find where."), "customerName")
        self.for_label = named(QLabel(_for_line(customer)), "contact")
        self.box = named(QLineEdit(text), "search")
        self.box.setPlaceholderText("What did the customer ask for?")
        self.box.setClearButtonEnabled(True)
        self.hint = named(QLabel(), "emptyHint")
        self.hint.setWordWrap(True)
        self.model = FinderResultsModel()
        self.results = QListView()
        self.results.setModel(self.model)
        self.results.setWordWrap(True)
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setSpacing(1)
        self.message = named(QLabel(), "greeting")
        self.message.setWordWrap(True)
        self.message.hide()

        self.print_button = _key_button("Enter / F10  Print slip")
        self.print_button.setObjectName("primary")
        self.preview_button = _key_button("F9  Preview")
        self.save_button = _key_button("Ctrl+S  Save PDF")
        self.demand_button = _key_button("F11  Not here — note it")
        self.arrival_button = _key_button("F12  Referral came in")
        close_button = _key_button("Esc  Close")
        keys = QHBoxLayout()
        for button in (
            self.print_button,
            self.preview_button,
            self.save_button,
            self.demand_button,
            self.arrival_button,
        ):
            keys.addWidget(button)
        keys.addStretch(1)
        keys.addWidget(close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.for_label)
        layout.addWidget(self.box)
        layout.addWidget(self.hint)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.message)
        layout.addLayout(keys)

        self._rebuilding = False
        self._delay = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._delay.timeout.connect(self.search_now)
        self.box.textEdited.connect(self._on_box_edited)
        self.box.installEventFilter(self)
        self.results.installEventFilter(self)
        self.results.activated.connect(self._on_results_activated)
        self.print_button.clicked.connect(self.print_slip)
        self.preview_button.clicked.connect(self.preview)
        self.save_button.clicked.connect(self.save_pdf)
        self.demand_button.clicked.connect(self.log_unmet_demand)
        self.arrival_button.clicked.connect(self.referral_came_in)
        close_button.clicked.connect(self.reject)
        for key, slot in (
            ("F10", self.print_slip),
            ("F9", self.preview),
            ("Ctrl+S", self.save_pdf),
            ("F11", self.log_unmet_demand),
            ("F12", self.referral_came_in),
            ("F4", self.focus_box),
        ):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.activated.connect(slot)
        self.show_hint("Type what the customer asked for. Typos are fine.")
        if text.strip():
            self.search_now()
        self.focus_box()

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
                if key == Qt.Key.Key_Up and self._selected_row() == self.model.first_answer_row():
                    self.focus_box()
                    return True
                if event.text().isprintable() and event.text().strip():
                    # Typing while in the list goes on in the box, as a cashier expects.
                    self.focus_box(select_all=False)
                    self.box.insert(event.text())
                    self._on_box_edited(self.box.text())
                    return True
        return super().eventFilter(watched, event)

    def _on_box_edited(self, _text: str) -> None:
        self._delay.start()

    def _on_box_enter(self) -> None:
        self._delay.stop()
        if not self.box.text().strip():
            return
        self.search_now()
        best = self.model.first_printable_row()
        self._select(best if best is not None else self.model.first_answer_row())

    def _on_results_activated(self, _index: object) -> None:
        self.print_slip()

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

    def focus_box(self, select_all: bool = True) -> None:
        self.activateWindow()
        self.box.setFocus()
        if select_all:
            self.box.selectAll()

    def show_hint(self, text: str) -> None:
        self.hint.setText(text)
        self.hint.setVisible(bool(text))

    def say(self, text: str, *, problem: bool = False) -> None:
        self.message.setObjectName("error" if problem else "greeting")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setText(text)
        self.message.setVisible(bool(text))

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

    def _target_entry(self) -> FinderEntry | None:
        """The selected answer, or the best one to print when none is selected."""
        entry = self.selected_entry()
        if entry is not None:
            return entry
        best = self.model.first_printable_row()
        return self.model.entry(best) if best is not None else None

    def _customer_id(self) -> uuid.UUID | None:
        return self.customer.id if self.customer else None

    def _demand_key(self, text: str) -> DemandKey:
        return item_key(text), self._customer_id()

    # ---------------------------------------------------------------- search
    def search_now(self) -> None:
        self._delay.stop()
        text = self.box.text()
        if not text.strip():
            self.model.set_entries([])
            self.show_hint("Type what the customer asked for. Typos are fine.")
            return
        try:
            result = self.desk.finder.find(text, limit=FINDER_LIMIT, allow_stale=True)
            stale = self.desk.finder.needs_rebuild()
        except KnownError as exc:
            self.say(str(exc), problem=True)
            return
        if stale and not self._rebuilding:
            # The directory changed: rebuild on the worker, then answer again.
            self._rebuilding = True
            self.worker.submit(
                self.desk.finder.warm_up,
                on_done=self._on_rebuild_done,
                on_error=self._on_rebuild_failed,
            )
        self.model.set_entries(finder_entries(result, self.tz, self.desk.finder.local_now()))
        if result.can_supply_here:
            self.show_hint("We have it here (green). Otherwise ↓ picks another place.")
        elif result.other_branches or result.vendors:
            self.show_hint("Enter picks the best place, Enter again prints the slip.")
        else:
            self.show_hint(f"Nobody we know has “{text.strip()[:40]}”. F11 notes the ask.")

    def _on_rebuild_done(self, _result: object) -> None:
        self._rebuilding = False
        if self.box.text().strip():
            self.search_now()

    def _on_rebuild_failed(self, exc: BaseException) -> None:
        self._rebuilding = False
        self.say(f"Could not refresh the finder: {exc}", problem=True)

    # --------------------------------------------------------- unmet demand
    def log_unmet_demand(self) -> None:
        text = self.box.text()
        try:
            self.desk.finder.log_unmet_demand(text, self._customer_id())
        except KnownError as exc:
            self.say(str(exc), problem=True)
            self.focus_box()
            return
        self._demand_logged.add(self._demand_key(text))
        self.say(f"Noted: a customer asked for “{' '.join(text.split())[:60]}”.")
        self.recorded.emit()
        self.focus_box()

    # ------------------------------------------------------------ slips out
    def _ask(self) -> tuple[FinderEntry, str, SlipKey] | None:
        """The chosen place and the ask, or None after telling the cashier what is missing.

        The key says when a slip already made can be handed out again: the same ask, the
        same place and the same customer (their card carries the referral).
        """
        text = self.box.text()
        if not text.strip():
            self.say("Type what the customer asked for first.", problem=True)
            self.focus_box()
            return None
        entry = self._target_entry()
        if entry is None or not entry.printable:
            self.say(
                "Choose another branch or a partner shop to send them to (↓ then Enter).",
                problem=True,
            )
            return None
        match = entry.match
        target = (
            match.vendor.vendor_id
            if isinstance(match, VendorMatch)
            else match.stock.branch_id
            if isinstance(match, BranchMatch)
            else ""
        )
        return entry, text, (item_key(text), target, self._customer_id())

    def _target_ids(self, entry: FinderEntry) -> tuple[uuid.UUID | None, uuid.UUID | None]:
        """(vendor id, branch id) of a printable answer; exactly one is set."""
        if isinstance(entry.match, VendorMatch):
            return uuid.UUID(entry.match.vendor.vendor_id), None
        assert isinstance(entry.match, BranchMatch)
        return None, uuid.UUID(entry.match.stock.branch_id)

    def _with_slip(self, then: str) -> None:
        """Record the referral (once per ask and place) on the worker, then ``then`` it."""
        if self._busy:
            self.say("Still working on the last slip…")
            return
        ask = self._ask()
        if ask is None:
            return
        entry, text, key = ask
        if self._last_slip is not None and self._last_key == key:
            self._after_issue(self._last_slip, then)  # same ask, same place: the same slip
            return
        vendor_id, branch_id = self._target_ids(entry)
        customer_id = self._customer_id()
        demand_key = self._demand_key(text)
        log_demand = demand_key not in self._demand_logged
        referrals = self.desk.referrals
        self._busy = True
        self.say("Recording the referral…")

        def issue() -> IssuedSlip:
            return referrals.issue_slip(
                text,
                vendor_id=vendor_id,
                branch_id=branch_id,
                customer_id=customer_id,
                log_demand=log_demand,
            )

        def done(slip: IssuedSlip) -> None:
            self._busy = False
            self._last_slip, self._last_key = slip, key
            self._demand_logged.add(demand_key)
            self.recorded.emit()
            self._after_issue(slip, then)

        self.worker.submit(issue, on_done=done, on_error=self._on_issue_failed)

    def _on_issue_failed(self, exc: BaseException) -> None:
        self._busy = False
        if not isinstance(exc, KnownError):
            raise exc
        self.say(f"Nothing was recorded: {exc}", problem=True)
        self.focus_box()

    def _after_issue(self, slip: IssuedSlip, then: str) -> None:
        if then == "print":
            self._print(slip)
        elif then == "save":
            self._save(slip)

    def print_slip(self) -> None:
        self._with_slip("print")

    def save_pdf(self) -> None:
        self._with_slip("save")

    def _print(self, slip: IssuedSlip) -> None:
        printing = self.desk.printing
        target = printing.target()
        self._busy = True
        self.say(f"Referral recorded (code {slip.code}). Printing on {target.describe()}…")

        def done(where: str) -> None:
            self._busy = False
            self.say(f"Slip {slip.code} for {slip.target_name} printed on {where}.")
            self.print_finished.emit(True)
            self.focus_box()

        def failed(exc: BaseException) -> None:
            self._busy = False
            if not isinstance(exc, KnownError):
                self.print_finished.emit(False)
                raise exc
            self.say(
                f"{exc} The referral is recorded (code {slip.code}): F10 tries again, "
                "Ctrl+S saves the slip as a PDF.",
                problem=True,
            )
            self.print_finished.emit(False)
            self.focus_box()

        self.worker.submit(lambda: printing.print_pdf(slip.pdf, target), done, failed)

    def _save(self, slip: IssuedSlip) -> None:
        path = self.choose_save_path(
            self, "Save the slip as PDF", f"slip-{slip.code}.pdf", "PDF files (*.pdf)"
        )
        if path is None:
            self.say(f"Referral recorded (code {slip.code}); the slip was not saved.")
            self.focus_box()
            return
        try:
            self.desk.printing.save_pdf(slip.pdf, path)
        except KnownError as exc:
            self.say(str(exc), problem=True)
        else:
            self.say(f"Slip {slip.code} saved as {path}.")
        self.focus_box()

    def preview(self) -> None:
        ask = self._ask()
        if ask is None:
            return
        entry, text, key = ask
        try:
            if self._last_slip is not None and self._last_key == key:
                pdf = self._last_slip.pdf
            else:
                vendor_id, branch_id = self._target_ids(entry)
                pdf = self.desk.referrals.draft_slip(text, vendor_id=vendor_id, branch_id=branch_id)
            pages = self.desk.printing.preview_pages(pdf)
        except KnownError as exc:
            self.say(str(exc), problem=True)
            return
        dialog = SlipPreviewDialog(pages, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.print_slip()
        else:
            self.focus_box()

    # ------------------------------------------------------------ referral in
    def referral_came_in(self) -> None:
        entry = self.selected_entry()
        if entry is not None and isinstance(entry.match, VendorMatch):
            vendor = entry.match.vendor
            try:
                arrived = self.desk.referrals.record_arrival(
                    customer_id=self._customer_id(), vendor_id=uuid.UUID(vendor.vendor_id)
                )
            except KnownError as exc:
                self.say(str(exc), problem=True)
            else:
                self.say(arrival_message(arrived, self.customer))
                self.recorded.emit()
            self.focus_box()
            return
        dialog = ArrivalDialog(self.desk.referrals, self.customer, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.arrived is not None:
            self.say(arrival_message(dialog.arrived, self.customer))
            self.recorded.emit()
        self.focus_box()


def _for_line(customer: CustomerRef | None) -> str:
    if customer is None:
        return "No customer open: asks are counted without a name."
    return f"For {customer.name}: asks and slips go on their card."


def arrival_message(arrived: ArrivedReferral, customer: CustomerRef | None) -> str:
    who = f" for {customer.name}" if customer else ""
    return f"Referral from {arrived.source_name} logged{who}. Thank them next time!"


class SlipPreviewDialog(QDialog):
    """The slip exactly as it will print: the PDF's own pages, rendered by QtPdf."""

    def __init__(self, pages: Sequence[QImage], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Slip preview")
        self.resize(560, 860)
        column = QWidget()
        inner = QVBoxLayout(column)
        for page in pages:
            label = QLabel()
            label.setPixmap(QPixmap.fromImage(page))
            label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            inner.addWidget(label)
        scroll = QScrollArea()
        scroll.setWidget(column)
        scroll.setWidgetResizable(True)
        scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        buttons = QDialogButtonBox()
        self.print_button = buttons.addButton(
            "Enter / F10  Print", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.print_button.setDefault(True)
        buttons.addButton("Esc  Close", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence("F10"), self).activated.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("A preview shows no code: the code is made when the slip prints."))
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)


class ArrivalDialog(QDialog):
    """ "Who sent you?": F12 then Enter logs the partner at the top of the list.

    Type a code from a slip (ours or a partner's) or part of the partner's name; ↓/↑ pick
    another partner.  The most recently involved partners come first.
    """

    def __init__(
        self,
        referrals: ReferralService,
        customer: CustomerRef | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.referrals = referrals
        self.customer = customer
        self.arrived: ArrivedReferral | None = None
        self._needs_vendor = False
        self.setWindowTitle("Referral came in")
        self.setMinimumWidth(620)
        who = f"for {customer.name}" if customer else "(no customer open)"
        heading = named(QLabel(f"Who sent this customer? {who}"), "emptyHint")
        heading.setWordWrap(True)
        self.box = named(QLineEdit(), "search")
        self.box.setPlaceholderText("Code from their slip, or the partner's name")
        self.model = PartnerChoicesModel()
        self.list = QListView()
        self.list.setModel(self.model)
        self.error = named(QLabel(), "error")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox()
        ok = buttons.addButton("Enter  Log it", QDialogButtonBox.ButtonRole.AcceptRole)
        ok.setDefault(True)
        buttons.addButton("Esc  Cancel", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.box)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._all = referrals.partners()
        self.box.textEdited.connect(self._on_box_edited)
        self.box.installEventFilter(self)
        self.list.activated.connect(lambda _i: self.submit())
        self._filter("")
        self.box.setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.box and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.model.rowCount():
                row = self.list.currentIndex().row()
                step = 1 if event.key() == Qt.Key.Key_Down else -1
                row = max(0, min(self.model.rowCount() - 1, row + step))
                self.list.setCurrentIndex(self.model.index(row, 0))
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.submit()
                return True
        return super().eventFilter(watched, event)

    def looks_like_code(self, text: str) -> bool:
        """Eight symbols that read as a slip code rather than a partner's name.

        A partner whose name contains the text wins (a shop may be called "Bookland").
        Otherwise a code is recognised by a digit as typed, by the 4+4 grouping printed on
        slips, or by a correct check symbol: about one code in twenty has no digit at all.
        """
        symbols = referral_codes.normalise(text).replace("-", "")
        if len(symbols) != referral_codes.CODE_LENGTH:
            return False
        wanted = " ".join(text.casefold().split())
        if any(wanted in choice.name.casefold() for choice in self._all):
            return False
        grouped = re.fullmatch(r"\s*\w{4}[\s-]\w{4}\s*", text) is not None
        typed_digit = any(ch.isdigit() for ch in text)
        return grouped or typed_digit or referral_codes.is_valid(symbols)

    def _on_box_edited(self, text: str) -> None:
        self._needs_vendor = False
        self.error.hide()
        self._filter("" if self.looks_like_code(text) else text)

    def _filter(self, text: str) -> None:
        wanted = " ".join(text.casefold().split())
        choices = [c for c in self._all if wanted in c.name.casefold()] if wanted else self._all
        self.model.set_choices(choices)
        if choices:
            self.list.setCurrentIndex(self.model.index(0, 0))

    def submit(self) -> None:
        text = self.box.text()
        code = text if self.looks_like_code(text) else None
        row = self.list.currentIndex().row()
        chosen = self.model.choice(row) if 0 <= row < self.model.rowCount() else None
        # With a code, the slip decides who sent them unless it is a partner's own code.
        vendor_id = chosen.vendor_id if chosen and (code is None or self._needs_vendor) else None
        if code is None and vendor_id is None:
            self.show_error("No partner matches. Check the name, or type the code from the slip.")
            return
        try:
            self.arrived = self.referrals.record_arrival(
                customer_id=self.customer.id if self.customer else None,
                vendor_id=vendor_id,
                code=code,
            )
        except InvalidInputError as exc:
            if exc.field == "vendor" and code is not None:
                self._needs_vendor = True
                self._filter("")
                self.show_error(f"{exc} (↓ to choose, then Enter)")
            else:
                self.show_error(str(exc))
            return
        self.accept()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
        self.box.setFocus()

"""The register window. Thin: it turns keys and clicks into service calls.

Keyboard first: F1 keys, F2 search, F3 new customer, F5–F8 log an interaction, F9
notes, Esc clears. After every action focus goes back to the search box, ready for the
next customer. A scan is recognised wherever the focus is (:class:`ScanFilter`).

Never the wrong customer: the card belongs to the search that opened it. When the
search text changes, or a search finds nobody, the card closes, so no F-key can act on
the previous customer; every dialog names the customer it is for. Lookups answer here as
the cashier types; everything that writes runs on the worker
(:class:`~posassist.ui.workers.BackgroundOp`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QSize, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QSplitter

from posassist.errors import KnownError
from posassist.services.also_bought import AlsoBoughtService
from posassist.services.catalog import CatalogService
from posassist.services.customer_export import CustomerExportService
from posassist.services.customers import ContactDetails, CustomerService
from posassist.services.holds import HoldService
from posassist.services.interactions import InteractionService
from posassist.services.picks import PicksService
from posassist.services.privacy import PrivacyService
from posassist.services.settings import SettingsService
from posassist.ui.feedback import show_error
from posassist.ui.keymap import KeyMapDialog
from posassist.ui.register_screen import remember_place, show_as_left
from posassist.ui.scanner import ScanFilter, close_dialogs_for_scan
from posassist.ui.views.approval import Gate
from posassist.ui.views.arrival import ArrivalDialog
from posassist.ui.views.card import WALK_IN_KINDS, CustomerCardView
from posassist.ui.views.dialogs import InteractionDialog, NewCustomerDialog, NotesDialog
from posassist.ui.views.favourites import rebuild_in_background
from posassist.ui.views.finder import FinderDialog
from posassist.ui.views.import_dialog import ImportDesk
from posassist.ui.views.manager import ManagerActions
from posassist.ui.views.referral_desk import CustomerRef, ReferralDesk, arrival_message
from posassist.ui.views.search import SearchPanel
from posassist.ui.views.sign_in import StaffDesk
from posassist.ui.workers import BackgroundOp, Worker

log = logging.getLogger(__name__)
REFIT_CHECK_MS = 60 * 60 * 1000  # hourly check; refits only when the fit is a day old
MINIMUM_SIZE = QSize(1000, 700)  # the smallest register screen, less panels and title


@dataclass
class Services:
    """What the window may call. Built by the composition root."""

    customers: CustomerService
    interactions: InteractionService
    store_label: str
    staff_label: str
    desk: ReferralDesk | None = None  # finder, referrals, vendors, printing (F4, F12)
    privacy: PrivacyService | None = None  # erasure on the customer's request
    exports: CustomerExportService | None = None  # a customer's data on request
    picks: PicksService | None = None  # staff picks (F11; managers edit them)
    holds: HoldService | None = None  # holds between branches (Ctrl+H; F6/F7 in the finder)
    catalog: CatalogService | None = None  # this branch's stock (Manager menu)
    also_bought: AlsoBoughtService | None = None  # co-purchases, rebuilt in the background
    staff_desk: StaffDesk | None = None  # sign-in, Ctrl+L, idle lock, manager approvals
    settings: SettingsService | None = None  # Manager → Settings…
    imports: ImportDesk | None = None  # Manager → Import a file…


class MainWindow(QMainWindow):
    def __init__(self, services: Services, worker: Worker, tz: object) -> None:
        super().__init__()
        self.services = services
        self.worker = worker
        self.finder: FinderDialog | None = None
        self._card_search: str | None = None  # the search text that opened the card
        self._closings = 0  # cards closed so far (a lock closes one): card_token
        self.setWindowTitle(f"posassist — {services.store_label}")
        self.search = SearchPanel()
        self.card = CustomerCardView(tz)  # type: ignore[arg-type]
        self._lay_out()
        self._connect_keys()
        self._refit_timer = QTimer(self, interval=REFIT_CHECK_MS)
        self._refit_timer.timeout.connect(self._on_refit_timer_timeout)
        self._refit_timer.start()
        self.gate = Gate(self)  # a manager's action: asked for their PIN at a cashier's
        self.manager = ManagerActions(self)  # regulars, picks, stock, erasure
        self._add_referral_menu()
        self._add_corrections_menu()
        from posassist.ui.views.holds import attach_holds

        self.holds_watch = attach_holds(self)  # Ctrl+H, and the count in the status bar
        self.setMinimumSize(MINIMUM_SIZE)
        self.scan_filter = ScanFilter(self)
        self.scan_filter.scanned.connect(self._on_scanned)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.scan_filter)
        from posassist.ui.views.lock import RegisterLock

        desk = services.staff_desk
        self.register_lock = RegisterLock(self, desk) if desk is not None else None
        if self.register_lock is not None:
            self.register_lock.start()  # locked when anyone signs in with a PIN
        self.search.focus_box()

    def _lay_out(self) -> None:
        """Search on the left, the card on the right, the status bar below."""
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.search)
        splitter.addWidget(self.card)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 5)
        splitter.setSizes([260, 1000])
        splitter.setChildrenCollapsible(False)
        self.setCentralWidget(splitter)
        self.connection_label = QLabel("Standalone")
        self.connection_label.setToolTip(
            "No central database configured: this register works alone."
        )
        self.store_label = QLabel(f"{self.services.store_label}  ·  {self.services.staff_label}")
        self.message_label = QLabel()
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)  # a register window is maximised, not dragged
        bar.addWidget(self.message_label, 1)
        bar.addPermanentWidget(self.store_label)
        bar.addPermanentWidget(self.connection_label)

    def _connect_keys(self) -> None:
        """Buttons and the register's function keys (F1–F9; the rest come with their menus)."""
        self.search.search_requested.connect(self._on_search_requested)
        self.search.box.textChanged.connect(self._on_search_text_changed)
        self.search.open_requested.connect(self.open_customer)
        for kind, button in self.card.action_buttons.items():
            button.clicked.connect(lambda _=False, k=kind: self.log_interaction(k))
        self.card.notes_button.clicked.connect(self.edit_notes)
        self.search.new_button.clicked.connect(self.new_customer)
        self.search.find_button.clicked.connect(self.open_finder)
        self.search.find_button.setEnabled(self.services.desk is not None)
        self._shortcut("F1", self.show_keys)
        self._shortcut("F2", self.focus_search)
        self._shortcut("F3", self.new_customer)
        self._shortcut("F5", lambda: self.log_interaction("purchase"))
        self._shortcut("F6", lambda: self.log_interaction("service"))
        self._shortcut("F7", lambda: self.log_interaction("question"))
        self._shortcut("F8", lambda: self.log_interaction("feedback"))
        self._shortcut("F9", self.edit_notes)
        self._shortcut("F11", self.show_picks)
        self._shortcut("Ctrl+I", self.reveal_contact)

    # -- the register's screen ---------------------------------------------------
    def show_for_register(self) -> None:
        """Show as it was left (size, place, maximised) or, the first time, maximised on
        the screen it starts on."""
        show_as_left(self)

    def carry_on(self, typed: str, *, entered: bool, scanned: str | None) -> None:
        """What the cashier did in the opening window (``ui/opening.py``) while the store
        opened, done here as if done in this window: a scanned card opens (or, locked,
        waits for the sign-in); typed text goes into the search box as typed, so it is
        searched (locked: the sign-in asks first), and an Enter after it opens the best
        match, through the same key handling as a real Enter."""
        if scanned is not None:
            self._on_scanned(scanned)
            return
        if not typed:
            return
        box = self.search.box
        box.setText(typed)
        box.textEdited.emit(typed)  # what typing emits: the search (or sign-in) follows
        if entered:
            plain = Qt.KeyboardModifier.NoModifier
            QApplication.sendEvent(box, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Return, plain))

    def closeEvent(self, event: QCloseEvent) -> None:
        remember_place(self)
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.scan_filter)
        if self.register_lock is not None:
            self.register_lock.detach()
        super().closeEvent(event)

    def show_keys(self) -> None:
        """F1: the key map, from the same table as the README's."""
        KeyMapDialog(self).exec()
        self.search.focus_box()

    def _shortcut(self, key: str, slot: object) -> None:
        shortcut = QShortcut(QKeySequence(key), self)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(slot)

    # -- helpers -----------------------------------------------------------------
    def locked(self) -> bool:
        """Nobody signed in: no search, no card (``ui/views/lock.py``)."""
        return self.register_lock is not None and self.register_lock.locked

    def card_token(self) -> tuple[int, uuid.UUID] | None:
        """The open card (None: locked or none), for a reveal answering from the worker."""
        card = self.card.card
        return None if card is None or self.locked() else (self._closings, card.id)

    def still_showing(self, token: tuple[int, uuid.UUID] | None) -> bool:
        """Not locked, and that card still open, never closed (locked) and reopened since."""
        return token is not None and token == self.card_token()

    def say(self, text: str) -> None:
        self.message_label.setText(text)

    def close_card(self) -> None:
        """Nobody on the card: F5–F9, F12 and erase have no customer to act on."""
        self._card_search = None
        self._closings += 1
        if self.card.card is not None:
            self.card.show_card(None)

    def _on_search_text_changed(self, text: str) -> None:
        self.say("")  # a hint about the last customer is stale now
        if text != self._card_search:
            self.close_card()

    def _on_scanned(self, code: str) -> None:
        """A card scanned anywhere: close what is open (asking about anything typed),
        then the scanned customer opens. A finder with no customer stays open for them
        (it was waiting for this card: a hold is for a customer); one serving someone
        closes like the rest, a scan is the next customer. Locked: kept for the sign-in."""
        if self.locked():
            assert self.register_lock is not None
            self.register_lock.take_scan(code)
            return
        finder = self.finder
        if finder is not None and finder.isVisible() and finder.customer is None:
            close_dialogs_for_scan(lambda: self._scanned_for_finder(code, finder), keep=finder)
            return
        close_dialogs_for_scan(lambda: self._open_scanned(code))

    def _scanned_for_finder(self, code: str, finder: FinderDialog) -> None:
        self._open_scanned(code)
        finder.customer_scanned(self._customer_ref(), code)

    def _open_scanned(self, code: str) -> None:
        self.activateWindow()
        self.search.scan(code)
        self.search.focus_box()

    def show_banner(self, title: str, text: str) -> None:
        """A fault of the whole register (a damaged store), above everything."""
        from posassist.ui.views.banner import attach_banner

        attach_banner(self, title, text)

    def focus_search(self) -> None:
        self.search.focus_box()

    def _unavailable(self, what: str) -> Callable[[BaseException], None]:
        return lambda exc: show_error(self.message_label, exc, prefix=f"{what} unavailable:")

    def warm_up(self) -> None:
        """Load the name index, and refit standing if stale, in the background."""
        BackgroundOp(self.worker, self.services.customers.names.ensure_loaded).failure(
            self._unavailable("Name search")
        ).run_in_background()
        self._refit(self.services.customers.standing.refit_if_stale)
        if self.services.desk is not None:  # F4 answers at once instead of indexing first
            BackgroundOp(self.worker, self.services.desk.finder.warm_up).failure(
                self._unavailable("Find elsewhere")
            ).run_in_background()
        self.refresh_also_bought()

    def refresh_also_bought(self) -> None:
        """Rebuild "also bought" in the background if lines, voids or merges came in since
        (start-up and hourly); the open card then shows it."""
        if self.services.also_bought is not None:
            rebuild_in_background(
                self.worker,
                self.services.also_bought,
                self.card,
                self.services.customers.card,
                self._unavailable("Also bought"),
            )

    def _on_refit_timer_timeout(self) -> None:
        """A register left running overnight refits once the cached fit is a day old."""
        self._refit(self.services.customers.standing.refit_if_stale)
        self.refresh_also_bought()

    def refit_standing(self) -> None:
        self.say("Refitting the repeat-visitor model in the background…")
        self._refit(self.services.customers.standing.refit_now)  # gated: a person asks

    def _refit(self, refit: Callable[[], object]) -> None:
        BackgroundOp(self.worker, refit).success(self._on_refit_done).failure(
            self._on_refit_failed
        ).run_in_background()

    def _on_refit_done(self, fit: object) -> None:
        if fit is not None:
            self.say("Repeat-visitor flags are up to date.")
            self.reload_card()

    def _on_refit_failed(self, exc: BaseException) -> None:
        show_error(self.message_label, exc, prefix="Could not refit the repeat-visitor model:")

    def show_picks(self) -> None:
        """F11, "what's good here?": the staff's top three per category."""
        from posassist.ui.views.picks import PicksDialog

        if self.services.picks is not None:
            PicksDialog(self.services.picks.shown, self.worker, self).exec()
        self.search.focus_box()

    # -- find elsewhere, referrals, partners (issue 4) ---------------------------
    def _add_referral_menu(self) -> None:
        menu = self.menuBar().addMenu("Re&ferrals")
        menu.addAction("&Find elsewhere…", QKeySequence("F4"), self.open_finder)
        menu.addAction("&Referral came in…", QKeySequence("F12"), self.referral_came_in)
        menu.addSeparator()
        gate = self.gate
        gate.add(menu, "&Partner vendors…", "edit_vendors", self.show_vendors, "Ctrl+D")
        gate.add(menu, "&Goodwill and unmet demand…", "reports", self.show_reports, "Ctrl+G")
        self.card.referral_button.clicked.connect(self.referral_came_in)
        if self.services.desk is None:
            menu.setEnabled(False)

    # -- mistakes and corrections, walk-ins (issue 9) ------------------------------
    def _add_corrections_menu(self) -> None:
        """Ctrl+Z and edits for everyone; void, merge and the walk-in report for managers."""
        from posassist.ui.views.corrections import Corrections

        self.corrections = Corrections(self)
        edit = self.menuBar().addMenu("&Edit")
        edit.addAction("&Undo the last log", QKeySequence("Ctrl+Z"), self.corrections.undo_last)
        edit.addAction(
            "&Edit customer details…", QKeySequence("Ctrl+E"), self.corrections.edit_customer
        )
        manager = self.manager.menu
        manager.addSeparator()
        c, gate = self.corrections, self.gate
        gate.add(manager, "&Void an entry…", "void", c.void_selected)
        gate.add(manager, "&Merge this customer into…", "merge", c.merge_customer)
        gate.add(manager, "&Help without a sale…", "reports", c.show_walk_ins)

    def _customer_ref(self) -> CustomerRef | None:
        card = self.card.card
        return CustomerRef(card.id, card.display_name) if card is not None else None

    def open_finder(self) -> None:
        """F4: non-modal, so the cashier can glance at the card; Esc closes it.

        F4 again while it is open brings it forward for the customer now on the card.
        """
        desk = self.services.desk
        if desk is None:
            return
        if self.finder is not None and self.finder.isVisible():
            self.finder.set_customer(self._customer_ref())
            self.finder.focus_box()
            return
        self.finder = FinderDialog(
            desk, self.worker, self.card.timeline_model.tz, self._customer_ref(), self
        )
        self.finder.recorded.connect(self.reload_card)
        self.finder.noted.connect(self.say)
        self.finder.finished.connect(self._on_finder_finished)
        self.finder.show()
        self.finder.focus_box()

    def _on_finder_finished(self, _result: int) -> None:
        self.activateWindow()  # not every window manager hands the keyboard back
        self.search.focus_box()

    def referral_came_in(self) -> None:
        desk = self.services.desk
        if desk is None:
            return
        customer = self._customer_ref()
        dialog = ArrivalDialog(desk.referrals, self.worker, customer, self)
        if dialog.exec() and dialog.arrived is not None:
            self.reload_card()
            self.say(arrival_message(dialog.arrived, customer))
        self.search.focus_box()

    def show_vendors(self) -> None:
        if self.services.desk is None:
            return
        from posassist.ui.views.vendors import VendorsDialog

        VendorsDialog(self.services.desk.vendors, self.worker, self).exec()
        self.search.focus_box()

    def show_reports(self) -> None:
        if self.services.desk is None:
            return
        from posassist.ui.views.reports import ReportsDialog

        ReportsDialog(
            self.services.desk.referrals, self.card.timeline_model.tz, self.worker, self
        ).exec()
        self.search.focus_box()

    # -- slots -------------------------------------------------------------------
    def _on_search_requested(self, text: str, scanned: bool) -> None:
        if self.locked():
            return
        try:
            page = self.services.customers.search_page(text, scanned=scanned)
        except KnownError as exc:
            show_error(self.message_label, exc)
            self.close_card()
            return
        self.search.show_hits(page, text)
        if not page.hits:
            self.close_card()

    def open_customer(self, customer_id: uuid.UUID) -> None:
        if self.locked():
            return
        try:
            card = self.services.customers.card(customer_id)
        except KnownError as exc:
            self.close_card()
            show_error(self, exc)
            return
        self.card.show_card(card)
        self._card_search = self.search.box.text()
        self.say(f"Showing {card.display_name}.")

    def reload_card(self) -> None:
        if self.card.card is not None:
            self.open_customer(self.card.card.id)

    def reveal_contact(self) -> None:
        """Ctrl+I: the open customer's phone, e-mail and card in full until the card
        closes. Audited (a write, so on the worker); any staff may, the trail says who."""
        card, token = self.card.card, self.card_token()
        if card is None:
            self.say("Open a customer first (F2 to search).")
            return

        def shown(details: ContactDetails) -> None:
            if self.still_showing(token):  # not locked, nor another card, meanwhile
                self.card.reveal(details)
                self.say("Contact details shown until the card closes.")

        BackgroundOp(self.worker, lambda: self.services.customers.reveal_contact(card.id)).success(
            shown
        ).failure(lambda exc: show_error(self, exc)).run_in_background()

    def new_customer(self) -> None:
        dialog = NewCustomerDialog(
            self.worker, self.services.customers.create, self.search.box.text(), self
        )
        if dialog.exec():
            assert isinstance(dialog.saved, uuid.UUID)
            self.open_customer(dialog.saved)
            self.say("Customer added.")
        self.search.focus_box()

    def log_interaction(self, kind: str) -> None:
        card = self.card.card
        if card is None and kind in WALK_IN_KINDS:
            self.corrections.log_walk_in(kind)  # help for someone who is not a customer
            return
        if card is None:
            self.say("Open a customer first (F2 to search).")
            return

        def log_it(kind: str, **kwargs: object) -> None:
            self.services.interactions.log(card.id, kind, **kwargs)  # type: ignore[arg-type]

        dialog = InteractionDialog(self.worker, kind, log_it, self, card.display_name)
        if dialog.exec():
            self.reload_card()
            self.say(f"Logged for {card.display_name}.")
        self.search.focus_box()

    def edit_notes(self) -> None:
        card = self.card.card
        if card is None:
            return

        def save(notes: str, prefs: str) -> None:
            self.services.customers.update_notes(card.id, notes, prefs)

        dialog = NotesDialog(
            self.worker, card.notes, card.preferences, save, self, card.display_name
        )
        if dialog.exec():
            self.reload_card()
            self.say("Notes saved.")
        self.search.focus_box()

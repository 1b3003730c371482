"""Mistakes and corrections at the register: Ctrl+Z, void, edit, merge; and walk-ins.

Every correction is a new fact the services record (``services/corrections.py``); this
module only asks for what they need and says what happened. :class:`Corrections` holds
the window's actions for them (the window adds them to its menus in
``_add_corrections_menu``), so the window itself stays a list of keys.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from posassist.errors import InvalidInputError
from posassist.services.corrections import Voided
from posassist.services.customers import ContactDetails, CustomerHit, TimelineEntry
from posassist.services.interactions import WalkInRow
from posassist.ui import formatting as fmt
from posassist.ui.feedback import MessageLine, show_error
from posassist.ui.models.base import RowsTableModel
from posassist.ui.views.dialogs import InteractionDialog, _FormDialog
from posassist.ui.views.tables import read_only_table
from posassist.ui.workers import BackgroundOp, Worker

if TYPE_CHECKING:
    from posassist.ui.main_window import MainWindow

WALK_IN_DAYS = 30  # the report's span: the last month, newest day first


class EditCustomerDialog(_FormDialog):
    """Like the new-customer form, filled in; the service checks it by the same rules."""

    def __init__(
        self,
        worker: Worker,
        current: ContactDetails,
        save: Callable[[ContactDetails], object],
        parent: QWidget | None,
    ) -> None:
        super().__init__(f"Edit {current.display_name}", worker, parent)
        self._save = save
        self.add_contact_fields(
            current.display_name,
            current.phone,
            current.email,
            current.card_code,
            current.consent_contact,
        )
        self.name.setFocus()

    def change(self) -> Callable[[], object]:
        details = ContactDetails(
            self.name.text(),
            self.phone.text(),
            self.email.text(),
            self.card.text(),
            self.consent.isChecked(),
        )
        return lambda: self._save(details)


def describe(entry: TimelineEntry, tz: Any) -> str:
    """One line naming a timeline entry, for the void dialog."""
    what = f"{fmt.kind_label(entry.kind)}, {fmt.when(entry.occurred_at, tz)}"
    return f"{what} ({fmt.money(entry.basket_minor)})" if entry.basket_minor else what


class VoidDialog(_FormDialog):
    """A manager takes back one entry; the reason is required and shows on the timeline."""

    def __init__(
        self,
        worker: Worker,
        what: str,
        void: Callable[[str], object],
        parent: QWidget | None,
    ) -> None:
        super().__init__("Void an entry", worker, parent)
        self._void = void
        self.form.addRow("Entry", QLabel(what))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("required, e.g. logged on the wrong customer")
        self.add_field("Reason", "reason", self.reason)
        self.reason.returnPressed.connect(self._on_buttons_accepted)
        self.reason.setFocus()

    def change(self) -> Callable[[], object]:
        reason = self.reason.text()
        return lambda: self._void(reason)


class MergeDialog(_FormDialog):
    """Pick the record to keep; the open customer becomes an alias of it."""

    def __init__(
        self,
        worker: Worker,
        merged: CustomerHit | ContactDetails,
        merged_id: uuid.UUID,
        search: Callable[[str], Sequence[CustomerHit]],
        merge: Callable[[uuid.UUID], object],
        parent: QWidget | None,
    ) -> None:
        super().__init__(f"Merge {merged.display_name} into…", worker, parent)
        self._merged_id = merged_id
        self._search = search
        self._merge = merge
        self.query = QLineEdit()
        self.query.setPlaceholderText("name, phone or card of the record to keep")
        self.hits = QListWidget()
        self.add_field("Keep", "merge", self.query)
        self.form.addRow("", self.hits)
        self.form.addRow(
            "",
            QLabel(
                f"{merged.display_name}'s visits move to the record you keep; "
                "searching finds only that one from now on."
            ),
        )
        self.query.textChanged.connect(self._on_query_text_changed)
        self.query.setFocus()

    def _on_query_text_changed(self, text: str) -> None:
        """A lookup as the cashier types, like the search box (not a write)."""
        self.hits.clear()
        try:
            found = self._search(text)
        except InvalidInputError as exc:
            show_error(self.error, exc)
            return
        for hit in found:
            if hit.id == self._merged_id:
                continue
            item = QListWidgetItem(f"{hit.display_name}  {hit.phone_masked}  {hit.card_masked}")
            item.setData(Qt.ItemDataRole.UserRole, hit.id)
            self.hits.addItem(item)
        if self.hits.count():
            self.hits.setCurrentRow(0)

    def change(self) -> Callable[[], object]:
        item = self.hits.currentItem()
        if item is None:
            raise InvalidInputError("merge", "Find and pick the customer record to keep.")
        survivor = item.data(Qt.ItemDataRole.UserRole)
        assert isinstance(survivor, uuid.UUID)
        return lambda: self._merge(survivor)


class WalkInsModel(RowsTableModel[WalkInRow]):
    HEADERS = ("Day", "Branch", "Help given, no sale", "Questions answered")

    def cell(self, r: WalkInRow, column: int, role: int) -> str:
        branch = f"{r.branch_name} ({r.branch_code})" if r.branch_code else r.branch_name
        return (fmt.day(r.day), branch, str(r.helped), str(r.questions))[column]


class WalkInsDialog(QDialog):
    """Manager → Help without a sale: walk-ins per day and branch, the last month."""

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Help without a sale (walk-ins)")
        self.resize(720, 480)
        self.model = WalkInsModel()
        self.table = read_only_table(self.model)
        self.count = MessageLine("info")
        self.count.say("Loading…")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                f"Help and answers given to people who are not customers, last {WALK_IN_DAYS} "
                "days. Logged with F6 or F7 when no customer is open."
            )
        )
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)
        layout.addWidget(buttons)

    def show_rows(self, rows: Sequence[WalkInRow]) -> None:
        self.model.set_rows(rows)
        helped = sum(r.helped for r in rows)
        asked = sum(r.questions for r in rows)
        self.count.say(f"{helped} times help given, {asked} questions answered.")


class _UndoKeyFilter(QObject):
    """Ctrl+Z in the search box undoes the last log, not the box's typing.

    A line edit claims Ctrl+Z for itself (a shortcut override); refusing the claim lets
    the window's Ctrl+Z action have it.
    """

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        return (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.matches(QKeySequence.StandardKey.Undo)
        )


class Corrections(QObject):
    """The window's correction actions: each asks, runs the service on the worker, says."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._undo_filter = _UndoKeyFilter(self)
        window.search.box.installEventFilter(self._undo_filter)

    @property
    def _tz(self) -> Any:
        return self.window.card.timeline_model.tz

    def _done(self, text: str) -> Callable[[object], None]:
        def after(_: object) -> None:
            self.window.reload_card()
            self.window.say(text)
            self.window.search.focus_box()

        return after

    def _fail(self, exc: BaseException) -> None:
        show_error(self.window.message_label, exc)
        self.window.search.focus_box()

    def log_walk_in(self, kind: str) -> None:
        """F6 / F7 on the empty card: help or a question for someone who is no customer."""
        interactions = self.window.services.interactions

        def log_it(kind: str, **kwargs: object) -> None:
            interactions.log_walk_in(kind, note=str(kwargs.get("note", "")))

        dialog = InteractionDialog(self.window.worker, kind, log_it, self.window)
        dialog.setWindowTitle(f"{fmt.kind_label(kind)} — walk-in (not a customer)")
        if dialog.exec():
            self.window.say(f"{fmt.kind_label(kind)} logged for a walk-in (Ctrl+Z undoes it).")
        self.window.search.focus_box()

    def undo_last(self) -> None:
        """Ctrl+Z: the last log of this register, within ten minutes; else it says why not."""

        def undone(voided: object) -> None:
            assert isinstance(voided, Voided)
            at = voided.occurred_at.astimezone(self._tz)
            self._done(f"Undone: {fmt.kind_label(voided.kind)} logged at {at:%H:%M}.")(voided)

        BackgroundOp(self.window.worker, self.window.services.interactions.undo_last).success(
            undone
        ).failure(self._fail).run_in_background()

    def void_selected(self) -> None:
        """Manager: void the entry selected in the open card's timeline, with a reason."""
        view = self.window.card
        index = view.timeline.currentIndex()
        if view.card is None or not index.isValid():
            self.window.say("Open the customer and select the entry to void in the timeline.")
            return
        entry = view.timeline_model.row_at(index.row())
        if entry.void_reason is not None:
            self.window.say(f"That entry was already voided: {entry.void_reason}")
            return
        interactions = self.window.services.interactions
        dialog = VoidDialog(
            self.window.worker,
            describe(entry, self._tz),
            lambda reason: interactions.void(entry.id, reason),
            self.window,
        )
        if dialog.exec():
            self._done("The entry was voided; it no longer counts.")(None)
        self.window.search.focus_box()

    def edit_customer(self) -> None:
        """Correct the open customer's name, phone, email or card.

        The dialog shows the details in full, so opening it is a reveal: audited, and
        (being a write) read on the worker; the dialog opens when they arrive.
        """
        w = self.window
        card = w.card.card
        if card is None:
            w.say("Open the customer first (F2 to search).")
            return
        customers, token = w.services.customers, w.card_token()

        def edit(current: ContactDetails) -> None:
            if not w.still_showing(token):  # locked or another card meanwhile: not shown
                return
            dialog = EditCustomerDialog(w.worker, current, lambda d: customers.edit(card.id, d), w)
            if dialog.exec():
                w.card.revealed = None  # what was revealed is stale now: masked again
                self._done("Customer details saved." if dialog.saved else "Nothing changed.")(None)
            w.search.focus_box()

        BackgroundOp(w.worker, lambda: customers.reveal_contact(card.id)).success(edit).failure(
            lambda exc: show_error(w, exc)
        ).run_in_background()

    def merge_customer(self) -> None:
        """Manager: the open customer is a duplicate; merge them into the record to keep."""
        card = self.window.card.card
        if card is None:
            self.window.say("Open the duplicate customer first, then merge.")
            return
        customers = self.window.services.customers
        chosen: list[uuid.UUID] = []

        def merge(survivor: uuid.UUID) -> None:
            customers.merge(card.id, survivor)
            chosen.append(survivor)

        dialog = MergeDialog(
            self.window.worker,
            ContactDetails(card.display_name),  # the name only: no reveal needed
            card.id,
            customers.search,
            merge,
            self.window,
        )
        if dialog.exec() and chosen:
            self.window.open_customer(chosen[0])
            self.window.say(f"{card.display_name} was merged; this is the record kept.")
        self.window.search.focus_box()

    def show_walk_ins(self) -> None:
        """Manager → Help without a sale: loaded on the worker, shown as it arrives."""
        ctx_today = self.window.services.interactions.today()
        dialog = WalkInsDialog(self.window)
        since = ctx_today - timedelta(days=WALK_IN_DAYS - 1)
        BackgroundOp(
            self.window.worker,
            lambda: self.window.services.interactions.walk_ins(since, ctx_today),
        ).success(dialog.show_rows).failure(
            lambda exc: show_error(dialog.count, exc, prefix="Could not count the walk-ins:")
        ).run_in_background()
        dialog.exec()
        self.window.search.focus_box()

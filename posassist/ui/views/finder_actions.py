"""What the finder's keys do to the store and the printer: F10 / Enter, Ctrl+S, F9, F11, F12.

Each runs on the worker (:class:`~posassist.ui.workers.BackgroundOp`): recording a slip,
printing it (a driver can block for seconds), saving it, rendering its preview, noting
unmet demand, logging a referral in. Answers come back on the GUI thread and focus goes
back to the box, ready for the next ask. The finder dialog owns the widgets; this owns
what was already handed out, so a slip is printed again rather than recorded twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDialog

from posassist.domain.finder import BranchMatch, VendorMatch
from posassist.errors import KnownError
from posassist.services.finder import item_key
from posassist.services.referrals import ArrivedReferral, IssuedSlip
from posassist.ui.feedback import show_error
from posassist.ui.models.referrals import FinderEntry
from posassist.ui.views.arrival import ArrivalDialog
from posassist.ui.views.files import still_open
from posassist.ui.views.referral_desk import arrival_message
from posassist.ui.views.slip_preview import SlipPreviewDialog
from posassist.ui.workers import BackgroundOp

if TYPE_CHECKING:
    from posassist.ui.views.finder import FinderDialog

SlipKey = tuple[str, str, uuid.UUID | None]
"""(item key, place id, customer id): a slip is handed out again only for all three."""
DemandKey = tuple[str, uuid.UUID | None]
"""(item key, customer id): one customer's ask is counted once as unmet demand."""


class FinderActions:
    """The finder's writes, printing and rendering, for one :class:`FinderDialog`."""

    def __init__(self, dialog: FinderDialog) -> None:
        self.dialog = dialog
        self.desk = dialog.desk
        self.worker = dialog.worker
        self._last_slip: IssuedSlip | None = None
        self._last_key: SlipKey | None = None
        self._demand_logged: set[DemandKey] = set()
        self._busy = False

    def _refused(self, exc: BaseException, prefix: str = "") -> None:
        show_error(self.dialog.message, exc, prefix=prefix)
        self.dialog.focus_box()

    # --------------------------------------------------------- unmet demand
    def log_unmet_demand(self) -> None:
        """F11: note the ask (its corrected wording) as unmet demand, once per customer."""
        typed, meant = self.dialog.ask()

        def done(_: object) -> None:
            self.dialog.say(f"Noted: a customer asked for “{meant[:60]}”.")
            self.dialog.recorded.emit()
            self.dialog.focus_box()

        self._note(typed, meant, done, self._refused)

    def log_on_close(self) -> None:
        """The finder is closing: note the ask if it found nothing anywhere.

        Only the ask in the box counts (not every keystroke on the way), and not when the
        box is blank, "Don't log this ask" is ticked, or this ask was already counted.
        """
        result = self.dialog.answer
        if result is None or result.found_anything or self.dialog.dont_log.isChecked():
            return
        typed, meant = " ".join(result.query.split()), result.ask
        if (item_key(meant), self.dialog.customer_id()) in self._demand_logged:
            return

        def done(_: object) -> None:
            self.dialog.noted.emit(f"Noted: a customer asked for “{meant[:60]}”.")
            self.dialog.recorded.emit()

        def failed(exc: BaseException) -> None:
            self.dialog.noted.emit(f"The ask “{meant[:60]}” was not noted: {exc}")

        self._note(typed, meant, done, failed)

    def _note(
        self,
        typed: str,
        meant: str,
        done: Callable[[object], None],
        failed: Callable[[BaseException], None],
    ) -> None:
        """Write the unmet demand on the worker; counted from now on (a slip printed before
        the answer is back must not count it again), forgotten if the store refuses."""
        customer_id = self.dialog.customer_id()
        demand_key = (item_key(meant), customer_id)
        finder = self.desk.finder
        fresh = demand_key not in self._demand_logged
        self._demand_logged.add(demand_key)

        def refused(exc: BaseException) -> None:
            if fresh:
                self._demand_logged.discard(demand_key)
            failed(exc)

        BackgroundOp(
            self.worker, lambda: finder.log_unmet_demand(typed, customer_id, wording=meant)
        ).success(done).failure(refused).run_in_background()

    # ------------------------------------------------------------ slips out
    def _ask(self) -> tuple[FinderEntry, tuple[str, str], SlipKey] | None:
        """The chosen place, the ask (typed, corrected) and the slip's key, or None after
        telling the cashier what is missing.

        The key says when a slip already made can be handed out again: the same ask, the
        same place and the same customer (their card carries the referral).
        """
        typed, meant = self.dialog.ask()
        if not typed:
            self.dialog.say("Type what the customer asked for first.", problem=True)
            self.dialog.focus_box()
            return None
        entry = self.dialog.target_entry()
        if entry is None or not entry.printable:
            self.dialog.say(
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
        return entry, (typed, meant), (item_key(meant), target, self.dialog.customer_id())

    @staticmethod
    def _target_ids(entry: FinderEntry) -> tuple[uuid.UUID | None, uuid.UUID | None]:
        """(vendor id, branch id) of a printable answer; exactly one is set."""
        if isinstance(entry.match, VendorMatch):
            return uuid.UUID(entry.match.vendor.vendor_id), None
        assert isinstance(entry.match, BranchMatch)
        return None, uuid.UUID(entry.match.stock.branch_id)

    def with_slip(self, then: str) -> None:
        """Record the referral (once per ask and place) on the worker, then ``then`` it."""
        if self._busy:
            self.dialog.say("Still working on the last slip…")
            return
        ask = self._ask()
        if ask is None:
            return
        entry, (typed, meant), key = ask
        if self._last_slip is not None and self._last_key == key:
            self._after_issue(self._last_slip, then)  # same ask, same place: the same slip
            return
        vendor_id, branch_id = self._target_ids(entry)
        customer_id = self.dialog.customer_id()
        demand_key = (item_key(meant), customer_id)
        log_demand = demand_key not in self._demand_logged
        referrals = self.desk.referrals
        self._busy = True
        self.dialog.say("Recording the referral…")

        def issue() -> IssuedSlip:
            return referrals.issue_slip(
                meant,
                vendor_id=vendor_id,
                branch_id=branch_id,
                customer_id=customer_id,
                log_demand=log_demand,
                asked_as=typed,
            )

        def done(slip: IssuedSlip) -> None:
            self._busy = False
            self._last_slip, self._last_key = slip, key
            self._demand_logged.add(demand_key)
            self.dialog.recorded.emit()
            self._after_issue(slip, then)

        BackgroundOp(self.worker, issue).success(done).failure(
            self._on_issue_failed
        ).run_in_background()

    def _on_issue_failed(self, exc: BaseException) -> None:
        self._busy = False
        if not isinstance(exc, KnownError):
            raise exc
        self._refused(exc, "Nothing was recorded:")

    def _after_issue(self, slip: IssuedSlip, then: str) -> None:
        if then == "print":
            self._print(slip)
        elif then == "save":
            self._save(slip)

    def _print(self, slip: IssuedSlip) -> None:
        printing = self.desk.printing
        target = printing.target()
        self._busy = True
        self.dialog.say(f"Referral recorded (code {slip.code}). Printing on {target.describe()}…")

        def done(where: str) -> None:
            self._busy = False
            self.dialog.say(f"Slip {slip.code} for {slip.target_name} printed on {where}.")
            self.dialog.print_finished.emit(True)
            self.dialog.focus_box()

        def failed(exc: BaseException) -> None:
            self._busy = False
            if not isinstance(exc, KnownError):
                self.dialog.print_finished.emit(False)
                raise exc
            self.dialog.say(
                f"{exc} The referral is recorded (code {slip.code}): F10 tries again, "
                "Ctrl+S saves the slip as a PDF.",
                problem=True,
                keep=True,
            )
            self.dialog.print_finished.emit(False)
            self.dialog.focus_box()

        BackgroundOp(
            self.worker, lambda: printing.print_slip(slip.pdf, slip.content, target)
        ).success(done).failure(failed).run_in_background()

    def _save(self, slip: IssuedSlip) -> None:
        path = still_open(
            self.dialog,
            lambda: self.dialog.choose_save_path(
                self.dialog, "Save the slip as PDF", f"slip-{slip.code}.pdf", "PDF files (*.pdf)"
            ),
        )
        if path is None:
            self.dialog.say(f"Referral recorded (code {slip.code}); the slip was not saved.")
            self.dialog.focus_box()
            return
        printing = self.desk.printing
        self._busy = True

        def done(_: object) -> None:
            self._busy = False
            self.dialog.say(f"Slip {slip.code} saved as {path}.")
            self.dialog.focus_box()

        def failed(exc: BaseException) -> None:
            self._busy = False
            self._refused(exc)

        BackgroundOp(self.worker, lambda: printing.save_pdf(slip.pdf, path)).success(done).failure(
            failed
        ).run_in_background()

    def preview(self) -> None:
        ask = self._ask()
        if ask is None:
            return
        entry, (_typed, meant), key = ask
        referrals, printing = self.desk.referrals, self.desk.printing
        last = self._last_slip if self._last_key == key else None
        vendor_id, branch_id = self._target_ids(entry)

        def render() -> Sequence[QImage]:
            pdf = (
                last.pdf
                if last is not None
                else referrals.draft_slip(meant, vendor_id=vendor_id, branch_id=branch_id)
            )
            return printing.preview_pages(pdf)

        BackgroundOp(self.worker, render).success(self._show_preview).failure(
            self._refused
        ).run_in_background()

    def _show_preview(self, pages: Sequence[QImage]) -> None:
        dialog = SlipPreviewDialog(pages, self.dialog)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.with_slip("print")
        else:
            self.dialog.focus_box()

    # ------------------------------------------------------------ referral in
    def referral_came_in(self) -> None:
        """From the highlighted partner at once; otherwise ask who sent them."""
        entry = self.dialog.selected_entry()
        customer = self.dialog.customer
        if entry is not None and isinstance(entry.match, VendorMatch):
            vendor_id = uuid.UUID(entry.match.vendor.vendor_id)
            referrals = self.desk.referrals
            customer_id = self.dialog.customer_id()

            def done(arrived: ArrivedReferral) -> None:
                self.dialog.say(arrival_message(arrived, customer))
                self.dialog.recorded.emit()
                self.dialog.focus_box()

            BackgroundOp(
                self.worker,
                lambda: referrals.record_arrival(customer_id=customer_id, vendor_id=vendor_id),
            ).success(done).failure(self._refused).run_in_background()
            return
        dialog = ArrivalDialog(self.desk.referrals, self.worker, customer, self.dialog)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.arrived is not None:
            self.dialog.say(arrival_message(dialog.arrived, customer))
            self.dialog.recorded.emit()
        self.dialog.focus_box()

"""F12, "Referral came in": who sent this customer, in two keystrokes."""

from __future__ import annotations

import re

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListView,
    QVBoxLayout,
    QWidget,
)

from posassist.domain import referral_codes
from posassist.errors import InvalidInputError
from posassist.services.referrals import ArrivedReferral, ReferralService
from posassist.ui.feedback import MessageLine, show_error
from posassist.ui.models.referrals import PartnerChoicesModel
from posassist.ui.screen import fit_to_screen
from posassist.ui.theme import named
from posassist.ui.views.referral_desk import CustomerRef
from posassist.ui.workers import BackgroundOp, Worker


class ArrivalDialog(QDialog):
    """ "Who sent you?": type a slip's code or the partner's name, or pick one, then Enter.

    Nobody is credited by default: a partner is credited only when the cashier chose it
    (typing part of a name highlights the first partner it matches; ↓/↑ pick from the
    list, the most recently involved first), and Enter with nothing chosen says so.  The
    arrival is recorded on the worker; the dialog closes when it is, or says why not.
    """

    def __init__(
        self,
        referrals: ReferralService,
        worker: Worker,
        customer: CustomerRef | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.referrals = referrals
        self.worker = worker
        self.customer = customer
        self.arrived: ArrivedReferral | None = None
        self._needs_vendor = False
        # Named in the title and the first line, like every logging dialog: never the wrong one.
        self.setWindowTitle(
            f"Referral came in — {customer.name}" if customer else "Referral came in"
        )
        self.setMinimumWidth(620)
        question = f"Who sent {customer.name}?" if customer else "Who sent this customer?"
        heading = named(
            QLabel(question if customer else f"{question} (no customer open)"), "emptyHint"
        )
        heading.setWordWrap(True)
        self.box = named(QLineEdit(), "search")
        self.box.setPlaceholderText("Code from their slip, or the partner's name")
        self.model = PartnerChoicesModel()
        self.list = QListView()
        self.list.setModel(self.model)
        self.error = MessageLine("error")
        buttons = QDialogButtonBox()
        self.ok_button = buttons.addButton("Enter  Log it", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setDefault(True)
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
        fit_to_screen(self)

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
        self.error.say("")
        self._filter("" if self.looks_like_code(text) else text)

    def _filter(self, text: str) -> None:
        """Partners whose name contains ``text``; the first is chosen only for a typed name."""
        wanted = " ".join(text.casefold().split())
        choices = [c for c in self._all if wanted in c.name.casefold()] if wanted else self._all
        self.model.set_choices(choices)
        if choices and wanted:
            self.list.setCurrentIndex(self.model.index(0, 0))
        else:
            self.list.setCurrentIndex(QModelIndex())
            self.list.clearSelection()

    def submit(self) -> None:
        if not self.ok_button.isEnabled():
            return  # Enter again while the last one is being recorded
        text = self.box.text()
        code = text if self.looks_like_code(text) else None
        row = self.list.currentIndex().row()
        chosen = self.model.choice(row) if 0 <= row < self.model.rowCount() else None
        # With a code, the slip decides who sent them unless it is a partner's own code.
        vendor_id = chosen.vendor_id if chosen and (code is None or self._needs_vendor) else None
        if code is None and vendor_id is None:
            self._refuse(
                "No partner matches. Check the name, or type the code from the slip."
                if text.strip()
                else "Choose who sent them: type the code from their slip or the partner's "
                "name, or ↓ to pick one."
            )
            return
        customer_id = self.customer.id if self.customer else None
        BackgroundOp(
            self.worker,
            lambda: self.referrals.record_arrival(
                customer_id=customer_id, vendor_id=vendor_id, code=code
            ),
        ).success(self._on_recorded).failure(lambda exc: self._on_refused(exc, code)).disable(
            self.ok_button
        ).run_in_background()

    def _on_recorded(self, arrived: ArrivedReferral) -> None:
        self.arrived = arrived
        self.accept()

    def _on_refused(self, exc: BaseException, code: str | None) -> None:
        if isinstance(exc, InvalidInputError) and exc.field == "vendor" and code is not None:
            # A partner's own code: which partner is it from?
            self._needs_vendor = True
            self._filter("")
            self._refuse(f"{exc} (↓ to choose, then Enter)")
        else:
            self._refuse(exc)

    def _refuse(self, exc: BaseException | str) -> None:
        show_error(self.error, exc)
        self.box.setFocus()

    def reject(self) -> None:
        if self.ok_button.isEnabled():  # else the answer being recorded closes the dialog
            super().reject()

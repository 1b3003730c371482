"""Referrals: sending a customer elsewhere with a slip, customers sent to us, and the
goodwill ledger that shows whether the partnership is mutual.

Build, record, then print.  :meth:`ReferralService.issue_slip` builds the slip's PDF (its
code chosen first), and only then commits the referral, the unmet-demand row and the
customer's ``referral_given`` interaction (with their outbox rows) in one transaction, all
*before* any printer is involved: a slip that cannot be built records nothing, and a jammed
printer never loses the record; the slip can be printed again or saved as a PDF from the
same bytes.

The slip carries the store, the place and the code, never the customer: it may end up on a
partner's counter or in a bin (what it says is put together in
:mod:`posassist.services.referral_slips`).  The ledger and demand reports are computed in
:mod:`posassist.services.referral_reports`; this service is the entry point for both.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from posassist.domain import referral_codes
from posassist.errors import InvalidInputError
from posassist.services import referral_reports as reports
from posassist.services.access import require
from posassist.services.context import StoreContext
from posassist.services.finder import add_unmet_demand, clean_item
from posassist.services.interactions import add_interaction, new_interaction
from posassist.services.referral_reports import DemandRow, LedgerRow
from posassist.services.referral_slips import (
    SlipTarget,
    build_pdf,
    checked_layout,
    find_target,
    slip_data,
)
from posassist.storage.base import as_utc
from posassist.storage.orm import Branch, Customer, Referral, Vendor
from posassist.storage.outbox import append_change

if TYPE_CHECKING:
    from posassist.printing.slip_content import SlipContent
    from posassist.printing.slip_pdf import SlipData

# The report rows are defined beside the reports; the UI imports them from here.
__all__ = [
    "DRAFT_CODE",
    "ArrivedReferral",
    "DemandRow",
    "IssuedSlip",
    "LedgerRow",
    "PartnerChoice",
    "ReferralService",
]

_CODE_ATTEMPTS = 8

DRAFT_CODE = "PREVIEW"
"""Printed in the code box of a preview: seven letters, so it never parses as a code."""


@dataclass(frozen=True, slots=True)
class IssuedSlip:
    """A recorded referral out and its slip, ready to print, preview or save."""

    referral_id: uuid.UUID
    code: str
    slip: SlipData
    layout: str
    pdf: bytes
    target_name: str

    @property
    def content(self) -> SlipContent:
        """What the slip says, for an ESC/POS printer (the PDF's own blocks)."""
        from posassist.printing.slip_pdf import referral_content

        return referral_content(self.slip)


@dataclass(frozen=True, slots=True)
class ArrivedReferral:
    referral_id: uuid.UUID
    vendor_id: uuid.UUID | None
    source_name: str
    code: str | None
    message: str


@dataclass(frozen=True, slots=True)
class PartnerChoice:
    """A vendor to pick in "referral came in", most recently involved first."""

    vendor_id: uuid.UUID
    name: str
    address: str
    last_activity: datetime | None


class ReferralService:
    def __init__(self, ctx: StoreContext) -> None:
        self._ctx = ctx

    def today(self) -> date:
        """The store's local date: reports' default periods end today."""
        return self._ctx.today()

    def branch_id_for_code(self, code: str) -> uuid.UUID:
        """Our branch with this code (B01…), for sending a customer there by command line."""
        with self._ctx.db.read() as s:
            found = s.scalar(select(Branch.id).where(Branch.code == code.strip()))
            codes = ", ".join(s.scalars(select(Branch.code).order_by(Branch.code)))
        if found is None:
            raise InvalidInputError("branch", f"No branch with code {code!r}. Branches: {codes}.")
        return found

    # ------------------------------------------------------------- referral out
    def issue_slip(
        self,
        item: str,
        *,
        vendor_id: uuid.UUID | None = None,
        branch_id: uuid.UUID | None = None,
        customer_id: uuid.UUID | None = None,
        layout: str | None = None,
        log_demand: bool = True,
        before_record: Callable[[bytes], None] | None = None,
        asked_as: str | None = None,
    ) -> IssuedSlip:
        """Build the slip PDF, then record the referral out (one transaction).

        The code is chosen and the PDF built *before* anything is written: a slip that
        cannot be made (an unreadable logo) records nothing, so a retry does not count the
        ask twice.  The write re-checks the customer, the place and the code; if the place
        changed meanwhile (or, practically never, the code was taken), the slip is rebuilt.
        Nothing is returned unless the commit succeeded.

        ``log_demand=False`` when the cashier already logged this ask as unmet demand
        (one key in the finder), so one ask is counted once.  ``before_record`` is given
        the PDF once built and before anything is written (``posassist slip`` stores it in
        a temporary file there); if it raises, nothing is recorded.  It may be called again
        with a rebuilt slip.  ``item`` is the ask as it prints (the finder's corrected
        wording); ``asked_as`` what the cashier typed, kept on the unmet-demand row.
        """
        clean = clean_item(item)
        layout_name = checked_layout(self._ctx, layout)  # refused before anything is recorded
        for _ in range(_CODE_ATTEMPTS):
            with self._ctx.db.read() as s:
                self._check_customer(s, customer_id)
                target = find_target(s, self._ctx, vendor_id, branch_id)
                code = self._fresh_code(s)
            slip = slip_data(self._ctx, target, clean, code)
            pdf = self.slip_pdf(slip, layout_name)  # a ConfigError here records nothing
            if before_record is not None:
                before_record(pdf)
            referral = self._record_out(
                clean, target, code, (vendor_id, branch_id, customer_id), log_demand, asked_as
            )
            if referral is not None:
                return IssuedSlip(
                    referral_id=referral.id,
                    code=code,
                    slip=slip,
                    layout=layout_name,
                    pdf=pdf,
                    target_name=target.name,
                )
        raise RuntimeError("the slip's place kept changing while it was being recorded")

    def _record_out(
        self,
        clean: str,
        target: SlipTarget,
        code: str,
        ids: tuple[uuid.UUID | None, uuid.UUID | None, uuid.UUID | None],
        log_demand: bool,
        asked_as: str | None,
    ) -> Referral | None:
        """Commit the referral, its unmet demand and the customer's interaction; None (and
        nothing written) when the built slip no longer matches the store.

        ``ids`` are the (vendor, branch, customer) the slip was built for."""
        vendor_id, branch_id, customer_id = ids
        with self._ctx.db.write() as s:
            self._check_customer(s, customer_id)
            if find_target(s, self._ctx, vendor_id, branch_id) != target:
                return None  # renamed or moved since the slip was built: build it again
            if s.scalar(select(Referral.id).where(Referral.code == code)) is not None:
                return None
            referral = self._add_referral(s, "out", vendor_id, branch_id, clean, code, customer_id)
            if log_demand:
                add_unmet_demand(s, self._ctx, clean, customer_id, asked_as=asked_as)
            if customer_id is not None:
                note = f"Sent to {target.name} for {clean} (slip {code})"
                add_interaction(
                    s, self._ctx, new_interaction(self._ctx, customer_id, "referral_given", note)
                )
        return referral

    def draft_slip(
        self,
        item: str,
        *,
        vendor_id: uuid.UUID | None = None,
        branch_id: uuid.UUID | None = None,
        layout: str | None = None,
    ) -> bytes:
        """The slip as it will print, for a preview; nothing is recorded.

        The code box shows :data:`DRAFT_CODE`: a real code exists only once the referral
        is recorded, so a preview can never be handed out as a countable slip.
        """
        layout_name = checked_layout(self._ctx, layout)
        data = self.draft_data(item, vendor_id=vendor_id, branch_id=branch_id)
        return self.slip_pdf(data, layout_name)

    def draft_data(
        self,
        item: str,
        *,
        vendor_id: uuid.UUID | None = None,
        branch_id: uuid.UUID | None = None,
    ) -> SlipData:
        """What a slip for this ask and place would say (with :data:`DRAFT_CODE`)."""
        clean = clean_item(item)
        with self._ctx.db.read() as s:
            target = find_target(s, self._ctx, vendor_id, branch_id)
        return slip_data(self._ctx, target, clean, DRAFT_CODE)

    def slip_pdf(self, slip: SlipData, layout: str) -> bytes:
        """The same slip on another paper size (a reprint on a sheet printer)."""
        return build_pdf(slip, layout)

    def _fresh_code(self, s: Session) -> str:
        for _ in range(_CODE_ATTEMPTS):
            code = referral_codes.new_code()
            if s.scalar(select(Referral.id).where(Referral.code == code)) is None:
                return code
        raise RuntimeError("could not find an unused referral code")  # 32**7 codes: a bug

    # -------------------------------------------------------------- referral in
    def partners(self) -> list[PartnerChoice]:
        """Active vendors for "who sent you?", the most recently involved first."""
        with self._ctx.db.read() as s:
            last = (
                select(Referral.vendor_id, func.max(Referral.created_at).label("last"))
                .where(Referral.vendor_id.is_not(None))
                .group_by(Referral.vendor_id)
                .subquery()
            )
            rows = s.execute(
                select(Vendor.id, Vendor.name, Vendor.address, last.c.last)
                .outerjoin(last, last.c.vendor_id == Vendor.id)
                .where(Vendor.active.is_(True))
            ).all()
        # SQLite returns the max() of a UTCDateTime as text; read it back as aware UTC.
        choices = [
            PartnerChoice(
                vid, name, " ".join(address.split()), as_utc(last_at) if last_at else None
            )
            for vid, name, address, last_at in rows
        ]
        choices.sort(
            key=lambda c: (c.last_activity is None, -(_ts(c.last_activity)), c.name.casefold())
        )
        return choices

    def record_arrival(
        self,
        *,
        customer_id: uuid.UUID | None = None,
        vendor_id: uuid.UUID | None = None,
        code: str | None = None,
    ) -> ArrivedReferral:
        """A customer was sent to us: by a partner's slip (its code) or by name.

        A code we issued ourselves (our slip, handed back) is credited to the vendor or
        branch it was issued for; a code we do not know is a partner's own, and needs the
        vendor chosen.  A code is counted once: a second arrival with it is refused.
        """
        canonical = referral_codes.parse(code) if code is not None and code.strip() else None
        if canonical is None and vendor_id is None:
            raise InvalidInputError(
                "referral_code", "Type the code from the slip, or choose who sent them."
            )
        with self._ctx.db.write() as s:
            self._check_customer(s, customer_id)
            branch_id: uuid.UUID | None = None
            stored_code = canonical
            item = ""
            earlier = self._earlier_slip(s, canonical) if canonical is not None else None
            if earlier is not None:  # our own slip came back with the customer
                vendor_id, branch_id = earlier.vendor_id, earlier.branch_id
                item = earlier.item_asked
                stored_code = None  # the code stays unique to the slip we issued
            source = self._source_name(s, vendor_id, branch_id, canonical)
            referral = self._add_referral(
                s, "in", vendor_id, branch_id, item, stored_code, customer_id
            )
            if customer_id is not None:
                note = f"Referred by {source}" + (f" (slip {canonical})" if canonical else "")
                add_interaction(
                    s, self._ctx, new_interaction(self._ctx, customer_id, "referral_arrived", note)
                )
        return ArrivedReferral(
            referral_id=referral.id,
            vendor_id=vendor_id,
            source_name=source,
            code=canonical,
            message=f"Referral from {source} logged.",
        )

    def _earlier_slip(self, s: Session, canonical: str) -> Referral | None:
        """The slip we issued with this code; refuses a code already counted as arrived."""
        earlier = s.scalar(select(Referral).where(Referral.code == canonical))
        if earlier is not None and earlier.direction == "in":
            when = earlier.created_at.astimezone(self._ctx.tz).strftime("%d %b %Y")
            raise InvalidInputError(
                "referral_code", f"The slip {canonical} was already counted on {when}."
            )
        return earlier

    def _source_name(
        self,
        s: Session,
        vendor_id: uuid.UUID | None,
        branch_id: uuid.UUID | None,
        canonical: str | None,
    ) -> str:
        """Who sent the customer, in words; a code that is not ours needs the vendor."""
        if vendor_id is not None:
            vendor = s.get(Vendor, vendor_id)
            if vendor is None:
                raise InvalidInputError("vendor", "That vendor is not in the directory.")
            return vendor.name
        if branch_id is not None:
            branch = s.get(Branch, branch_id)
            return branch.name if branch is not None else "another branch"
        raise InvalidInputError(
            "vendor",
            f"{canonical} is not one of our slips. Choose the partner who sent them.",
        )

    # ------------------------------------------------------------------ reports
    def goodwill_ledger(
        self, start: date, end: date, *, include_idle: bool = False
    ) -> list[LedgerRow]:
        """Per partner vendor: referrals sent and received from ``start`` to ``end``
        (local days, both included), and the last referral either way up to ``end``."""
        require(self._ctx, "reports")
        return reports.goodwill_ledger(self._ctx, start, end, include_idle=include_idle)

    def unmet_demand(self, days: int = 30, *, today: date | None = None) -> list[DemandRow]:
        """What customers asked for that we could not supply, in the last ``days`` days
        (today included), against the ``days`` before, grouped by normalised wording."""
        require(self._ctx, "reports")
        return reports.unmet_demand(self._ctx, days, today or self._ctx.today())

    def export_ledger_csv(self, rows: list[LedgerRow], path: Path) -> None:
        require(self._ctx, "reports")
        reports.export_ledger_csv(self._ctx.tz, rows, path)

    def export_demand_csv(self, rows: list[DemandRow], path: Path) -> None:
        require(self._ctx, "reports")
        reports.export_demand_csv(self._ctx.tz, rows, path)

    # ------------------------------------------------------------------ helpers
    def _check_customer(self, s: Session, customer_id: uuid.UUID | None) -> None:
        if customer_id is None:
            return
        customer = s.get(Customer, customer_id)
        if customer is None or customer.erased_at is not None:
            raise InvalidInputError("customer", "That customer no longer exists.")

    def _add_referral(
        self,
        s: Session,
        direction: str,
        vendor_id: uuid.UUID | None,
        branch_id: uuid.UUID | None,
        item: str,
        code: str | None,
        customer_id: uuid.UUID | None,
    ) -> Referral:
        """Add a referral made now, and its outbox row, to the caller's transaction."""
        referral = Referral(
            id=uuid.uuid4(),
            direction=direction,
            vendor_id=vendor_id,
            branch_id=branch_id,
            item_asked=item,
            code=code,
            customer_id=customer_id,
            created_at=self._ctx.now(),
        )
        s.add(referral)
        self._log_referral(s, referral)
        return referral

    def _log_referral(self, s: Session, r: Referral) -> None:
        append_change(
            s,
            entity="referral",
            entity_id=r.id,
            op="insert",
            payload={
                "id": r.id,
                "direction": r.direction,
                "vendor_id": r.vendor_id,
                "branch_id": r.branch_id,
                "item_asked": r.item_asked,
                "code": r.code,
                "customer_id": r.customer_id,
                "created_at": r.created_at,
            },
            hlc=self._ctx.stamp(),
        )


def _ts(value: datetime | None) -> float:
    return value.timestamp() if value is not None else 0.0

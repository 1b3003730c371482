"""Referrals: sending a customer elsewhere with a slip, customers sent to us, and the
goodwill ledger that shows whether the partnership is mutual.

Build, record, then print.  :meth:`ReferralService.issue_slip` builds the slip's PDF (its
code chosen first), and only then commits the referral, the unmet-demand row and the
customer's ``referral_given`` interaction (with their outbox rows) in one transaction, all
*before* any printer is involved: a slip that cannot be built records nothing, and a jammed
printer never loses the record; the slip can be printed again or saved as a PDF from the
same bytes.

The slip carries the store, the place and the code, never the customer: it may end up on a
partner's counter or in a bin.  :class:`~posassist.printing.slip_pdf.SlipData` has no field
that could hold customer data, and this module never passes it any.
"""

from __future__ import annotations

import collections
import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote_plus

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from posassist.config import StoreSettings
from posassist.domain import referral_codes
from posassist.errors import ConfigError, InvalidInputError
from posassist.services.context import StoreContext
from posassist.services.csv_files import write_csv
from posassist.services.finder import add_unmet_demand, clean_item
from posassist.services.interactions import add_interaction, new_interaction
from posassist.storage.orm import Branch, Customer, Referral, UnmetDemand, Vendor
from posassist.storage.outbox import append_change

if TYPE_CHECKING:
    from posassist.printing.slip_pdf import SlipData, TargetKind

_CODE_ATTEMPTS = 8
TREND_THRESHOLD = 0.2
"""A change under 20 % between two periods reads as "steady": small counts are noisy."""

LEDGER_CSV_COLUMNS = ("vendor", "sent", "received", "ratio", "last activity")
DEMAND_CSV_COLUMNS = ("item", "asked", "asked in previous period", "trend", "last asked")


DRAFT_CODE = "PREVIEW"
"""Printed in the code box of a preview: seven letters, so it never parses as a code."""


@dataclass(frozen=True, slots=True)
class _Target:
    header: tuple[str, str, str | None]
    kind: TargetKind
    name: str
    address: str
    phone: str
    hours: str
    qr: str


@dataclass(frozen=True, slots=True)
class IssuedSlip:
    """A recorded referral out and its slip, ready to print, preview or save."""

    referral_id: uuid.UUID
    code: str
    slip: SlipData
    layout: str
    pdf: bytes
    target_name: str


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


@dataclass(frozen=True, slots=True)
class LedgerRow:
    vendor_id: uuid.UUID
    vendor_name: str
    active: bool
    sent: int
    received: int
    last_activity: datetime | None

    @property
    def ratio(self) -> float | None:
        """Received per referral sent; None when we sent none (no ratio to speak of)."""
        return self.received / self.sent if self.sent else None


@dataclass(frozen=True, slots=True)
class DemandRow:
    item_key: str
    item: str
    count: int
    previous: int
    last_asked: datetime

    @property
    def change(self) -> float | None:
        """Relative change from the previous period; None when there was none before."""
        return (self.count - self.previous) / self.previous if self.previous else None

    @property
    def trend(self) -> str:
        if self.previous == 0:
            return "new"
        change = self.change
        assert change is not None
        if self.count == 0:
            return "gone"
        if change >= TREND_THRESHOLD:
            return f"up {change:.0%}"
        if change <= -TREND_THRESHOLD:
            return f"down {-change:.0%}"
        return "steady"


def store_header(store: StoreSettings, branch: Branch) -> tuple[str, str, str | None]:
    """Name, address and phone for the slip's header.

    The settings win; a store that has not set them prints its branch's own details (a
    chain's demo or a fresh register still prints a sensible header).
    """
    name = store.name if store.name != StoreSettings.name else branch.name or store.name
    address = store.address or branch.address
    phone = store.phone or branch.phone or None
    return name, address, phone


def map_link(address: str) -> str:
    """A map search for ``address``: directions beat a home page for someone on foot."""
    return f"https://www.openstreetmap.org/search?query={quote_plus(' '.join(address.split()))}"


@functools.lru_cache(maxsize=4)
def _read_logo(path: str) -> bytes:
    try:
        return Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"The store logo {path} cannot be read ({exc.strerror or exc}).",
            hint="Set [store] logo in the settings file (settings.toml) to the full path of a "
            "PNG or JPEG image, or remove the setting.",
        ) from exc


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
        with a rebuilt slip.
        """
        clean = clean_item(item)
        layout_name = self._checked_layout(layout)  # refused before anything is recorded
        for _ in range(_CODE_ATTEMPTS):
            with self._ctx.db.read() as s:
                self._check_customer(s, customer_id)
                target = self._target(s, vendor_id, branch_id)
                code = self._fresh_code(s)
            slip = self._slip_data(target, clean, code)
            pdf = self.slip_pdf(slip, layout_name)  # a ConfigError here records nothing
            if before_record is not None:
                before_record(pdf)
            referral = self._record_out(
                clean, target, code, vendor_id, branch_id, customer_id, log_demand
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
        target: _Target,
        code: str,
        vendor_id: uuid.UUID | None,
        branch_id: uuid.UUID | None,
        customer_id: uuid.UUID | None,
        log_demand: bool,
    ) -> Referral | None:
        """Commit the referral, its unmet demand and the customer's interaction; None (and
        nothing written) when the built slip no longer matches the store."""
        with self._ctx.db.write() as s:
            self._check_customer(s, customer_id)
            if self._target(s, vendor_id, branch_id) != target:
                return None  # renamed or moved since the slip was built: build it again
            if s.scalar(select(Referral.id).where(Referral.code == code)) is not None:
                return None
            referral = Referral(
                id=uuid.uuid4(),
                direction="out",
                vendor_id=vendor_id,
                branch_id=branch_id,
                item_asked=clean,
                code=code,
                customer_id=customer_id,
                created_at=self._ctx.now(),
            )
            s.add(referral)
            self._log_referral(s, referral)
            if log_demand:
                add_unmet_demand(s, self._ctx, clean, customer_id)
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
        layout_name = self._checked_layout(layout)
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
            target = self._target(s, vendor_id, branch_id)
        return self._slip_data(target, clean, DRAFT_CODE)

    def slip_pdf(self, slip: SlipData, layout: str) -> bytes:
        """The same slip on another paper size (a reprint on a sheet printer)."""
        # reportlab loads in ~0.2 s: only when the first slip is made, not at start-up.
        from posassist.printing.slip_pdf import build_slip_pdf

        return build_slip_pdf(slip, layout)

    def _checked_layout(self, layout: str | None) -> str:
        from posassist.printing.layouts import get_layout

        return get_layout(layout or self._ctx.settings.printing.layout).name

    def _target(
        self, s: Session, vendor_id: uuid.UUID | None, branch_id: uuid.UUID | None
    ) -> _Target:
        """Where the slip sends the customer, and this store's own header."""
        if (vendor_id is None) == (branch_id is None):
            raise InvalidInputError("target", "Choose one partner vendor or one branch.")
        here = s.get(Branch, self._ctx.branch_id)
        assert here is not None
        header = store_header(self._ctx.settings.store, here)
        if vendor_id is not None:
            vendor = s.get(Vendor, vendor_id)
            if vendor is None:
                raise InvalidInputError("vendor", "That vendor is not in the directory.")
            if not vendor.active:
                raise InvalidInputError(
                    "vendor", f"{vendor.name} is marked inactive in the vendor directory."
                )
            qr = map_link(vendor.address) if vendor.address.strip() else vendor.website
            return _Target(
                header, "vendor", vendor.name, vendor.address, vendor.phone, vendor.hours, qr
            )
        branch = s.get(Branch, branch_id)
        if branch is None:
            raise InvalidInputError("branch", "That branch is not known here.")
        if branch.id == self._ctx.branch_id:
            raise InvalidInputError("branch", "That is this branch.")
        qr = map_link(branch.address) if branch.address.strip() else ""
        return _Target(header, "branch", branch.name, branch.address, branch.phone, "", qr)

    def _slip_data(self, target: _Target, item: str, code: str) -> SlipData:
        from posassist.printing.slip_pdf import SlipData

        name, address, phone = target.header
        return SlipData(
            store_name=name,
            store_address=address,
            store_phone=phone,
            logo_png=self._logo(),
            item_asked=item,
            target_kind=target.kind,
            target_name=target.name,
            target_address=target.address or None,
            target_phone=target.phone or None,
            target_hours=target.hours or None,
            qr_url=target.qr or None,
            referral_code=code,
            issued_on=self._ctx.today(),
        )

    def _logo(self) -> bytes | None:
        path = self._ctx.settings.store.logo.strip()
        return _read_logo(path) if path else None

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
                vid, name, " ".join(address.split()), _as_utc(last_at) if last_at else None
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
            if canonical is not None:
                earlier = s.scalar(select(Referral).where(Referral.code == canonical))
                if earlier is not None and earlier.direction == "in":
                    when = earlier.created_at.astimezone(self._ctx.tz).strftime("%d %b %Y")
                    raise InvalidInputError(
                        "referral_code", f"The slip {canonical} was already counted on {when}."
                    )
                if earlier is not None:  # our own slip came back with the customer
                    vendor_id, branch_id = earlier.vendor_id, earlier.branch_id
                    item = earlier.item_asked
                    stored_code = None  # the code stays unique to the slip we issued
            source = "a partner"
            if vendor_id is not None:
                vendor = s.get(Vendor, vendor_id)
                if vendor is None:
                    raise InvalidInputError("vendor", "That vendor is not in the directory.")
                source = vendor.name
            elif branch_id is not None:
                branch = s.get(Branch, branch_id)
                source = branch.name if branch is not None else "another branch"
            else:
                raise InvalidInputError(
                    "vendor",
                    f"{canonical} is not one of our slips. Choose the partner who sent them.",
                )
            referral = Referral(
                id=uuid.uuid4(),
                direction="in",
                vendor_id=vendor_id,
                branch_id=branch_id,
                item_asked=item,
                code=stored_code,
                customer_id=customer_id,
                created_at=self._ctx.now(),
            )
            s.add(referral)
            self._log_referral(s, referral)
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

    # ------------------------------------------------------------------ reports
    def goodwill_ledger(
        self, start: date, end: date, *, include_idle: bool = False
    ) -> list[LedgerRow]:
        """Per partner vendor: referrals sent and received from ``start`` to ``end``
        (local days, both included), and the last referral either way up to ``end``."""
        if end < start:
            raise InvalidInputError("period", "The period ends before it starts.")
        lo, hi = self._utc_bounds(start, end)
        with self._ctx.db.read() as s:
            counts = s.execute(
                select(Referral.vendor_id, Referral.direction, func.count())
                .where(
                    Referral.vendor_id.is_not(None),
                    Referral.created_at >= lo,
                    Referral.created_at < hi,
                )
                .group_by(Referral.vendor_id, Referral.direction)
            ).all()
            last_rows = s.execute(
                select(Referral.vendor_id, func.max(Referral.created_at))
                .where(Referral.vendor_id.is_not(None), Referral.created_at < hi)
                .group_by(Referral.vendor_id)
            ).all()
            vendors = {v.id: v for v in s.scalars(select(Vendor))}
        sent: collections.Counter[uuid.UUID] = collections.Counter()
        received: collections.Counter[uuid.UUID] = collections.Counter()
        for vendor_id, direction, n in counts:
            if vendor_id is not None:
                (sent if direction == "out" else received)[vendor_id] += n
        last = {vid: _as_utc(at) for vid, at in last_rows if at is not None}
        ids = set(sent) | set(received)
        if include_idle:
            ids |= {vid for vid, v in vendors.items() if v.active}
        rows = [
            LedgerRow(
                vendor_id=vid,
                vendor_name=vendors[vid].name if vid in vendors else "(deleted vendor)",
                active=vendors[vid].active if vid in vendors else False,
                sent=sent[vid],
                received=received[vid],
                last_activity=last.get(vid),
            )
            for vid in ids
        ]
        rows.sort(key=lambda r: (-(r.sent + r.received), r.vendor_name.casefold()))
        return rows

    def unmet_demand(self, days: int = 30, *, today: date | None = None) -> list[DemandRow]:
        """What customers asked for that we could not supply, in the last ``days`` days
        (today included), against the ``days`` before, grouped by normalised wording."""
        if not 1 <= days <= 3660:
            raise InvalidInputError("days", "Choose a period between 1 and 3,660 days.")
        end = today or self._ctx.today()
        current_start = end - timedelta(days=days - 1)
        previous_start = current_start - timedelta(days=days)
        lo, _ = self._utc_bounds(previous_start, end)
        split, hi = self._utc_bounds(current_start, end)
        with self._ctx.db.read() as s:
            rows = s.execute(
                select(UnmetDemand.item_key, UnmetDemand.item_asked, UnmetDemand.created_at)
                .where(UnmetDemand.created_at >= lo, UnmetDemand.created_at < hi)
                .order_by(UnmetDemand.created_at)
            ).all()
        current: collections.Counter[str] = collections.Counter()
        previous: collections.Counter[str] = collections.Counter()
        wording: dict[str, collections.Counter[str]] = {}
        last: dict[str, datetime] = {}
        for key, asked, at in rows:
            (current if at >= split else previous)[key] += 1
            wording.setdefault(key, collections.Counter())[asked] += 1
            last[key] = at
        report = [
            DemandRow(
                item_key=key,
                item=wording[key].most_common(1)[0][0],
                count=current[key],
                previous=previous[key],
                last_asked=last[key],
            )
            for key in wording
        ]
        report.sort(key=lambda r: (-r.count, -r.previous, r.item_key))
        return report

    def export_ledger_csv(self, rows: list[LedgerRow], path: Path) -> None:
        tz = self._ctx.tz
        write_csv(
            path,
            LEDGER_CSV_COLUMNS,
            (
                (
                    r.vendor_name,
                    r.sent,
                    r.received,
                    "" if r.ratio is None else round(r.ratio, 2),
                    r.last_activity.astimezone(tz).strftime("%Y-%m-%d %H:%M")
                    if r.last_activity
                    else "",
                )
                for r in rows
            ),
        )

    def export_demand_csv(self, rows: list[DemandRow], path: Path) -> None:
        tz = self._ctx.tz
        write_csv(
            path,
            DEMAND_CSV_COLUMNS,
            (
                (
                    r.item,
                    r.count,
                    r.previous,
                    r.trend,
                    r.last_asked.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                )
                for r in rows
            ),
        )

    # ------------------------------------------------------------------ helpers
    def _utc_bounds(self, start: date, end: date) -> tuple[datetime, datetime]:
        tz = self._ctx.tz
        lo = datetime.combine(start, time.min, tz)
        hi = datetime.combine(end + timedelta(days=1), time.min, tz)
        return lo, hi

    def _check_customer(self, s: Session, customer_id: uuid.UUID | None) -> None:
        if customer_id is None:
            return
        customer = s.get(Customer, customer_id)
        if customer is None or customer.erased_at is not None:
            raise InvalidInputError("customer", "That customer no longer exists.")

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


def _as_utc(value: object) -> datetime:
    """Aggregates bypass the UTC column type on SQLite; normalise them here."""
    from datetime import UTC

    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _ts(value: datetime | None) -> float:
    return value.timestamp() if value is not None else 0.0

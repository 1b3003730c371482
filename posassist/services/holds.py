"""Holds and relays between branches as use cases: ask, mark, the queue, expiry, the slip.

The cashier at the requesting branch asks another branch to set an item aside for the
customer on the card, to collect there or to be brought here (a relay). Each step is a
fact that syncs (``storage/holds.py``); the central database decides which of two
registers acting at once was first (``sync/central/holds.py``), and the one that was
not is told in plain words, shown in the queue and on the message line.

Every method is one user action and opens exactly one session.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from posassist.domain import holds as rules
from posassist.domain import identifiers as ids
from posassist.domain.identifiers import IdentifierError
from posassist.errors import InvalidInputError
from posassist.services.context import StoreContext
from posassist.storage import corrections as fixes
from posassist.storage import holds as store
from posassist.storage.orm import Branch, BranchStock, Customer, HoldRequest, Product

if TYPE_CHECKING:
    from posassist.printing.slip_content import SlipContent

Direction = Literal["incoming", "outgoing"]
_CODE_ATTEMPTS = 8


@dataclass(frozen=True, slots=True)
class HoldStepView:
    to_state: str
    at: datetime
    by: str  # "Till 2 at Northside"
    outcome: str  # applied, pending, ignored
    reason: str


@dataclass(frozen=True, slots=True)
class HoldView:
    """One hold as this register shows it: the state is what is true now (expired as
    soon as it is due), ``told`` what this register was told when it was not first."""

    id: uuid.UUID
    code: str
    state: str
    direction: Direction
    relay: bool
    sku: str
    product_name: str
    requesting_branch: str
    holding_branch: str
    customer_id: uuid.UUID | None
    customer_name: str
    created_at: datetime
    expires_at: datetime
    waiting_here: bool  # this branch is the one to act next
    told: str = ""
    steps: tuple[HoldStepView, ...] = field(default=())
    warning: str = ""  # said once, when asked: the holding branch may not have it

    @property
    def label(self) -> str:
        return rules.LABELS.get(self.state, self.state)

    @property
    def other_branch(self) -> str:
        return self.holding_branch if self.direction == "outgoing" else self.requesting_branch

    @property
    def collect_at(self) -> str:
        return self.requesting_branch if self.relay else self.holding_branch


@dataclass(frozen=True, slots=True)
class HoldQueue:
    incoming: tuple[HoldView, ...]
    outgoing: tuple[HoldView, ...]
    as_of: datetime  # the store's clock when read: ages are counted from it

    @property
    def waiting(self) -> int:
        return sum(h.waiting_here for h in (*self.incoming, *self.outgoing))


@dataclass(frozen=True, slots=True)
class HoldSlip:
    """A hold's slip: its PDF (print, preview, save) and the same content for an
    ESC/POS printer."""

    code: str
    branch_name: str
    pdf: bytes
    content: SlipContent

    @property
    def title(self) -> str:
        """ "Hold slip K7Q2-M9XD": the print job's name, as the PDF's own title."""
        from posassist.printing.hold_slip import slip_title

        return slip_title(self.code)


class HoldService:
    def __init__(self, ctx: StoreContext) -> None:
        self._ctx = ctx

    # ------------------------------------------------------------------ writes
    def request(
        self,
        holding_branch_id: uuid.UUID,
        sku: str,
        customer_id: uuid.UUID,
        *,
        relay: bool = False,
    ) -> HoldView:
        """Ask another branch to hold ``sku`` for the customer (to collect there, or relay)."""
        ctx = self._ctx
        now = ctx.now()
        with ctx.db.write() as s:
            branch = s.get(Branch, holding_branch_id)
            if branch is None:
                raise InvalidInputError("branch", "That branch is not known here.")
            if branch.id == ctx.branch_id:
                raise InvalidInputError(
                    "branch", "That is this branch: a hold is asked of another branch."
                )
            product = s.scalar(select(Product).where(Product.sku == sku.strip()))
            if product is None:
                raise InvalidInputError("sku", f"No product with SKU {sku.strip()!r} here.")
            customer = s.get(Customer, fixes.survivor_of(s, customer_id))
            if customer is None or customer.erased_at is not None:
                raise InvalidInputError("customer", "That customer no longer exists.")
            self._refuse_twin(s, customer.id, product.sku, branch.id)
            hold = HoldRequest(
                id=uuid.uuid4(),
                code=_fresh_code(s),
                requesting_branch_id=ctx.branch_id,
                requesting_register_id=ctx.register_id,
                holding_branch_id=branch.id,
                sku=product.sku,
                product_name=product.name,
                customer_id=customer.id,
                relay=relay,
                created_at=now,
                expires_at=rules.expires_at(now, ctx.settings.holds.expire_days),
            )
            store.add_hold(s, hold, ctx.stamp())
            warning = _stock_warning(s, branch, product.sku)
            return dataclasses.replace(self._view(s, hold.id), warning=warning)

    def request_at(
        self, branch_code: str, sku: str, customer_key: str, *, relay: bool = False
    ) -> HoldView:
        """:meth:`request` for store IT: the branch by code, the customer by card or phone."""
        with self._ctx.db.read() as s:
            code = branch_code.strip()
            branch = s.scalar(select(Branch).where(Branch.code == code))
            if branch is None:
                known = ", ".join(sorted(s.scalars(select(Branch.code)))[:12])
                raise InvalidInputError("branch", f"No branch {code!r} (known: {known or 'none'}).")
            customer_id = find_customer(s, customer_key, self._ctx.settings.store.region)
        return self.request(branch.id, sku, customer_id, relay=relay)

    def mark(self, key: str | uuid.UUID, state: str) -> HoldView:
        """Move a hold (by id or code) to ``state``; refused when the move is not one
        this branch may make now ("this hold is collected already")."""
        ctx = self._ctx
        wanted = state.strip().lower().replace(" ", "_").replace("-", "_")
        if wanted not in rules.STATES or wanted == "requested":
            choices = ", ".join(s for s in rules.STATES if s != "requested")
            raise InvalidInputError("state", f"{state!r} is not a hold state ({choices}).")
        with ctx.db.write() as s:
            hold = self._find(s, key)
            now = ctx.now()
            shown = rules.shown_state(hold.state, hold.expires_at, now)
            if shown == "expired" and wanted != "expired" and hold.state not in rules.FINAL:
                raise InvalidInputError(
                    "state",
                    f"Hold {hold.code} expired on {hold.expires_at.astimezone(ctx.tz):%d %b}.",
                )
            if not rules.is_legal(hold.state, wanted):
                raise InvalidInputError(
                    "state", f"Hold {hold.code}: {rules.illegal_reason(hold.state, wanted)}."
                )
            _check_branch(ctx, hold, wanted)
            store.take_step(
                s,
                hold,
                wanted,
                at=now,
                register_id=ctx.register_id,
                branch_id=ctx.branch_id,
                stamp=ctx.stamp(),
            )
            return self._view(s, hold.id)

    def expire_due(self) -> int:
        """Record as expired the holds this branch holds whose time is up (housekeeping,
        on the worker). Another register of the branch doing the same is harmless: the
        central database keeps the first, and the other is not news."""
        ctx = self._ctx
        with ctx.db.write() as s:
            due = store.due_holds(s, ctx.branch_id, ctx.now())
            for hold in due:
                store.take_step(
                    s,
                    hold,
                    "expired",
                    at=ctx.now(),
                    register_id=ctx.register_id,
                    branch_id=ctx.branch_id,
                    stamp=ctx.stamp(),
                )
            return len(due)

    # ------------------------------------------------------------------- reads
    def queue(self) -> HoldQueue:
        """Holds for this branch to keep (incoming) and asked of others (outgoing)."""
        with self._ctx.db.read() as s:
            rows = store.branch_holds(s, self._ctx.branch_id)
            views = self._views(s, rows)
        incoming = tuple(v for v in views if v.direction == "incoming")
        outgoing = tuple(v for v in views if v.direction == "outgoing")
        return HoldQueue(incoming, outgoing, self._ctx.now())

    def waiting_count(self) -> int:
        """How many holds wait for this branch to act (the status bar's count)."""
        return self.queue().waiting

    def hold(self, key: str | uuid.UUID) -> HoldView:
        with self._ctx.db.read() as s:
            return self._view(s, self._find(s, key).id)

    def for_customer(self, customer_id: uuid.UUID) -> list[HoldView]:
        """The person's holds (all the ids a merge made one), newest first."""
        with self._ctx.db.read() as s:
            return self._views(s, store.customer_holds(s, fixes.person(s, customer_id)))

    def person_of(self, customer_id: uuid.UUID) -> list[uuid.UUID]:
        """Every id of that person (survivor first): a hold may name a merged id."""
        with self._ctx.db.read() as s:
            return fixes.person(s, customer_id)

    def notices_since(self, after: datetime | None) -> list[tuple[datetime, str]]:
        """(when, words) of this register's steps another register beat since ``after``."""
        with self._ctx.db.read() as s:
            told = store.told_since(s, self._ctx.register_id, after)
        return [(at, f"Hold {code}: {reason}.") for at, code, reason in told]

    def slip(self, key: str | uuid.UUID, layout: str | None = None) -> HoldSlip:
        """The "held for you at …" slip of a hold, as PDF bytes (print, preview or save).

        It names the branch where the customer collects the item (the holding branch,
        or this one for a relay) and never anything about the customer.
        """
        from posassist.printing.hold_slip import HoldSlipData, build_hold_slip_pdf, hold_content
        from posassist.services.referral_slips import (
            checked_layout,
            logo_of,
            map_link,
            store_header,
        )

        ctx = self._ctx
        name = checked_layout(ctx, layout)
        with ctx.db.read() as s:
            hold = self._find(s, key)
            over = rules.shown_state(hold.state, hold.expires_at, ctx.now())
            if over in rules.FINAL:
                raise InvalidInputError(
                    "hold",
                    f"Hold {hold.code} is {rules.LABELS[over]}: there is nothing to collect, "
                    "so no slip.",
                )
            here = s.get(Branch, ctx.branch_id)
            at = s.get(Branch, hold.requesting_branch_id if hold.relay else hold.holding_branch_id)
            assert here is not None
            if at is None:
                raise InvalidInputError("branch", "The collecting branch is not known here.")
            data = HoldSlipData(
                store_name=store_header(ctx.settings.store, here)[0],
                logo_png=logo_of(ctx),
                item=hold.product_name or hold.sku,
                branch_name=at.name,
                branch_address=at.address or None,
                branch_phone=at.phone or None,
                branch_hours=at.hours or None,
                qr_url=map_link(at.address) if at.address.strip() else None,
                hold_code=hold.code,
                until=hold.expires_at.astimezone(ctx.tz).date(),
                relay=hold.relay,
                issued_on=ctx.today(),
            )
            code = hold.code
        return HoldSlip(code, at.name, build_hold_slip_pdf(data, name), hold_content(data))

    # ----------------------------------------------------------------- helpers
    def _refuse_twin(
        self, s: Session, customer_id: uuid.UUID, sku: str, branch_id: uuid.UUID
    ) -> None:
        """A second key press (F6 twice) must not ask the same branch twice for the same
        item for the same person while the first hold is still going."""
        now = self._ctx.now()
        for r in store.customer_holds(s, fixes.person(s, customer_id)):
            state = rules.shown_state(r.state, r.expires_at, now)
            if r.sku == sku and r.holding_branch_id == branch_id and state not in rules.FINAL:
                until = r.expires_at.astimezone(self._ctx.tz)
                raise InvalidInputError(
                    "hold",
                    f"There is already a hold for this: code {r.code} "
                    f"({rules.LABELS[state]}, until {until:%a %d %b %H:%M}).",
                )

    def _find(self, s: Session, key: str | uuid.UUID) -> HoldRequest:
        hold = s.get(HoldRequest, key) if isinstance(key, uuid.UUID) else store.find_hold(s, key)
        if hold is None:
            raise InvalidInputError("hold", f"No hold {key} here.")
        return hold

    def _view(self, s: Session, hold_id: uuid.UUID) -> HoldView:
        row = store.hold_row(s, hold_id)
        assert row is not None
        return self._views(s, [row])[0]

    def _views(self, s: Session, rows: list[store.HoldRow]) -> list[HoldView]:
        steps = store.steps_of(s, [r.id for r in rows])
        now = self._ctx.now()
        here = self._ctx.branch_id
        out = []
        for r in rows:
            state = rules.shown_state(r.state, r.expires_at, now)
            actor = rules.next_actor(state, r.relay)
            mine = r.holding_branch_id == here
            waiting = (actor == "holding" and mine) or (
                actor == "requesting" and r.requesting_branch_id == here
            )
            own = steps.get(r.id, [])
            told = next(  # a lost expiry is not news: the other register recorded the same
                (
                    st.reason
                    for st in reversed(own)
                    if st.outcome == "ignored" and st.to_state != "expired"
                ),
                "",
            )
            out.append(
                HoldView(
                    id=r.id,
                    code=r.code,
                    state=state,
                    direction="incoming" if mine else "outgoing",
                    relay=r.relay,
                    sku=r.sku,
                    product_name=r.product_name,
                    requesting_branch=r.requesting_branch,
                    holding_branch=r.holding_branch,
                    customer_id=r.customer_id,
                    customer_name=r.customer_name,
                    created_at=r.created_at,
                    expires_at=r.expires_at,
                    waiting_here=waiting,
                    told=told,
                    steps=tuple(
                        HoldStepView(
                            st.to_state,
                            st.at,
                            f"{st.register_name} at {st.branch_name}".strip(),
                            st.outcome,
                            st.reason,
                        )
                        for st in own
                    ),
                )
            )
        return out


def _stock_warning(s: Session, branch: Branch, sku: str) -> str:
    """Asking is allowed without a count (counts go stale), but the cashier is told."""
    on_hand = s.scalar(
        select(BranchStock.on_hand).where(
            BranchStock.branch_id == branch.id, BranchStock.sku == sku
        )
    )
    if on_hand is None:
        return f"{branch.name} has no count of {sku}: ask them by phone first."
    if on_hand <= 0:
        return f"{branch.name} counted {on_hand} of {sku}: ask them by phone first."
    return ""


def _check_branch(ctx: StoreContext, hold: HoldRequest, wanted: str) -> None:
    """Who may take which step: the holding branch accepts and sets aside; the item is
    collected where the customer collects it; either branch may cancel."""
    holding = hold.holding_branch_id == ctx.branch_id
    requesting = hold.requesting_branch_id == ctx.branch_id
    if not (holding or requesting):
        raise InvalidInputError("hold", f"Hold {hold.code} is between two other branches.")
    if wanted in ("accepted", "ready", "on_its_way", "expired") and not holding:
        raise InvalidInputError(
            "state",
            f"Hold {hold.code}: only the branch holding the item marks it "
            + rules.LABELS[wanted]
            + ".",
        )
    if wanted == "on_its_way" and not hold.relay:
        raise InvalidInputError(
            "state", f"Hold {hold.code} is to be collected there, not brought over."
        )
    if wanted == "ready" and hold.relay:
        raise InvalidInputError(
            "state", f"Hold {hold.code} is a relay: mark it on its way instead."
        )
    if wanted == "collected" and not (requesting if hold.relay else holding):
        where = "the branch it was brought to" if hold.relay else "the branch holding it"
        raise InvalidInputError("state", f"Hold {hold.code} is collected at {where}.")


def _fresh_code(s: Session) -> str:
    for _ in range(_CODE_ATTEMPTS):
        code = rules.new_hold_code()
        if s.scalar(select(HoldRequest.id).where(HoldRequest.code == code)) is None:
            return code
    raise RuntimeError("no free hold code after several attempts")  # 1 in 10^30: a bug


def find_customer(s: Session, key: str, region: str) -> uuid.UUID:
    """The live customer whose card or phone ``key`` is (a merged one: the survivor)."""
    text = key.strip()
    try:
        ids.check_text(text, "customer", "card or phone")
    except IdentifierError as exc:
        raise InvalidInputError("customer", str(exc)) from exc
    candidates: list[uuid.UUID] = []
    try:
        card = ids.normalise_card(text)
        candidates += s.scalars(
            select(Customer.id).where(Customer.card_code == card, Customer.erased_at.is_(None))
        )
    except IdentifierError:
        pass
    if not candidates:
        phone = ids.try_normalise_phone(text, region)
        if phone:
            candidates += s.scalars(
                select(Customer.id).where(
                    Customer.phone_e164 == phone, Customer.erased_at.is_(None)
                )
            )
    people = {fixes.survivor_of(s, cid) for cid in candidates}
    if not people:
        raise InvalidInputError("customer", "No customer has that card or phone.")
    if len(people) > 1:
        raise InvalidInputError(
            "customer", f"{len(people)} customers have that phone: give the card."
        )
    return people.pop()

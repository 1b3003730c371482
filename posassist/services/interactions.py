"""Logging what just happened at the register, and taking a log back.

A visit with no purchase is a real record: "help, no sale" is stored exactly like a
purchase and counts toward the customer's standing the same way. Help for someone who
is not a customer (a walk-in, logged from the empty card) is stored with no customer
and counts in the store's walk-in report. A mistake is taken back by a void, a new
fact (``services/corrections.py``), never by deleting the log.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from posassist.domain import identifiers as ids
from posassist.domain.identifiers import IdentifierError
from posassist.domain.visits import local_day
from posassist.errors import InvalidInputError
from posassist.services import corrections
from posassist.services.access import require
from posassist.services.context import StoreContext
from posassist.services.corrections import Voided
from posassist.storage import corrections as fixes
from posassist.storage import queries as q
from posassist.storage.orm import INTERACTION_KINDS, Customer, Interaction, PurchaseLine
from posassist.storage.outbox import append_change

# One line of the walk-in report (day, branch, help given, questions answered).
WalkInRow = q.WalkInRow
MAX_BASKET_MINOR = 100_000_000  # one million in major units: anything above is a typo


@dataclass(frozen=True, slots=True)
class LineItem:
    description: str
    quantity: int = 1
    unit_minor: int | None = None
    sku: str | None = None


def _checked(
    kind: str, basket_minor: int | None, items: Sequence[LineItem], note: str
) -> tuple[str, list[tuple[str, LineItem]]]:
    """Refuse a bad log before anything is written: the cleaned note and the item lines
    that have a description, each with its cleaned description."""
    if kind not in INTERACTION_KINDS:
        raise InvalidInputError("kind", f"Unknown kind of interaction: {kind!r}.")
    if basket_minor is not None and not 0 <= basket_minor <= MAX_BASKET_MINOR:
        raise InvalidInputError("basket", "The basket total must be between 0 and 1,000,000.")
    if kind != "purchase" and (basket_minor is not None or items):
        raise InvalidInputError("basket", "Only a purchase has a basket.")
    try:
        clean = ids.clean_note(note)
        lines = [
            (ids.clean_note(item.description, label="item description"), item)
            for item in items
            if item.description.strip()
        ]
    except IdentifierError as exc:
        raise InvalidInputError(exc.field, str(exc)) from exc
    for _desc, item in lines:
        if item.quantity < 1 or item.quantity > 10_000:
            raise InvalidInputError("items", "An item's quantity must be between 1 and 10,000.")
    return clean, lines


class InteractionService:
    def __init__(self, ctx: StoreContext) -> None:
        self._ctx = ctx

    def log(
        self,
        customer_id: uuid.UUID | None,
        kind: str,
        *,
        basket_minor: int | None = None,
        items: Sequence[LineItem] = (),
        note: str = "",
    ) -> uuid.UUID:
        """Record one interaction (and its outbox row) in one transaction."""
        clean, lines = _checked(kind, basket_minor, items, note)
        interaction = self._new_interaction(customer_id, kind, basket_minor, clean, lines)
        with self._ctx.db.write() as s:
            if customer_id is not None:
                # A merged customer's id (a stale card on screen) logs on the survivor.
                interaction.customer_id = fixes.survivor_of(s, customer_id)
                customer = s.get(Customer, interaction.customer_id)
                if customer is None or customer.erased_at is not None:
                    raise InvalidInputError("customer", "That customer no longer exists.")
            add_interaction(s, self._ctx, interaction)
        return interaction.id

    def _new_interaction(
        self,
        customer_id: uuid.UUID | None,
        kind: str,
        basket_minor: int | None,
        note: str,
        lines: list[tuple[str, LineItem]],
    ) -> Interaction:
        """The row and its purchase lines, stamped with this register, staff and now."""
        interaction = new_interaction(self._ctx, customer_id, kind, note)
        interaction.basket_minor = basket_minor
        interaction.lines = [
            PurchaseLine(
                id=uuid.uuid4(),
                position=pos,
                sku=item.sku,
                description=desc[:300],
                quantity=item.quantity,
                unit_minor=item.unit_minor,
            )
            for pos, (desc, item) in enumerate(lines)
        ]
        return interaction

    def log_walk_in(self, kind: str, *, note: str = "") -> uuid.UUID:
        """Help or a question for someone who is not a customer: never attached to one."""
        if kind not in q.WALK_IN_KINDS:
            raise InvalidInputError("kind", "Only help or a question is logged for a walk-in.")
        return self.log(None, kind, note=note)

    def today(self) -> date:
        """The store's day now, for reports that end today."""
        return self._ctx.today()

    def walk_ins(self, since: date, until: date) -> list[WalkInRow]:
        """The walk-in report: help given with no sale, per day and branch."""
        require(self._ctx, "reports")
        if since > until:
            raise InvalidInputError("since", "The first day must not be after the last.")
        with self._ctx.db.read() as s:
            return q.walk_ins(s, since, until)

    def void(self, interaction_id: uuid.UUID, reason: str) -> Voided:
        """A manager takes back any entry, saying why; it stays on the timeline, struck."""
        require(self._ctx, "void")
        clean = corrections.clean_reason(reason)
        with self._ctx.db.write() as s:
            interaction = s.get(Interaction, interaction_id)
            if interaction is None:
                raise InvalidInputError("interaction", "That entry does not exist.")
            return corrections.void_interaction(s, self._ctx, interaction, clean)

    def undo_last(self) -> Voided:
        """Ctrl+Z: this register's last log, within ten minutes (else CannotUndoError).

        Not gated like :meth:`void`: a cashier who mistyped must be able to take it back at
        once without calling a manager over. It stays a cashier's action only for their
        own entry (the same staff id) inside the ten-minute window; anyone else's entry,
        or an older one, is a manager's void (``corrections.undo_last`` refuses it with a
        PermissionDeniedError naming "void").
        """
        with self._ctx.db.write() as s:
            return corrections.undo_last(s, self._ctx)


def new_interaction(
    ctx: StoreContext, customer_id: uuid.UUID | None, kind: str, note: str = ""
) -> Interaction:
    """An interaction at this register, now; ``kind`` and ``note`` already checked."""
    now = ctx.now()
    return Interaction(
        id=uuid.uuid4(),
        customer_id=customer_id,
        branch_id=ctx.branch_id,
        register_id=ctx.register_id,
        staff_id=ctx.staff_id,
        occurred_at=now,
        local_day=local_day(now, ctx.tz),
        kind=kind,
        basket_minor=None,
        note=note,
    )


def add_interaction(s: Session, ctx: StoreContext, interaction: Interaction) -> None:
    """Add ``interaction`` (with its lines) and its outbox row to the caller's transaction.

    Other use cases that count as a visit (a referral given or arriving) call this so the
    interaction and their own rows commit together, with the same outbox payload shape.
    """
    s.add(interaction)
    append_change(
        s,
        entity="interaction",
        entity_id=interaction.id,
        op="insert",
        payload={
            "id": interaction.id,
            "customer_id": interaction.customer_id,
            "branch_id": interaction.branch_id,
            "register_id": interaction.register_id,
            "staff_id": interaction.staff_id,
            "occurred_at": interaction.occurred_at,
            "local_day": interaction.local_day,
            "kind": interaction.kind,
            "basket_minor": interaction.basket_minor,
            "note": interaction.note,
            "lines": [
                {
                    "id": line.id,
                    "position": line.position,
                    "sku": line.sku,
                    "description": line.description,
                    "quantity": line.quantity,
                    "unit_minor": line.unit_minor,
                }
                for line in interaction.lines
            ],
        },
        hlc=ctx.stamp(),
    )

"""Corrections are facts too: a void (an undo is one), and a merge.

Nothing is rewritten in place. A void is a new ``interaction_void`` row naming the
interaction and why; a merge is a new ``customer_alias`` row saying the merged id is
the survivor from now on. Both travel as fact ops, so every register and the central
database end up with the same corrections, and a register that logs on a merged id
while offline still lands on the survivor (readers resolve the alias).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from posassist.domain import identifiers as ids
from posassist.domain.identifiers import IdentifierError
from posassist.errors import InvalidInputError, KnownError, PermissionDeniedError
from posassist.services.access import ACTIONS, allowed
from posassist.services.audit_trail import record
from posassist.services.context import StoreContext
from posassist.storage import corrections as fixes
from posassist.storage.orm import (
    Customer,
    CustomerAlias,
    Interaction,
    InteractionVoid,
    Outbox,
)
from posassist.storage.outbox import append_change

UNDONE_REASON = "undone at the register"
UNDO_WINDOW = timedelta(minutes=10)
MAX_REASON = 500


class CannotUndoError(KnownError):
    """Ctrl+Z found nothing this register may undo; the message says why, plainly."""


@dataclass(frozen=True, slots=True)
class Voided:
    """What a void or an undo took back, for the cashier's confirmation line."""

    interaction_id: uuid.UUID
    kind: str
    customer_id: uuid.UUID | None
    occurred_at: datetime


def clean_reason(reason: str) -> str:
    """A void's reason: required (a manager says why), one short line of text."""
    try:
        text = ids.clean_note(reason, "reason", "reason").strip()
    except IdentifierError as exc:
        raise InvalidInputError("reason", str(exc)) from exc
    if not text:
        raise InvalidInputError("reason", "Say why this entry is being voided.")
    if len(text) > MAX_REASON:
        raise InvalidInputError("reason", f"Keep the reason under {MAX_REASON} characters.")
    return text


def void_interaction(
    s: Session, ctx: StoreContext, interaction: Interaction, reason: str
) -> Voided:
    """Add the void of ``interaction`` and its outbox op to the caller's transaction."""
    already = s.scalar(
        select(InteractionVoid.id).where(InteractionVoid.interaction_id == interaction.id)
    )
    if already is not None:
        raise InvalidInputError("interaction", "That entry was already voided.")
    void = InteractionVoid(
        id=uuid.uuid4(),
        interaction_id=interaction.id,
        reason=reason,
        voided_at=ctx.now(),
        register_id=ctx.register_id,
    )
    s.add(void)
    append_change(
        s,
        entity="interaction_void",
        entity_id=void.id,
        op="insert",
        # customer_id is no column: it tells other registers whose card to refresh.
        payload={
            "id": void.id,
            "interaction_id": void.interaction_id,
            "reason": void.reason,
            "voided_at": void.voided_at,
            "register_id": void.register_id,
            "customer_id": interaction.customer_id,
        },
        hlc=ctx.stamp(),
    )
    # The reason is typed by a person and may name someone: the trail holds the void's id.
    detail = "undone" if reason == UNDONE_REASON else f"void {void.id}"
    record(s, ctx, "void", "interaction", str(interaction.id), detail)
    return Voided(
        interaction.id, interaction.kind, interaction.customer_id, interaction.occurred_at
    )


def last_logged_here(s: Session, ctx: StoreContext) -> Interaction | None:
    """The last interaction this register logged (whoever's it was, walk-ins too).

    The outbox says it exactly: only this register's own writes are queued there, in
    the order they were made (two logs within one clock tick included).
    """
    entity_id = s.scalar(
        select(Outbox.entity_id)
        .where(Outbox.entity == "interaction", Outbox.op == "insert")
        .order_by(Outbox.seq.desc())
        .limit(1)
    )
    return None if entity_id is None else s.get(Interaction, uuid.UUID(entity_id))


def undo_last(s: Session, ctx: StoreContext) -> Voided:
    """Ctrl+Z: void this register's last log, if it is at most ten minutes old.

    A cashier may undo only their own log (same staff id): taking back someone else's
    entry is a void, which needs a manager. A manager may undo any last log here.
    """
    last = last_logged_here(s, ctx)
    if last is None:
        raise CannotUndoError("Nothing to undo: this register has not logged anything yet.")
    reasons = fixes.void_reasons(s, [last.id])
    if last.id in reasons:
        raise CannotUndoError(
            "Nothing to undo: the last entry logged here was already undone or voided.",
            hint="Only the last entry can be undone.",
        )
    if last.staff_id != ctx.staff_id and not allowed(ctx, "void"):
        raise PermissionDeniedError(
            "void",
            f"Someone else logged the last entry here: only a manager can {ACTIONS['void']}.",
            hint="Only your own last log can be undone.",
        )
    at = last.occurred_at.astimezone(ctx.tz)
    if ctx.now() - last.occurred_at > UNDO_WINDOW:
        raise CannotUndoError(
            f"Too late to undo: the last entry here was logged at {at:%H:%M}, more than "
            "10 minutes ago.",
            hint="A manager can void it: Manager → Void an entry….",
        )
    return void_interaction(s, ctx, last, UNDONE_REASON)


def merge_customers(
    s: Session, ctx: StoreContext, merged_id: uuid.UUID, survivor_id: uuid.UUID
) -> None:
    """Alias ``merged_id`` to ``survivor_id`` (and whoever was already merged into it).

    Refused when the two are one person already, or either is erased or already merged
    away, so an alias never points at an alias of itself.
    """
    if merged_id == survivor_id:
        raise InvalidInputError("merge", "Pick two different customers to merge.")
    for cid, role in ((merged_id, "merged"), (survivor_id, "kept")):
        customer = s.get(Customer, cid)
        if customer is None or customer.erased_at is not None:
            raise InvalidInputError("merge", f"The customer to be {role} no longer exists.")
        if fixes.is_merged(s, cid):
            raise InvalidInputError(
                "merge", f"The customer to be {role} was already merged into someone else."
            )
    now = ctx.now()
    for old in [merged_id, *fixes.merged_into(s, merged_id)]:
        # A re-pointed alias must supersede the one it replaces, even within a microsecond.
        before = fixes.latest_alias_at(s, old)
        at = now if before is None or before < now else before + timedelta(microseconds=1)
        alias = CustomerAlias(
            id=uuid.uuid4(),
            merged_id=old,
            survivor_id=survivor_id,
            merged_at=at,
            register_id=ctx.register_id,
        )
        s.add(alias)
        append_change(
            s,
            entity="customer_alias",
            entity_id=alias.id,
            op="insert",
            payload={
                "id": alias.id,
                "merged_id": alias.merged_id,
                "survivor_id": alias.survivor_id,
                "merged_at": alias.merged_at,
                "register_id": alias.register_id,
            },
            hlc=ctx.stamp(),
        )
    record(s, ctx, "merge", "customer", str(merged_id), f"merged into {survivor_id}")

"""Everything held on one person, as one JSON-ready document (the export's content).

Read in one session from the rows themselves, not from what a screen happens to show:
every record a merge made one person (``storage/corrections.py person``), every customer
field as declared in ``domain/fields.py`` (none listed again here), each interaction with
its lines and voids, the referrals and holds that name them (with every step), their
unmet asks, the merges and the ids their records have in the systems they were imported
from (``customer_external_id``). Each item says whether it has reached the central database
yet (``synced``: no pending outbox row carries it), because data not yet synced is data
held all the same — and the customer is owed it.

The card's own words (visits, standing, favourites: ``card_document.py``) are added by the
caller; they are derived, but they are what the store tells about them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from posassist.domain.fields import CUSTOMER_FIELDS, HOLD_FIELDS, HOLD_STEP_FIELDS
from posassist.storage.corrections import person
from posassist.storage.holds import HOLD_ENTITY, STEP_ENTITY
from posassist.storage.orm import (
    Branch,
    Customer,
    CustomerAlias,
    CustomerExternalId,
    HoldRequest,
    HoldStep,
    Interaction,
    InteractionVoid,
    Outbox,
    PurchaseLine,
    Referral,
    Staff,
    UnmetDemand,
    Vendor,
)

__all__ = ["FORMAT", "person_document"]

T = TypeVar("T")

FORMAT = "posassist customer export 1"
# A referral's direction as the customer would say it.
_DIRECTION = {"out": "issued", "in": "arrived"}


def _plain(value: Any) -> Any:
    """A column value as JSON holds it: ids and times as text."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


_NAMES = (
    select(Branch.id, Branch.name),
    select(Staff.id, Staff.name),
    select(Vendor.id, Vendor.name),
)


class _Reader:
    """The lookups one document needs: names of branches, staff and vendors, and which
    rows still wait in the outbox."""

    def __init__(self, s: Session) -> None:
        self.s = s
        self.branches: dict[uuid.UUID, str] = {r[0]: r[1] for r in s.execute(_NAMES[0])}
        self.staff: dict[uuid.UUID, str] = {r[0]: r[1] for r in s.execute(_NAMES[1])}
        self.vendors: dict[uuid.UUID, str] = {r[0]: r[1] for r in s.execute(_NAMES[2])}
        pending = select(Outbox.entity, Outbox.entity_id).where(Outbox.state == "pending")
        self.pending: set[tuple[str, str]] = {(r[0], r[1]) for r in s.execute(pending)}

    def synced(self, entity: str, row_id: uuid.UUID) -> bool:
        return (entity, str(row_id)) not in self.pending

    def branch(self, branch_id: uuid.UUID | None) -> str:
        return self.branches.get(branch_id, "") if branch_id else ""


def person_document(s: Session, customer_id: uuid.UUID) -> dict[str, Any]:
    """The rows held on the person ``customer_id`` belongs to (its survivor first)."""
    ids = person(s, customer_id)
    r = _Reader(s)
    return {
        "customer_id": str(ids[0]),
        "records": [_record(r, s.get(Customer, cid), cid == ids[0]) for cid in ids],
        "aliases": _aliases(r, ids),
        "external_ids": _external_ids(r, ids),
        "interactions": _interactions(r, ids),
        "referrals": _referrals(r, ids),
        "holds": _holds(r, ids),
        "unmet_demand": _asks(r, ids),
    }


def _record(r: _Reader, c: Customer | None, primary: bool) -> dict[str, Any]:
    assert c is not None  # person() lists only stored customers
    return {
        "id": str(c.id),
        "primary": primary,
        **{f: _plain(getattr(c, f)) for f in CUSTOMER_FIELDS},
        "created_at": _plain(c.created_at),
        "updated_at": _plain(c.updated_at),
        "erased_at": _plain(c.erased_at),
        "synced": r.synced("customer", c.id),
    }


def _aliases(r: _Reader, ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
    rows = r.s.scalars(
        select(CustomerAlias)
        .where(or_(CustomerAlias.merged_id.in_(ids), CustomerAlias.survivor_id.in_(ids)))
        .order_by(CustomerAlias.merged_at)
    )
    return [
        {
            "merged_id": str(a.merged_id),
            "survivor_id": str(a.survivor_id),
            "merged_at": _plain(a.merged_at),
            "synced": r.synced("customer_alias", a.id),
        }
        for a in rows
    ]


def _external_ids(r: _Reader, ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
    """The ids the person has in the systems their records were imported from (kept
    through an erasure, so a re-import cannot bring them back: they are held, so listed)."""
    rows = r.s.scalars(
        select(CustomerExternalId)
        .where(CustomerExternalId.customer_id.in_(ids))
        .order_by(CustomerExternalId.source, CustomerExternalId.external_id)
    )
    return [
        {
            "source": x.source,
            "external_id": x.external_id,
            "customer_id": str(x.customer_id),
            "created_at": _plain(x.created_at),
            "synced": r.synced("customer_external_id", x.id),
        }
        for x in rows
    ]


def _interactions(r: _Reader, ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
    rows = list(
        r.s.scalars(
            select(Interaction)
            .where(Interaction.customer_id.in_(ids))
            .order_by(Interaction.occurred_at.desc(), Interaction.id)
        )
    )
    keys = [i.id for i in rows]
    lines = _grouped(
        r.s.scalars(
            select(PurchaseLine)
            .where(PurchaseLine.interaction_id.in_(keys))
            .order_by(PurchaseLine.position)
        ),
        lambda line: line.interaction_id,
    )
    voids = _grouped(
        r.s.scalars(
            select(InteractionVoid)
            .where(InteractionVoid.interaction_id.in_(keys))
            .order_by(InteractionVoid.voided_at)
        ),
        lambda v: v.interaction_id,
    )
    return [
        {
            "id": str(i.id),
            "customer_id": _plain(i.customer_id),
            "kind": i.kind,
            "occurred_at": _plain(i.occurred_at),
            "local_day": _plain(i.local_day),
            "branch": r.branch(i.branch_id),
            "staff": r.staff.get(i.staff_id, "") if i.staff_id else "",
            "basket_minor": i.basket_minor,
            "note": i.note,
            "lines": [
                {
                    "sku": line.sku,
                    "description": line.description,
                    "quantity": line.quantity,
                    "unit_minor": line.unit_minor,
                }
                for line in lines.get(i.id, [])
            ],
            "voids": [
                {
                    "reason": v.reason,
                    "voided_at": _plain(v.voided_at),
                    "synced": r.synced("interaction_void", v.id),
                }
                for v in voids.get(i.id, [])
            ],
            "synced": r.synced("interaction", i.id),
        }
        for i in rows
    ]


def _referrals(r: _Reader, ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
    rows = r.s.scalars(
        select(Referral).where(Referral.customer_id.in_(ids)).order_by(Referral.created_at)
    )
    return [
        {
            "id": str(x.id),
            "direction": _DIRECTION.get(x.direction, x.direction),
            "vendor": r.vendors.get(x.vendor_id, "") if x.vendor_id else "",
            "branch": r.branch(x.branch_id),
            "item_asked": x.item_asked,
            "code": x.code,
            "created_at": _plain(x.created_at),
            "synced": r.synced("referral", x.id),
        }
        for x in rows
    ]


def _holds(r: _Reader, ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
    holds = list(
        r.s.scalars(
            select(HoldRequest)
            .where(HoldRequest.customer_id.in_(ids))
            .order_by(HoldRequest.created_at)
        )
    )
    steps = _grouped(
        r.s.scalars(
            select(HoldStep)
            .where(HoldStep.hold_id.in_([h.id for h in holds]))
            .order_by(HoldStep.at, HoldStep.id)
        ),
        lambda st: st.hold_id,
    )
    return [
        {
            "id": str(h.id),
            **{f: _plain(getattr(h, f)) for f in HOLD_FIELDS},
            "requesting_branch": r.branch(h.requesting_branch_id),
            "holding_branch": r.branch(h.holding_branch_id),
            "steps": [
                {
                    "id": str(st.id),
                    **{f: _plain(getattr(st, f)) for f in HOLD_STEP_FIELDS},
                    "branch": r.branch(st.branch_id),
                    "outcome": st.outcome,
                    "reason": st.reason,
                    "synced": r.synced(STEP_ENTITY, st.id),
                }
                for st in steps.get(h.id, [])
            ],
            "synced": r.synced(HOLD_ENTITY, h.id),
        }
        for h in holds
    ]


def _asks(r: _Reader, ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
    rows = r.s.scalars(
        select(UnmetDemand).where(UnmetDemand.customer_id.in_(ids)).order_by(UnmetDemand.created_at)
    )
    return [
        {
            "id": str(u.id),
            "item_asked": u.item_asked,
            "branch": r.branch(u.branch_id),
            "created_at": _plain(u.created_at),
            "synced": r.synced("unmet_demand", u.id),
        }
        for u in rows
    ]


def _grouped(rows: Iterable[T], key: Callable[[T], uuid.UUID]) -> dict[uuid.UUID, list[T]]:
    out: dict[uuid.UUID, list[T]] = {}
    for row in rows:
        out.setdefault(key(row), []).append(row)
    return out

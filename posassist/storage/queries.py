"""Query helpers. Each takes the caller's Session: the service owns the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session, selectinload

from posassist.storage.orm import Branch, Customer, Interaction, Staff

_LIVE = Customer.erased_at.is_(None)


def customers_by_phone(s: Session, e164: str, limit: int) -> Sequence[Customer]:
    return s.scalars(select(Customer).where(Customer.phone_e164 == e164, _LIVE).limit(limit)).all()


def customers_by_last4(s: Session, last4: str, limit: int) -> Sequence[Customer]:
    return s.scalars(
        select(Customer).where(Customer.phone_last4 == last4, _LIVE).limit(limit)
    ).all()


def customer_by_card(s: Session, card: str) -> Customer | None:
    return s.scalar(select(Customer).where(Customer.card_code == card, _LIVE))


def customers_by_email(s: Session, email: str, limit: int) -> Sequence[Customer]:
    return s.scalars(select(Customer).where(Customer.email == email, _LIVE).limit(limit)).all()


def customers_by_ids(s: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Customer]:
    if not ids:
        return {}
    rows = s.scalars(select(Customer).where(Customer.id.in_(ids), _LIVE)).all()
    return {c.id: c for c in rows}


def last_visit_days(s: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, date]:
    if not ids:
        return {}
    rows = s.execute(
        select(Interaction.customer_id, func.max(Interaction.local_day))
        .where(Interaction.customer_id.in_(ids))
        .group_by(Interaction.customer_id)
    ).all()
    return {cid: day for cid, day in rows if cid is not None}


def visit_days(s: Session, customer_id: uuid.UUID) -> list[date]:
    return list(
        s.scalars(
            select(Interaction.local_day)
            .where(Interaction.customer_id == customer_id)
            .distinct()
            .order_by(Interaction.local_day)
        ).all()
    )


def timeline(
    s: Session, customer_id: uuid.UUID
) -> Sequence[Row[tuple[Interaction, str | None, str | None]]]:
    """Every interaction of a customer, newest first, with branch and staff names."""
    return s.execute(
        select(Interaction, Branch.name, Staff.name)
        .outerjoin(Branch, Branch.id == Interaction.branch_id)
        .outerjoin(Staff, Staff.id == Interaction.staff_id)
        .where(Interaction.customer_id == customer_id)
        .options(selectinload(Interaction.lines))
        .order_by(Interaction.occurred_at.desc())
    ).all()


def all_name_keys(s: Session) -> list[tuple[uuid.UUID, str]]:
    return [
        (cid, key) for cid, key in s.execute(select(Customer.id, Customer.name_key).where(_LIVE))
    ]


def card_in_use(s: Session, card: str) -> Customer | None:
    return s.scalar(select(Customer).where(Customer.card_code == card))

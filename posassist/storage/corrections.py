"""Reading the corrections: which interactions are voided, who a merged customer now is.

Corrections are facts (``interaction_void``, ``customer_alias``); nothing they correct
is rewritten. So every reader that counts visits or shows a customer asks here: a
voided interaction does not count, and a merged customer's id resolves to the survivor.

One id may carry several aliases if registers merged it offline; the latest
``merged_at`` (then the larger alias id, so every register agrees) is the one that
holds. A merge re-points the aliases that named the merged customer (see
``services/corrections.py``), so chains stay one step long; :func:`survivor_of` still
follows a few steps in case two registers built a chain offline.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from posassist.storage.orm import CustomerAlias, Interaction, InteractionVoid

# The same rule in raw SQL, for the queries written as text: the alias row of each merged
# id that no later alias of the same id supersedes. Table alias ``a``.
CURRENT_ALIAS_SQL = (
    "SELECT a.merged_id, a.survivor_id FROM customer_alias a WHERE NOT EXISTS ("
    "SELECT 1 FROM customer_alias b WHERE b.merged_id = a.merged_id AND "
    "(b.merged_at > a.merged_at OR (b.merged_at = a.merged_at AND b.id > a.id)))"
)
# An interaction ``i`` that counts: nobody voided it.
NOT_VOIDED_SQL = "NOT EXISTS (SELECT 1 FROM interaction_void v WHERE v.interaction_id = i.id)"
MAX_HOPS = 8

_later = aliased(CustomerAlias)


def _current() -> ColumnElement[bool]:
    """The WHERE clause keeping only the alias rows that hold (ORM form of the rule)."""
    return ~exists().where(
        _later.merged_id == CustomerAlias.merged_id,
        or_(
            _later.merged_at > CustomerAlias.merged_at,
            and_(_later.merged_at == CustomerAlias.merged_at, _later.id > CustomerAlias.id),
        ),
    )


def counted() -> ColumnElement[bool]:
    """The WHERE clause keeping interactions that were not voided."""
    return ~exists().where(InteractionVoid.interaction_id == Interaction.id)


def survivor_of(s: Session, customer_id: uuid.UUID) -> uuid.UUID:
    """Who ``customer_id`` is now: itself, or the customer it was merged into."""
    seen = {customer_id}
    current = customer_id
    for _ in range(MAX_HOPS):
        nxt = s.scalar(
            select(CustomerAlias.survivor_id).where(CustomerAlias.merged_id == current, _current())
        )
        if nxt is None or nxt in seen:
            return current
        seen.add(nxt)
        current = nxt
    return current


def merged_into(s: Session, survivor_id: uuid.UUID) -> list[uuid.UUID]:
    """The customers that now resolve to ``survivor_id`` (not itself), chains followed."""
    found: list[uuid.UUID] = []
    todo = [survivor_id]
    while todo and len(found) < 10_000:
        rows = s.scalars(
            select(CustomerAlias.merged_id).where(CustomerAlias.survivor_id.in_(todo), _current())
        )
        todo = [m for m in rows if m != survivor_id and m not in found]
        found.extend(todo)
    return found


def latest_alias_at(s: Session, merged_id: uuid.UUID) -> datetime | None:
    """When the alias that holds for ``merged_id`` was made (None: not merged)."""
    return s.scalar(
        select(CustomerAlias.merged_at).where(CustomerAlias.merged_id == merged_id, _current())
    )


def person(s: Session, customer_id: uuid.UUID) -> list[uuid.UUID]:
    """Every id of the person ``customer_id`` is now: the survivor first, then the merged."""
    survivor = survivor_of(s, customer_id)
    return [survivor, *merged_into(s, survivor)]


def is_merged(s: Session, customer_id: uuid.UUID) -> bool:
    return survivor_of(s, customer_id) != customer_id


def survivors(s: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    """Each of ``ids`` that was merged, mapped to its survivor (the others left out)."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    found: dict[uuid.UUID, uuid.UUID] = {}
    for start in range(0, len(wanted), 500):
        part = wanted[start : start + 500]
        rows = s.execute(
            select(CustomerAlias.merged_id).where(CustomerAlias.merged_id.in_(part)).distinct()
        )
        for (merged,) in rows:
            found[merged] = survivor_of(s, merged)
    return {k: v for k, v in found.items() if k != v}


def void_reasons(s: Session, interaction_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The reason each voided interaction among ``interaction_ids`` was voided (earliest)."""
    wanted = list(interaction_ids)
    out: dict[uuid.UUID, str] = {}
    for start in range(0, len(wanted), 500):
        part = wanted[start : start + 500]
        rows = s.execute(
            select(InteractionVoid.interaction_id, InteractionVoid.reason)
            .where(InteractionVoid.interaction_id.in_(part))
            .order_by(InteractionVoid.voided_at.desc())
        )
        for iid, reason in rows:
            out[iid] = reason
    return out

"""Query helpers. Each takes the caller's Session: the service owns the transaction.

Lookups a cashier waits for select plain columns (no ORM objects to build), which is
what keeps them at a millisecond on a 100,000-customer store.
"""

from __future__ import annotations

import uuid
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import bindparam, case, func, select, text
from sqlalchemy.orm import Session

from posassist.domain.match_keys import MATCH_SOURCES, ContactKind, match_key
from posassist.storage.corrections import CURRENT_ALIAS_SQL, NOT_VOIDED_SQL, counted
from posassist.storage.orm import (
    Branch,
    Customer,
    Interaction,
    InteractionVoid,
    ModelFit,
    PurchaseLine,
    Referral,
    Staff,
    UnmetDemand,
)

if TYPE_CHECKING:  # numpy is imported where the refit reads, not at start-up
    import numpy as np
    import numpy.typing as npt

_LIVE = Customer.erased_at.is_(None)


class HitRow(NamedTuple):
    id: uuid.UUID
    display_name: str
    phone_e164: str | None
    card_code: str | None
    last_visit: date | None


class TimelineRow(NamedTuple):
    id: uuid.UUID
    kind: str
    occurred_at: datetime
    local_day: date
    basket_minor: int | None
    note: str
    branch_name: str | None
    staff_name: str | None
    void_reason: str | None = None  # set when the entry was voided (it no longer counts)


class LineRow(NamedTuple):
    interaction_id: uuid.UUID
    description: str
    quantity: int
    sku: str | None = None


class AskRow(NamedTuple):
    """Something a customer asked for that we did not have (an unmet ask or a referral)."""

    item: str
    item_key: str
    asked_at: datetime


# Lookups are the hottest path of the app (every customer at the till): plain SQL,
# written once, skips building and cache-keying a statement per keystroke, which was
# most of the time of an exact lookup. Column order matches HitRow.
_HIT_SQL = (
    "SELECT c.id, c.display_name, c.phone_e164, c.card_code, "
    "(SELECT max(i.local_day) FROM interaction i WHERE i.customer_id = c.id AND "
    + NOT_VOIDED_SQL
    + ") "
    "FROM customer c WHERE c.erased_at IS NULL AND {where} LIMIT :limit"
)
_HIT_BY = {
    column: text(_HIT_SQL.format(where=f"c.{column} = :value"))
    for column in ("phone_e164", "phone_last4", "card_code", "email")
}
# A customer known by a contact the store does not keep in clear (an import without
# consent, ``domain/match_keys.py``): found by its match-only key, the number never shown.
_HIT_BY_MATCH_KEY = text(
    _HIT_SQL.format(
        where="c.id IN (SELECT x.customer_id FROM customer_external_id x "
        "WHERE x.source = :source AND x.external_id = :value)"
    )
)
_HIT_BY_IDS = text(_HIT_SQL.format(where="c.id IN :ids")).bindparams(
    bindparam("ids", expanding=True)
)


def _hit_row(row: Any) -> HitRow:
    cid, name, phone, card, last = row
    return HitRow(
        uuid.UUID(hex=str(cid)),
        str(name),
        phone,
        card,
        date.fromisoformat(last) if last else None,
    )


def _hits_where(s: Session, column: str, value: str, limit: int) -> list[HitRow]:
    rows = s.execute(_HIT_BY[column], {"value": value, "limit": limit})
    return [_hit_row(row) for row in rows]


def _hits_by_match_key(s: Session, kind: ContactKind, value: str, limit: int) -> list[HitRow]:
    params = {"source": MATCH_SOURCES[kind], "value": match_key(kind, value), "limit": limit}
    return [_hit_row(row) for row in s.execute(_HIT_BY_MATCH_KEY, params)]


def hits_by_phone(s: Session, e164: str, limit: int) -> list[HitRow]:
    """The customers holding this number, else the one the store knows by it without
    keeping it (its match-only key): the cashier finds them, the number stays unshown."""
    return _hits_where(s, "phone_e164", e164, limit) or _hits_by_match_key(s, "phone", e164, limit)


def hits_by_last4(s: Session, last4: str, limit: int) -> list[HitRow]:
    return _hits_where(s, "phone_last4", last4, limit)


def hits_by_card(s: Session, card: str) -> list[HitRow]:
    return _hits_where(s, "card_code", card, 1)


def hits_by_email(s: Session, email: str, limit: int) -> list[HitRow]:
    """As :func:`hits_by_phone`, for an e-mail."""
    return _hits_where(s, "email", email, limit) or _hits_by_match_key(s, "email", email, limit)


def hits_by_ids(s: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, HitRow]:
    if not ids:
        return {}
    rows = s.execute(_HIT_BY_IDS, {"ids": [cid.hex for cid in ids], "limit": len(ids)})
    return {hit.id: hit for hit in map(_hit_row, rows)}


def timeline(s: Session, customer_ids: Sequence[uuid.UUID]) -> list[TimelineRow]:
    """Every interaction of a person (all ids a merge made one), newest first, with
    branch and staff names and, for a voided one, why it was voided."""
    voids = (
        select(InteractionVoid.interaction_id, func.min(InteractionVoid.reason).label("reason"))
        .group_by(InteractionVoid.interaction_id)
        .subquery()
    )
    rows = s.execute(
        select(
            Interaction.id,
            Interaction.kind,
            Interaction.occurred_at,
            Interaction.local_day,
            Interaction.basket_minor,
            Interaction.note,
            Branch.name,
            Staff.name,
            voids.c.reason,
        )
        .outerjoin(Branch, Branch.id == Interaction.branch_id)
        .outerjoin(Staff, Staff.id == Interaction.staff_id)
        .outerjoin(voids, voids.c.interaction_id == Interaction.id)
        .where(Interaction.customer_id.in_(customer_ids))
        .order_by(Interaction.occurred_at.desc())
    )
    return [TimelineRow(*row) for row in rows]


def lines_of_customer(
    s: Session, customer_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[LineRow]]:
    rows = s.execute(
        select(
            PurchaseLine.interaction_id,
            PurchaseLine.description,
            PurchaseLine.quantity,
            PurchaseLine.sku,
        )
        .join(Interaction, Interaction.id == PurchaseLine.interaction_id)
        .where(Interaction.customer_id.in_(customer_ids))
        .order_by(PurchaseLine.interaction_id, PurchaseLine.position)
    )
    out: dict[uuid.UUID, list[LineRow]] = defaultdict(list)
    for row in rows:
        out[row[0]].append(LineRow(*row))
    return out


def asks_of_customer(s: Session, customer_ids: Sequence[uuid.UUID], limit: int) -> list[AskRow]:
    """A person's unmet asks and the items of the referrals they were given, newest first
    (both indexed by customer). A slip records both for one ask; the caller folds them
    by ``item_key``."""
    asks = s.execute(
        select(UnmetDemand.item_asked, UnmetDemand.item_key, UnmetDemand.created_at)
        .where(UnmetDemand.customer_id.in_(customer_ids))
        .order_by(UnmetDemand.created_at.desc())
        .limit(limit)
    )
    sent = s.execute(
        select(Referral.item_asked, Referral.created_at)
        .where(
            Referral.customer_id.in_(customer_ids),
            Referral.direction == "out",
            Referral.item_asked != "",
        )
        .order_by(Referral.created_at.desc())
        .limit(limit)
    )
    rows = [AskRow(item, key, at) for item, key, at in asks]
    rows += [AskRow(item, "", at) for item, at in sent]  # the service folds by name
    return sorted(rows, key=lambda r: r.asked_at, reverse=True)


def all_name_keys(s: Session) -> list[tuple[str, str]]:
    """(id hex, name key) of every live customer; raw SQL because it reads 100k rows."""
    rows = s.execute(text("SELECT id, name_key FROM customer WHERE erased_at IS NULL"))
    return [(str(cid).replace("-", ""), str(key)) for cid, key in rows]


def card_in_use(s: Session, card: str) -> Customer | None:
    return s.scalar(select(Customer).where(Customer.card_code == card))


# The visits of customers that count for the value model and the score: not voided, a
# merged customer's under the survivor's id. Filled with fixed fragments only.
_COUNTED_VISITS = (
    "SELECT DISTINCT {columns} FROM interaction i LEFT JOIN ("
    + CURRENT_ALIAS_SQL
    + ") a ON a.merged_id = i.customer_id WHERE i.customer_id IS NOT NULL AND "
    + NOT_VOIDED_SQL
    + " AND {where}"
)

# Every counted-or-not visit as two columns glued into two bytes values, row k's customer
# id at bytes 32k..32k+32 and its day at 10k..10k+10 (both aggregates step through the
# same rows in the same order), plus the row count to check those widths by. One pass over
# the (customer_id, local_day) index, never the table, and no GROUP BY, which cost more
# than the scan: the customer runs are found on numpy arrays instead, as are the few
# voided interactions and the ``as_of`` cut.
_VISIT_COLUMNS = (
    "SELECT CAST(group_concat(i.customer_id, '') AS BLOB), "
    "CAST(group_concat(i.local_day, '') AS BLOB), count(*) "
    "FROM interaction i WHERE i.customer_id IS NOT NULL"
)
# Each voided interaction once, however many registers voided it.
_VOIDED_VISITS = (
    "SELECT i.customer_id, i.local_day FROM interaction i WHERE i.customer_id IS NOT NULL "
    "AND i.id IN (SELECT v.interaction_id FROM interaction_void v)"
)
_ISO_DAY_LEN = len("2024-01-31")  # how the Date column stores a day in SQLite
_HEX_ID_LEN = 32  # how the Uuid column stores an id in SQLite
# date.toordinal() of 1970-01-01, where numpy's datetime64[D] counts from
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_DAY_BITS = 32  # a visit's key is group << 32 | day ordinal (ordinals stay below 2**22)


class VisitDays(NamedTuple):
    """Distinct visit days of the whole population, in the form the model reads.

    ``ids`` are the survivors' hex ids, sorted; row k of ``group``/``day`` is a visit
    day (a ``date.toordinal()``) of ``ids[group[k]]``; rows sorted by group then day.
    """

    ids: list[str]
    group: npt.NDArray[np.int64]
    day: npt.NDArray[np.int64]


def customer_runs(glued_ids: bytes) -> tuple[npt.NDArray[np.bytes_], npt.NDArray[np.intp]]:
    """The distinct ids in ``glued_ids`` (32-byte hex ids end to end), sorted, and each
    row's index into them. Rows in id order, as the index scan gives them, take one pass
    comparing neighbours as 64-bit words; any other order is sorted (slower, same answer).
    """
    import numpy as np

    id_of_row = np.frombuffer(glued_ids, dtype=f"S{_HEX_ID_LEN}")
    words = np.frombuffer(glued_ids, dtype=np.uint64).reshape(id_of_row.size, -1)
    run_starts = np.r_[True, np.any(words[1:] != words[:-1], axis=1)]
    run_ids = id_of_row[run_starts]
    if bool(np.all(run_ids[1:] > run_ids[:-1])):
        return run_ids, np.cumsum(run_starts) - 1
    logged, row_index = np.unique(id_of_row, return_inverse=True)
    return logged, row_index


def population_visit_days(s: Session, as_of: date) -> VisitDays:
    """Every customer's distinct visit days up to ``as_of`` (local days, as logged).

    A merged customer's days are the survivor's; a voided interaction is no visit, but a
    day with another, unvoided interaction still is. This is the refit's read of a
    million rows, so it makes no Python object per row: SQL glues the ids and the days of
    the whole index into two bytes values, numpy finds each customer's run of rows and
    parses all the days in one call, and the merge, the voids, the ``as_of`` cut and the
    de-duplication are done on integer keys. Reading a row per interaction, even through
    the bare DB-API cursor, took seconds (README "Performance").
    """
    import numpy as np

    raw = s.connection().connection.driver_connection
    assert raw is not None
    glued_ids, glued_days, n_rows = raw.execute(_VISIT_COLUMNS).fetchone()
    voided = raw.execute(_VOIDED_VISITS).fetchall()
    alias = {str(m): str(sv) for m, sv in s.execute(text(CURRENT_ALIAS_SQL))}
    empty = VisitDays([], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    if not n_rows:
        return empty
    if len(glued_ids) != _HEX_ID_LEN * n_rows or len(glued_days) != _ISO_DAY_LEN * n_rows:
        raise ValueError("interaction holds a customer id or a day not in the stored form")
    logged, customer_of_row = customer_runs(glued_ids)
    logged_ids = [c.decode("ascii") for c in logged.tolist()]
    owners: list[str] = [alias.get(c, c) for c in logged_ids] if alias else logged_ids
    survivors = sorted(owners)  # as ORDER BY sorts hex ids; the index order already has
    if alias:
        survivors = list(dict.fromkeys(survivors))  # a survivor and its merged ids: one
    if survivors == owners:  # no merge moved anyone: customer k is group k
        group_of_customer = np.arange(len(owners), dtype=np.int64)
    else:
        number = {c: k for k, c in enumerate(survivors)}
        group_of_customer = np.fromiter(
            map(number.__getitem__, owners), dtype=np.int64, count=len(owners)
        )
    # datetime64 parsing raises on a malformed day rather than guessing at it
    day = np.frombuffer(glued_days, dtype=f"S{_ISO_DAY_LEN}").astype("datetime64[D]")
    day = day.view(np.int64) + _EPOCH_ORDINAL
    key = (group_of_customer[customer_of_row].astype(np.int64) << _DAY_BITS) | day
    key = key[day <= as_of.toordinal()]
    if key.size == 0:
        return empty
    if not bool(np.all(key[1:] >= key[:-1])):  # a merge moved days; SQL gave no order
        key = np.sort(key)
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    distinct = key[starts]  # several visits on one day are one visit day
    cut = as_of.isoformat()
    void_keys = [
        (bisect_left(survivors, alias.get(c, c)) << _DAY_BITS) | date.fromisoformat(d).toordinal()
        for c, d in voided
        if d <= cut
    ]
    if void_keys:  # a day stays a visit day while one unvoided interaction is on it
        left = np.diff(np.r_[starts, key.size])
        gone, times = np.unique(np.asarray(void_keys, dtype=np.int64), return_counts=True)
        np.subtract.at(left, np.searchsorted(distinct, gone), times)
        distinct = distinct[left > 0]
    group = distinct >> _DAY_BITS
    first = np.r_[True, group[1:] != group[:-1]]  # customers with no day left drop out
    ids = [survivors[g] for g in group[first].tolist()]
    return VisitDays(ids, np.cumsum(first) - 1, distinct & ((1 << _DAY_BITS) - 1))


def referral_counts(s: Session) -> dict[uuid.UUID, int]:
    """How many customers each customer brought (the Ambassador signal), a merged
    customer's referrals counted for the survivor."""
    rows = s.execute(
        select(Customer.referred_by_id, func.count())
        .where(Customer.referred_by_id.is_not(None), _LIVE)
        .group_by(Customer.referred_by_id)
    )
    counts = {cid: int(n) for cid, n in rows if cid is not None}
    alias = {
        uuid.UUID(hex=str(m)): uuid.UUID(hex=str(sv))
        for m, sv in s.execute(text(CURRENT_ALIAS_SQL))
    }
    out: dict[uuid.UUID, int] = {}
    for cid, n in counts.items():
        owner = alias.get(cid, cid)
        out[owner] = out.get(owner, 0) + n
    return out


def referrals_brought(s: Session, customer_ids: Sequence[uuid.UUID]) -> int:
    """How many customers this person (all the ids a merge made one) brought."""
    return int(
        s.scalar(select(func.count()).where(Customer.referred_by_id.in_(customer_ids), _LIVE)) or 0
    )


def names_of(s: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    out: dict[uuid.UUID, str] = {}
    for chunk in range(0, len(ids), 900):
        part = ids[chunk : chunk + 900]
        for cid, name in s.execute(
            select(Customer.id, Customer.display_name).where(Customer.id.in_(part), _LIVE)
        ):
            out[cid] = name
    return out


def spend_by_customer(s: Session, as_of: date) -> dict[str, int]:
    """Total basket per customer up to ``as_of`` — only for the spend *baseline* of
    ``posassist score``; the flags never read money."""
    rows = s.execute(
        text(
            _COUNTED_VISITS.format(
                columns="COALESCE(a.survivor_id, i.customer_id), COALESCE(SUM(i.basket_minor), 0)",
                where="i.local_day <= :as_of",
            )
            + " GROUP BY 1"
        ),
        {"as_of": as_of.isoformat()},
    )
    return {str(r[0]): int(r[1]) for r in rows}


def customers_returning(s: Session, after: date, until: date) -> set[str]:
    rows = s.execute(
        text(
            _COUNTED_VISITS.format(
                columns="COALESCE(a.survivor_id, i.customer_id)",
                where="i.local_day > :after AND i.local_day <= :until",
            )
        ),
        {"after": after.isoformat(), "until": until.isoformat()},
    )
    return {str(r[0]) for r in rows}


class WalkInRow(NamedTuple):
    day: date
    branch_code: str
    branch_name: str
    helped: int  # "service": help given with no sale
    questions: int


WALK_IN_KINDS = ("service", "question")


def walk_ins(s: Session, since: date, until: date) -> list[WalkInRow]:
    """Help given to people who are not customers, per day and branch, newest day first.

    A walk-in is an interaction with no customer; voided ones do not count.
    """
    helped = func.sum(case((Interaction.kind == "service", 1), else_=0))
    rows = s.execute(
        select(Interaction.local_day, Branch.code, Branch.name, helped, func.count() - helped)
        .join(Branch, Branch.id == Interaction.branch_id)
        .where(
            Interaction.customer_id.is_(None),
            Interaction.kind.in_(WALK_IN_KINDS),
            Interaction.local_day >= since,
            Interaction.local_day <= until,
            counted(),
        )
        .group_by(Interaction.local_day, Branch.id, Branch.code, Branch.name)
        .order_by(Interaction.local_day.desc(), Branch.code)
    )
    return [WalkInRow(day, code, name, int(h or 0), int(n or 0)) for day, code, name, h, n in rows]


def latest_model_fit(s: Session) -> ModelFit | None:
    return s.scalar(select(ModelFit).order_by(ModelFit.id.desc()).limit(1))

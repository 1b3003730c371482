"""External ids of imported customers, decided centrally: the first in server order wins.

Two registers may import the same Square (or Shopify) export while offline. The loader
derives a row's id from ``(source, external_id)``, so both send the same row; it is kept
once. They may still disagree on the customer: one register matched the Square id to a
customer it already had (by phone), the other made a new customer for it. Central holds
one row per ``(source, external_id)`` (a unique pair), and pushes about one pair take
turns (its advisory key, ``central/push.py``), so the rule is:

- no row for the pair yet: the row is inserted and logged for every register;
- the same row (same id, same customer) already here: answered ``duplicate`` (acked,
  nothing written, nothing logged again);
- a row for the pair naming another customer (or under another id): answered
  ``ignored`` with the reason; the register that lost takes central's row when it pulls
  it (``sync/external_ids.py PULL_UPSERT``), so every register's next import of that
  source matches the same customer. Its own second customer stays, with what it
  imported; a manager merges the two (Corrections → merge) if they are one person;
- an id already used by another pair: refused (no loader makes that; a dead letter).

None of it is a dead letter that holds back the queue: the rows behind it keep flowing.
A row naming a customer central lacks is refused by the foreign key, as for every fact
("it lacks a row this change refers to"), and is retried after a pull brings new rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import psycopg
from sqlalchemy import Text, any_, bindparam, cast, or_, select
from sqlalchemy.dialects.postgresql import ARRAY

from posassist.sync import schema
from posassist.sync.central.reads import among
from posassist.sync.central.sql import Query, insert_ignore, run
from posassist.sync.central.writes import Write
from posassist.sync.external_ids import ENTITY
from posassist.sync.protocol import Op, OpResult, RejectedError, as_uuid
from posassist.sync.rows import payload_row

_table = schema.customer_external_id
# The rows a batch could clash with: the same id, or the same external id (the pair is
# then compared here; a pair cannot be one array without a composite type).
_HELD = Query(
    select(_table.c.id, _table.c.source, _table.c.external_id, _table.c.customer_id).where(
        or_(
            among(_table.c.id),
            _table.c.external_id == any_(cast(bindparam("externals"), ARRAY(Text))),
        )
    )
)
LOST = (
    "another register linked this {source} id to a different customer first (the first "
    "import synced wins); this register takes that link when it pulls"
)
ELSEWHERE = "the id of this external id is already another external id's"

Pair = tuple[str, str]


class ExternalIdKeeper:
    """The external ids one batch brings, decided against those central holds.

    ``by_pair`` and ``by_id`` grow as the batch's ops are accepted, so a second row for
    one pair in the same batch is judged against the first.
    """

    def __init__(self, conn: psycopg.Connection[Any], ops: Sequence[Op]) -> None:
        self.by_pair: dict[Pair, tuple[uuid.UUID, uuid.UUID]] = {}
        self.by_id: dict[uuid.UUID, Pair] = {}
        mine = [o for o in ops if o.entity == ENTITY]
        if not mine:
            return
        ids = sorted({str(as_uuid(o.entity_id, "id")) for o in mine})
        externals = sorted({str(o.payload.get("external_id")) for o in mine})
        for rid, source, external, customer in run(conn, _HELD, ids=ids, externals=externals):
            self._hold(rid, (source, external), customer)

    def _hold(self, rid: uuid.UUID, pair: Pair, customer: uuid.UUID) -> None:
        self.by_pair[pair] = (rid, customer)
        self.by_id[rid] = pair

    def decide(self, op: Op) -> tuple[OpResult, Write | None]:
        """What becomes of one external id (the op was checked: ``check_external_id``)."""
        row = payload_row(_table, op.payload)
        rid = as_uuid(op.entity_id, "external id")
        row["id"] = rid
        pair = (row["source"], row["external_id"])
        if self.by_id.get(rid, pair) != pair:
            raise RejectedError(ELSEWHERE)
        held = self.by_pair.get(pair)
        if held == (rid, row["customer_id"]):
            return OpResult("duplicate", "the same link is already here"), None
        if held is not None:
            return OpResult("ignored", LOST.format(source=row["source"])), None
        self._hold(rid, pair, row["customer_id"])
        return OpResult("applied"), Write(_table, insert_ignore(_table.name, tuple(row)), row)

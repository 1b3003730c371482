"""A hold's step, decided centrally: the first step in server order wins.

Pushes about one hold take turns (its advisory key, ``central/push.py``) and the hold's
row is locked (``FOR UPDATE``) before its steps are decided, so every step is judged against the
state the central database holds at that moment: a step that starts from that state is
applied (the step row inserted, the hold's state moved, the step logged for every
register); one that starts elsewhere lost to a step applied before it and is answered
"ignored" with plain words naming who was first ("Till 2 at Northside accepted this
hold first (14:03)"). The loser's register records them on its step; nothing of it is
a dead letter. The rules themselves are the domain's (``domain/holds.py``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import psycopg
from sqlalchemy import bindparam, select

from posassist.domain.holds import HoldFacts, decide
from posassist.sync import schema
from posassist.sync.central.reads import among
from posassist.sync.central.sql import ROW_ID, Query, insert_ignore, run, update_by_id
from posassist.sync.central.writes import Write
from posassist.sync.protocol import DECIDED_ENTITIES, Op, OpResult, RejectedError, as_uuid
from posassist.sync.rows import payload_row

_hold = schema.hold_request
_step = schema.hold_step
_HOLDS_LOCKED = Query(
    select(_hold.c.id, _hold.c.state).where(among(_hold.c.id)).with_for_update(of=_hold)
)
# The steps of those holds with who took them: the one that reached the current state
# is the one a losing register is told about.
_STEPS = Query(
    select(
        _step.c.hold_id,
        _step.c.to_state,
        _step.c.at,
        schema.register.c.name,
        schema.branch.c.name,
        schema.branch.c.timezone,
    )
    .select_from(
        _step.outerjoin(schema.register, schema.register.c.id == _step.c.register_id).outerjoin(
            schema.branch, schema.branch.c.id == _step.c.branch_id
        )
    )
    .where(among(_step.c.hold_id))
)
_STATE_UPDATE = update_by_id("hold_request", ("state",))
# The refusal of a step whose hold is not here (yet): after a restore from an older
# dump, the holding branch may resend its accept before the requesting register resends
# the hold. The register keeps such a step waiting and queues it again once the hold
# has reached the central database (``sync/holds.py requeue_waiting``).
UNKNOWN_HOLD = "a step of a hold the central database does not have"


def _local(at: datetime, tz: str | None) -> datetime:
    try:
        return at.astimezone(ZoneInfo(tz or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return at


_NAMES = Query(
    select(schema.register.c.name, schema.branch.c.name, schema.branch.c.timezone)
    .select_from(
        schema.register.join(schema.branch, schema.branch.c.id == schema.register.c.branch_id)
    )
    .where(schema.register.c.id == bindparam("register_id"))
)


class HoldDecider:
    """The holds one batch's steps move, locked, and the steps decided so far."""

    def __init__(self, conn: psycopg.Connection[Any], ops: Sequence[Op]) -> None:
        self.conn = conn
        steps = [o for o in ops if o.entity in DECIDED_ENTITIES]
        ids = sorted({str(as_uuid(o.payload.get("hold_id"), "hold id")) for o in steps})
        self.facts: dict[uuid.UUID, HoldFacts] = {}
        # Steps applied earlier in this batch: who took them is looked up only if a
        # later step of the batch loses to one (the register may announce itself now).
        self.in_batch: dict[uuid.UUID, tuple[uuid.UUID | None, datetime | None]] = {}
        self.refs = {
            as_uuid(o.entity_id, "id"): o.payload for o in ops if o.entity in ("register", "branch")
        }
        if not ids:
            return
        states = dict(run(conn, _HOLDS_LOCKED, ids=ids).fetchall())
        for hid, state in states.items():
            self.facts[hid] = HoldFacts(state)
        for hid, to_state, at, register, branch, tz in run(conn, _STEPS, ids=ids).fetchall():
            if hid in states and to_state == states[hid]:
                self.facts[hid] = HoldFacts(to_state, register or "", branch or "", _local(at, tz))

    def inserted(self, op: Op) -> None:
        """A hold asked for in this same batch: its steps may follow in the batch."""
        self.facts.setdefault(as_uuid(op.entity_id, "hold id"), HoldFacts("requested"))

    def _facts(self, hid: uuid.UUID) -> HoldFacts | None:
        facts = self.facts.get(hid)
        if facts is None or hid not in self.in_batch:
            return facts
        register_id, at = self.in_batch.pop(hid)
        names = self._names(register_id)
        local = _local(at, names[2]) if at is not None else None
        self.facts[hid] = HoldFacts(facts.state, names[0], names[1], local)
        return self.facts[hid]

    def _names(self, register_id: uuid.UUID | None) -> tuple[str, str, str | None]:
        """(register, branch, time zone) of a register, from this batch or the database."""
        if register_id is None:
            return "", "", None
        register = self.refs.get(register_id)
        if register is not None:
            branch = self.refs.get(as_uuid(register.get("branch_id"), "branch id"), {})
            if branch:
                return (
                    str(register.get("name", "")),
                    str(branch.get("name", "")),
                    branch.get("timezone"),
                )
        row = run(self.conn, _NAMES, register_id=register_id).fetchone()
        return (str(row[0]), str(row[1]), row[2]) if row else ("", "", None)

    def step(self, op: Op) -> tuple[OpResult, list[Write]]:
        """Decide one step; the writes to make when it is applied."""
        hid = as_uuid(op.payload.get("hold_id"), "hold id")
        facts = self._facts(hid)
        if facts is None:
            raise RejectedError(UNKNOWN_HOLD)
        from_state, to_state = str(op.payload["from_state"]), str(op.payload["to_state"])
        verdict = decide(facts, from_state, to_state)
        if verdict.outcome == "illegal":
            raise RejectedError(verdict.reason)
        if verdict.outcome == "ignored":
            return OpResult("ignored", verdict.reason), []
        row = payload_row(_step, op.payload)
        row["id"] = as_uuid(op.entity_id, "hold step id")
        self.facts[hid] = HoldFacts(to_state)
        at = row.get("at")
        self.in_batch[hid] = (row.get("register_id"), at if isinstance(at, datetime) else None)
        writes = [
            Write(_hold, _STATE_UPDATE, {"state": to_state, ROW_ID: hid}),
            Write(_step, insert_ignore("hold_step", tuple(row)), row),
        ]
        return OpResult("applied"), writes

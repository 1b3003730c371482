"""The register's side of the outbox: what to send next, and recording what happened.

Rows are appended by the services (``storage/outbox.py``) in the same transaction as
the change. Here they are read in ``seq`` order, marked ``acked`` only once the
server answered, marked ``dead`` with the server's reason when it refused them, and
otherwise left ``pending`` (with the attempt counted) to be resent as they are.

A row that cannot even be sent (not JSON, no object, an id or clock stamp that is
none, a control character, too large: :func:`~posassist.sync.protocol.parse_op`) is
read as raw text, never decoded blindly, and becomes a dead letter right here with
its reason ("not sent: ..."), so it can never stop the rows behind it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, Text, func, select, type_coerce, update
from sqlalchemy.orm import Session

from posassist.domain.hlc import Timestamp
from posassist.storage.database import Database
from posassist.storage.orm import Outbox, SyncProblem, SyncState
from posassist.sync.protocol import (
    MISSING_REFERENCE,
    MISSING_REFERENCE_RETRIES,
    Op,
    RejectedError,
    parse_op,
    parse_stamp,
)

# SQLite has a limit on bound parameters; stay well under it.
_CHUNK = 500
# The columns that say which op a row is, first in both Op and DeadLetter.
_OP_KEY = (Outbox.seq, Outbox.op_id, Outbox.entity, Outbox.entity_id, Outbox.op)
# The same read as stored text: a damaged row must not fail the whole read.
_RAW_OP = (
    Outbox.seq,
    type_coerce(Outbox.op_id, String),
    Outbox.entity,
    Outbox.entity_id,
    Outbox.op,
    type_coerce(Outbox.payload, Text),
    Outbox.hlc,
)
NOT_SENT = "not sent: "


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An op the central database refused, for a manager to look at."""

    seq: int
    op_id: uuid.UUID
    entity: str
    entity_id: str
    op: str
    created_at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class QueueCounts:
    pending: int
    dead: int
    problems: int


def chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def pending_batch(
    db: Database, limit: int, max_bytes: int | None = None, *, through: int | None = None
) -> list[Op]:
    """The oldest pending ops that can be sent; the ones that cannot become dead letters.

    ``max_bytes`` bounds the batch's payload text too (the first op always goes, however
    large: it is checked against the size limit on its own). ``through`` leaves out the
    ops queued after that sequence number (see :func:`newest_pending_seq`).
    """
    while True:
        query = select(*_RAW_OP).where(Outbox.state == "pending")
        if through is not None:
            query = query.where(Outbox.seq <= through)
        with db.read() as s:
            rows = s.execute(query.order_by(Outbox.seq).limit(limit)).all()
        if max_bytes is not None:
            rows = _within(rows, max_bytes)
        ops: list[Op] = []
        poison: dict[int, str] = {}
        for row in rows:
            try:
                ops.append(parse_op(*row))
            except RejectedError as exc:
                poison[row[0]] = NOT_SENT + str(exc)
        if not poison:
            return ops
        with db.write() as s:
            for seq, reason in poison.items():
                mark(s, [seq], "dead", reason[:2000])
        if ops:
            return ops


def newest_pending_seq(db: Database) -> int | None:
    """The last op queued so far; None when nothing waits.

    A sync cycle pushes up to this one and then pulls: at a register that writes as fast
    as it pushes (a busy branch, a slow link), "push until the queue is empty" would
    never end, and the other registers' changes would never come in.
    """
    with db.read() as s:
        return s.scalar(select(func.max(Outbox.seq)).where(Outbox.state == "pending"))


def _within(rows: Sequence[Any], max_bytes: int) -> Sequence[Any]:
    """The leading ``rows`` whose payload texts add up to at most ``max_bytes`` (one at least)."""
    total = 0
    for i, row in enumerate(rows):
        payload = row[5]
        total += len(payload) if isinstance(payload, str | bytes) else 0
        if total > max_bytes and i > 0:
            return rows[:i]
    return rows


def newest_stamp(db: Database, known: str | None, *, below: str | None = None) -> Timestamp | None:
    """The highest well-formed stamp among ``known`` and the outbox's, for clock priming.

    Stamps that are no clock are passed over (a pending one becomes a dead letter):
    a damaged row must never stop the register from starting. Outbox stamps above
    ``below`` (made with a clock since found to be wrong) are not followed.
    """
    try:
        best = parse_stamp(known) if known else None
    except RejectedError:
        best = None
    bad: dict[int, str] = {}
    with db.read() as s:
        query = select(Outbox.seq, Outbox.hlc, Outbox.state).order_by(Outbox.hlc.desc())
        if below is not None:
            query = query.where(Outbox.hlc <= below)
        rows = s.execute(query)
        for seq, stamp, state in rows:
            try:
                found = parse_stamp(stamp)
            except RejectedError as exc:
                if state == "pending":
                    bad[seq] = NOT_SENT + str(exc)
                continue
            best = found if best is None else max(best, found)
            break
    if bad:
        with db.write() as s:
            for seq, reason in bad.items():
                mark(s, [seq], "dead", reason[:2000])
    return best


def counts(s: Session) -> QueueCounts:
    by_state = dict(
        s.execute(
            select(Outbox.state, func.count())
            .where(Outbox.state.in_(("pending", "dead")))
            .group_by(Outbox.state)
        ).all()
    )
    problems = s.scalar(select(func.count()).select_from(SyncProblem)) or 0
    return QueueCounts(int(by_state.get("pending", 0)), int(by_state.get("dead", 0)), int(problems))


def dead_letters(s: Session, limit: int = 200) -> list[DeadLetter]:
    rows = s.execute(
        select(*_RAW_OP[:5], Outbox.created_at, Outbox.last_error)
        .where(Outbox.state == "dead")
        .order_by(Outbox.seq)
        .limit(limit)
    ).all()
    return [
        DeadLetter(row[0], _lenient_id(row[1]), row[2], row[3], row[4], row[5], row[6] or "")
        for row in rows
    ]


def _lenient_id(text: str) -> uuid.UUID:
    """A dead letter's op id; a damaged one shows as the nil id rather than failing the list."""
    try:
        return uuid.UUID(str(text))
    except ValueError:
        return uuid.UUID(int=0)


def note_failure(db: Database, seqs: Sequence[int], error: str) -> None:
    """Count an attempt whose outcome is unknown; the rows stay pending, unchanged."""
    with db.write() as s:
        for part in chunks(seqs):
            s.execute(
                update(Outbox)
                .where(Outbox.seq.in_(part), Outbox.state == "pending")
                .values(attempts=Outbox.attempts + 1, last_error=error[:500])
            )


def mark(s: Session, seqs: Sequence[int], state: str, error: str | None = None) -> None:
    for part in chunks(seqs):
        s.execute(
            update(Outbox)
            .where(Outbox.seq.in_(part))
            .values(state=state, attempts=Outbox.attempts + 1, last_error=error)
        )


def retry_dead(db: Database, seqs: Sequence[int] | None = None) -> int:
    """Put refused ops back in the queue (after a manager fixed the cause centrally)."""
    with db.write() as s:
        stmt = update(Outbox).where(Outbox.state == "dead")
        if seqs is not None:
            stmt = stmt.where(Outbox.seq.in_(list(seqs)))
        result = s.execute(stmt.values(state="pending", last_error=None))
        return int(getattr(result, "rowcount", 0) or 0)


def requeue_missing_references(db: Database) -> int:
    """Refusals for a row central lacked go back in the queue, a bounded number of times.

    After a central restore, a change can reach central before the change it refers to
    (a visit before its customer, when the other register resends later): refused, it
    would wait for IT's ``sync --retry-refused``. Called when a pull brought new rows,
    which may be the missing ones; ``attempts`` bounds it for a row that never comes.
    """
    with db.write() as s:
        result = s.execute(
            update(Outbox)
            .where(
                Outbox.state == "dead",
                Outbox.last_error.startswith(MISSING_REFERENCE, autoescape=True),
                Outbox.attempts < MISSING_REFERENCE_RETRIES,
            )
            .values(state="pending")
        )
        return int(getattr(result, "rowcount", 0) or 0)


def get_state(s: Session, key: str) -> str | None:
    row = s.get(SyncState, key)
    return None if row is None else row.value


def set_state(s: Session, key: str, value: str) -> None:
    row = s.get(SyncState, key)
    if row is None:
        s.add(SyncState(key=key, value=value))
    else:
        row.value = value

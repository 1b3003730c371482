"""The audit trail's hash chain: how an entry is encoded, hashed and checked (pure).

Each register numbers its entries 1, 2, 3, … (``seq``) and each entry carries the hash
of the one before it (``prev_hash``; the first carries :data:`GENESIS`). An entry's own
hash covers every field, its number and that link included, so:

- an entry whose content was changed no longer matches its hash (*edited*);
- a missing number, or a link that does not name the entry before, is a *deletion*;
- an entry moved to another number still links to its true predecessor, which gives
  its true place away (*out of order*).

What the chain alone cannot show: the newest entries removed from the end (the rest
is still a perfect chain). The central copy can: ``posassist audit verify --central``
compares this register's chain with what central received (README: Audit trail).

The encoding is fixed forever: stored hashes were computed with it. Never change
:func:`canonical`; a new field would need a new chain version.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import pairwise
from typing import Literal

GENESIS = "0" * 64  # the prev_hash of entry 1
HASH_LENGTH = 64  # SHA-256 in lower-case hex

# What the trail records: ids and kinds of these actions, never personal data. A new
# kind of action is one line here (the central side keeps any action it receives, so
# a register with a newer list still syncs to an older central database).
ACTIONS: dict[str, str] = {
    "sign_in": "a person signed in",
    "sign_in_failed": "a sign-in or approval was refused (wrong PIN, locked, not a manager)",
    "locked_out": "sign-ins were locked after repeated failures",
    "sign_out": "a person signed out",
    "approve": "a manager approved one action at someone else's register",
    "reveal": "masked contact details were shown",
    "export": "customer data was exported (one customer, or a list such as the regulars)",
    "erase": "a customer's personal data was erased",
    "merge": "two customer records were merged",
    "void": "a visit was voided (or undone)",
    "role_change": "a person's role changed",
    "staff_add": "a person was added to the staff",
    "staff_disable": "a person's account was disabled",
    "pin_change": "a person's PIN was set anew (a manager's reset)",
    "settings_change": "a setting was changed",
    "import": "a file of the till's history was imported (the kind and the counts)",
}

# The fields of an entry, in the one order the tables and the sync payload use.
FIELDS = (
    "register_id",
    "seq",
    "at",
    "staff_id",
    "action",
    "entity",
    "entity_id",
    "detail",
    "prev_hash",
    "entry_hash",
)
# The id of the sync op carrying entry ``seq`` of a register: derived from the slot, so
# the same entry sent twice is recognisably the same op's subject.
_ENTRY_NAMESPACE = uuid.UUID("5a7e0c1d-8b2f-5e64-9c3a-71d0b4e2f8a6")


def check_action(action: str) -> str:
    """``action`` if it is a known kind; a typo in the code is a KeyError, not an entry."""
    if action not in ACTIONS:
        raise KeyError(f"unknown audit action {action!r}; known: {', '.join(ACTIONS)}")
    return action


def entry_id(register_id: uuid.UUID | str, seq: int) -> uuid.UUID:
    return uuid.uuid5(_ENTRY_NAMESPACE, f"{uuid.UUID(str(register_id))}:{seq}")


def utc_text(at: datetime) -> str:
    """The instant as the chain writes it: UTC, microseconds, ``+00:00``."""
    if at.tzinfo is None:
        raise ValueError("an audit entry's time needs a time zone")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry as either end stores it; ``entry_hash`` is what was stored, not recomputed."""

    register_id: uuid.UUID
    seq: int
    at: datetime
    staff_id: uuid.UUID | None
    action: str
    entity: str
    entity_id: str
    detail: str
    prev_hash: str
    entry_hash: str

    def content(self, seq: int | None = None) -> dict[str, object]:
        """The hashed fields (with another ``seq``, to test where an entry really was)."""
        return {
            "register_id": str(self.register_id),
            "seq": self.seq if seq is None else seq,
            "at": utc_text(self.at),
            "staff_id": None if self.staff_id is None else str(self.staff_id),
            "action": self.action,
            "entity": self.entity,
            "entity_id": self.entity_id,
            "detail": self.detail,
            "prev_hash": self.prev_hash,
        }

    def payload(self) -> dict[str, object]:
        """What travels to central: the content and the stored hash."""
        return {**self.content(), "entry_hash": self.entry_hash}


def canonical(content: Mapping[str, object]) -> bytes:
    """The bytes hashed: sorted keys, no spaces, UTF-8. Fixed forever (see the module)."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def hash_content(content: Mapping[str, object]) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()


def chained(
    register_id: uuid.UUID,
    seq: int,
    at: datetime,
    staff_id: uuid.UUID | None,
    action: str,
    entity: str,
    entity_id: str,
    detail: str,
    prev_hash: str,
) -> Entry:
    """A new entry after the one whose hash is ``prev_hash``, with its own hash."""
    draft = Entry(register_id, seq, at, staff_id, action, entity, entity_id, detail, prev_hash, "")
    return replace(draft, entry_hash=hash_content(draft.content()))


ProblemKind = Literal["edited", "missing", "out_of_order", "differs"]


@dataclass(frozen=True, slots=True)
class Problem:
    """The first thing wrong with a chain: which entry (``seq``), and how."""

    kind: ProblemKind
    register_id: uuid.UUID
    seq: int
    other_seq: int | None = None  # out_of_order: the entry it changed places with


def verify(entries: Sequence[Entry], *, check_storage_order: bool = True) -> Problem | None:
    """The first problem of one register's chain, or None when it is intact.

    ``entries`` are in storage order (the local table's row order); centrally, where
    rows have no order of their own, pass them by ``seq`` and ``check_storage_order``
    False.
    """
    if not entries:
        return None
    register_id = entries[0].register_id
    if check_storage_order:
        for before, after in pairwise(entries):
            if after.seq <= before.seq:
                return Problem("out_of_order", register_id, after.seq, before.seq)
    by_seq = sorted(entries, key=lambda e: e.seq)
    for entry in by_seq:
        if hash_content(entry.content()) != entry.entry_hash:
            return _moved(entry, by_seq[-1].seq) or Problem("edited", register_id, entry.seq)
    previous_hash, expected = GENESIS, 1
    for entry in by_seq:
        if entry.seq != expected or entry.prev_hash != previous_hash:
            # A number skipped, or (numbers renumbered to hide it) a link to no neighbour.
            return Problem("missing", register_id, expected)
        previous_hash, expected = entry.entry_hash, expected + 1
    return None


def _moved(entry: Entry, last_seq: int) -> Problem | None:
    """An entry whose hash fits its content at another number was moved from there.

    Tried nearest first; the cost (one hash per number) is paid once, for the first
    entry found wrong.
    """
    others = sorted(range(1, last_seq + 1), key=lambda n: abs(n - entry.seq))
    for seq in others:
        if seq != entry.seq and hash_content(entry.content(seq)) == entry.entry_hash:
            low, high = sorted((entry.seq, seq))
            return Problem("out_of_order", entry.register_id, low, high)
    return None


def describe(problem: Problem, register: str, where: str = "") -> str:
    """The problem in the words ``posassist audit verify`` prints (``where``: which copy)."""
    whose = f"of register {register} ({problem.register_id})"
    if problem.kind == "edited":
        text = f"entry {problem.seq} {whose} was edited: its hash does not match its content"
    elif problem.kind == "missing":
        text = f"entry {problem.seq} {whose} is missing (deleted)"
    elif problem.kind == "out_of_order":
        text = f"entries {problem.seq} and {problem.other_seq} {whose} are out of order"
    else:
        text = (
            f"entry {problem.seq} {whose} differs between this register and the central "
            "database: one of the two copies was changed"
        )
    return f"{text} ({where})" if where else text

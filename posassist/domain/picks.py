"""Staff picks: per category a ranked top three, and which pick a branch shows.

The rules live here, pure, because three places apply them and must agree: the services
(a manager's edit, a CSV import), the sync protocol (a pulled or pushed pick is checked
before any table sees it) and the demo store.

- A pick fills one *slot*: (branch or the whole chain, category, rank 1–3). Its id is
  derived from the slot (:func:`pick_id`), so two registers that set the same slot
  offline write the same row and converge by last writer wins, instead of leaving two
  "number ones".
- A branch's own pick overrides the chain's pick at that rank only (:func:`effective`):
  a branch that likes another headphone as its #1 keeps the chain's #2 and #3.
- Removing a pick marks the row ``removed`` rather than deleting it: the id is the slot,
  so a deletion tombstone would forbid that slot for ever, and the next manager to fill
  it would be silently ignored. A removed row is an ordinary last-writer-wins value.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from posassist.domain.identifiers import find_control
from posassist.errors import InvalidInputError

PICK_RANKS = (1, 2, 3)
WHY_MAX = 140
STAFF_MAX = 100
CATEGORY_MAX = 100
SKU_MAX = 64
# The synced fields of a pick (the local table, the central table and every payload).
PICK_FIELDS = ("category", "rank", "sku", "staff_name", "why", "branch_id", "staff_id", "removed")
# The CSV header, in the order exports write it; ``branch_code`` may be left out.
CSV_COLUMNS = ("category", "rank", "sku", "staff", "why", "branch_code")
REQUIRED_COLUMNS = CSV_COLUMNS[:5]

_NAMESPACE = uuid.UUID("3f6c2b9e-5a1d-5c47-8e2f-9d0b4a7c1e63")


def category_key(category: str) -> str:
    """Categories compare without case or extra spaces ("Audio " is "audio")."""
    return " ".join(category.split()).casefold()


def pick_id(branch_id: uuid.UUID | None, category: str, rank: int) -> uuid.UUID:
    """The slot's id: the same on every register that fills it."""
    scope = str(branch_id) if branch_id is not None else "chain"
    return uuid.uuid5(_NAMESPACE, f"{scope}:{category_key(category)}:{rank}")


@dataclass(frozen=True, slots=True)
class PickInput:
    """One pick as a manager types it (or a CSV line holds it)."""

    category: str
    rank: int
    sku: str
    staff: str
    why: str
    branch_id: uuid.UUID | None = None  # None: chain-wide
    staff_id: uuid.UUID | None = None  # the staff account, once staff log in (later)


@dataclass(frozen=True, slots=True)
class Pick:
    """A stored pick, as every reader sees it."""

    id: uuid.UUID
    category: str
    rank: int
    sku: str
    staff: str
    why: str
    branch_id: uuid.UUID | None
    staff_id: uuid.UUID | None = None


def parse_rank(text: object) -> int:
    """A rank as typed ("1", " 2 ") or stored; anything but 1, 2 or 3 is refused."""
    try:
        rank = int(str(text).strip())
    except ValueError:
        rank = 0
    if rank not in PICK_RANKS:
        raise InvalidInputError("rank", f"The rank must be 1, 2 or 3 (not “{str(text)[:20]}”).")
    return rank


def _one_line(value: str, field: str, label: str, limit: int) -> str:
    bad = find_control(value.strip())
    if bad in ("\n", "\r"):
        raise InvalidInputError(field, f"The {label} must be one line (no line breaks).")
    if bad is not None:
        raise InvalidInputError(
            field,
            f"The {label} contains a control character (U+{ord(bad):04X}), which cannot be "
            "stored. Please retype it.",
        )
    text = " ".join(value.split())
    if not text:
        raise InvalidInputError(field, f"The {label} is empty.")
    if len(text) > limit:
        raise InvalidInputError(
            field, f"The {label} is too long ({len(text)} characters; at most {limit})."
        )
    return text


def clean_pick(data: PickInput) -> PickInput:
    """Trim and check a pick; raise InvalidInputError naming the field at fault.

    The "why" is what the cashier reads aloud: one line, at most 140 characters. A line
    break typed into it is refused, not folded, so what is stored is what was meant.
    """
    return PickInput(
        category=_one_line(data.category, "category", "category", CATEGORY_MAX),
        rank=parse_rank(data.rank),
        sku=_one_line(data.sku, "sku", "SKU", SKU_MAX),
        staff=_one_line(data.staff, "staff", "staff member's name", STAFF_MAX),
        why=_one_line(data.why, "why", "reason (“why”)", WHY_MAX),
        branch_id=data.branch_id,
        staff_id=data.staff_id,
    )


def effective(picks: Iterable[Pick], branch_id: uuid.UUID | None) -> dict[str, list[Pick]]:
    """The picks a branch shows, per category key, by rank.

    At each rank the branch's own pick wins over the chain's; other branches' picks are
    not shown here. ``branch_id`` None: the chain's picks only.
    """
    slots: dict[tuple[str, int], Pick] = {}
    for pick in picks:
        if pick.branch_id is not None and pick.branch_id != branch_id:
            continue
        slot = (category_key(pick.category), pick.rank)
        if pick.branch_id is not None or slot not in slots:
            slots[slot] = pick
    out: dict[str, list[Pick]] = {}
    for (key, _rank), pick in sorted(slots.items()):
        out.setdefault(key, []).append(pick)
    return out


def payload_problem(op: str, entity_id: str, payload: Mapping[str, Any]) -> str | None:
    """Why a synced pick cannot be applied as it is (None: it can).

    An insert carries the whole row; an update any of its fields. The id must be the
    slot's, so no register can invent a second pick for one slot.
    """
    if op not in ("insert", "update"):
        return f"a staff pick is set or removed (insert, update), not {op!r}"
    needed = ("category", "rank", "sku", "staff_name", "why")
    if op == "insert" and any(k not in payload for k in needed):
        return "a staff pick needs its category, rank, sku, staff name and why"
    for key in ("category", "sku", "staff_name"):
        if key in payload and (not isinstance(payload[key], str) or not payload[key].strip()):
            return f"a staff pick's {key} must be a non-empty text"
    why = payload.get("why", "")
    if not isinstance(why, str) or len(why) > WHY_MAX or "\n" in why or "\r" in why:
        return f"a staff pick's why must be one line of at most {WHY_MAX} characters"
    rank = payload.get("rank", 1)
    if isinstance(rank, bool) or rank not in PICK_RANKS:
        return "a staff pick's rank must be 1, 2 or 3"
    if "removed" in payload and not isinstance(payload["removed"], bool):
        return "a staff pick's removed must be true or false"
    moves = any(k in payload for k in ("category", "rank", "branch_id"))
    if op == "update" and moves and not all(k in payload for k in ("category", "rank")):
        return "a staff pick's slot is given whole (category and rank), or not at all"
    if op == "insert" or moves:  # an edit never moves a pick to another slot's id
        try:
            branch = payload.get("branch_id")
            slot = pick_id(uuid.UUID(str(branch)) if branch else None, payload["category"], rank)
            if slot != uuid.UUID(entity_id):
                return "the staff pick's id is not the id of its slot"
        except ValueError:
            return "the staff pick's branch or id is not a valid id"
    return None

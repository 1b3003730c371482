"""Holds and relays between branches: the state machine, the code, the words.

A cashier at one branch (the *requesting* branch) asks another branch (the *holding*
branch) to set an item aside for a customer. The customer either collects it there, or
the item is brought to the requesting branch (a *relay*)::

    requested → accepted → ready       → collected      (collect there)
                         → on_its_way  → collected      (relay: at the requesting branch)
    any state that is not final → cancelled | expired

``accepted`` may be skipped (the holding branch sets it aside at once). Every transition
moves a hold strictly forward (:data:`RANK` grows), so the steps a server accepted form
one chain and a register can tell the current state from the steps it holds, in any
order. Pure: the central database and every register decide with these same rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from posassist.domain.referral_codes import new_code
from posassist.domain.referral_codes import normalise as normalise_code
from posassist.domain.wording import elapsed

__all__ = [
    "ACTIVE",
    "FINAL",
    "LABELS",
    "RANK",
    "STATES",
    "STEP_TITLES",
    "TIMELINE_KIND_PREFIX",
    "HoldFacts",
    "Verdict",
    "age_text",
    "current_state",
    "decide",
    "expires_at",
    "illegal_reason",
    "is_legal",
    "new_hold_code",
    "next_actor",
    "normalise_code",
    "shown_state",
    "told_text",
]

STATES: Final = (
    "requested",
    "accepted",
    "ready",
    "on_its_way",
    "collected",
    "cancelled",
    "expired",
)
FINAL: Final = frozenset(("collected", "cancelled", "expired"))
ACTIVE: Final = tuple(s for s in STATES if s not in FINAL)
RANK: Final[dict[str, int]] = {
    "requested": 0,
    "accepted": 1,
    "ready": 2,
    "on_its_way": 2,
    "collected": 3,
    "cancelled": 3,
    "expired": 3,
}
_MOVES: Final[dict[str, frozenset[str]]] = {
    "requested": frozenset(("accepted", "ready", "on_its_way")),
    "accepted": frozenset(("ready", "on_its_way")),
    "ready": frozenset(("collected",)),
    "on_its_way": frozenset(("collected",)),
}
LABELS: Final[dict[str, str]] = {
    "requested": "requested",
    "accepted": "accepted",
    "ready": "ready to collect",
    "on_its_way": "on its way",
    "collected": "collected",
    "cancelled": "cancelled",
    "expired": "expired",
}
# What someone did, as the losing register is told it ("… accepted this hold first").
_DID: Final[dict[str, str]] = {
    "accepted": "accepted this hold",
    "ready": "marked this hold ready",
    "on_its_way": "sent this hold on its way",
    "collected": "marked this hold collected",
    "cancelled": "cancelled this hold",
    "expired": "recorded this hold as expired",
}
# What each step is called on the customer's timeline (its "What" column): what happened.
STEP_TITLES: Final[dict[str, str]] = {
    "requested": "Hold requested",
    "accepted": "Hold accepted",
    "ready": "Ready to collect",
    "on_its_way": "On its way",
    "collected": "Collected",
    "cancelled": "Hold cancelled",
    "expired": "Hold expired",
}
TIMELINE_KIND_PREFIX: Final = "hold_"  # a timeline entry of kind "hold_ready" etc.
DEFAULT_EXPIRE_DAYS: Final = 3


def is_legal(from_state: str, to_state: str) -> bool:
    """May a hold in ``from_state`` move to ``to_state``?"""
    if from_state in FINAL or from_state not in RANK or to_state not in RANK:
        return False
    if to_state in ("cancelled", "expired"):
        return True
    return to_state in _MOVES.get(from_state, frozenset())


def illegal_reason(from_state: str, to_state: str) -> str:
    """Why a move is refused, in the words a cashier reads ("this hold is collected already")."""
    if from_state in FINAL:
        return f"this hold is {LABELS[from_state]} already"
    if to_state not in RANK:
        return f"{to_state!r} is not a hold state (one of {', '.join(STATES)})"
    if to_state == from_state:
        return f"this hold is {LABELS[from_state]} already"
    if to_state == "requested":
        return "a hold cannot go back to requested"
    return f"a hold that is {LABELS[from_state]} cannot become {LABELS[to_state]}"


def new_hold_code() -> str:
    """A code a customer can read out at the counter (``K7Q2-M9XD``), with a check symbol."""
    return new_code()


def expires_at(created_at: datetime, days: int) -> datetime:
    return created_at + timedelta(days=days)


def shown_state(state: str, expires: datetime, now: datetime) -> str:
    """What both branches show: expired as soon as it is due, before anyone records it."""
    if state not in FINAL and now >= expires:
        return "expired"
    return state


def age_text(at: datetime, now: datetime) -> str:
    """ "12 min", "3 h", "2 days": how long ago a hold was asked for (queue and CLI)."""
    amount, unit = elapsed(at, now)
    return f"{amount} {unit}"


def next_actor(state: str, relay: bool) -> str:
    """Who acts next: ``"holding"``, ``"requesting"`` or ``""`` (nobody: it is over).

    A relay on its way is received (and collected) at the requesting branch.
    """
    if state in FINAL:
        return ""
    if state == "on_its_way" and relay:
        return "requesting"
    return "holding"


def current_state(applied: Iterable[str], pending: Iterable[tuple[str, str]]) -> str:
    """The state a register shows from the steps it holds.

    ``applied``: the target states of steps the central database accepted (pulled, or
    acknowledged). They form one chain, so the furthest one is the state there.
    ``pending``: this register's own steps not yet decided, as (from, to): shown as
    long as they continue the chain from where the confirmed steps end.
    """
    state = max(applied, key=lambda s: RANK.get(s, -1), default="requested")
    waiting = list(pending)
    while True:  # follow the chain, whatever order the steps were read in
        step = next((p for p in waiting if p[0] == state and is_legal(*p)), None)
        if step is None:
            return state
        waiting.remove(step)
        state = step[1]


@dataclass(frozen=True, slots=True)
class HoldFacts:
    """What the deciding side knows of a hold: its state and the step that made it so."""

    state: str
    by_register: str = ""
    by_branch: str = ""
    at_local: datetime | None = None  # when, in the deciding branch's time zone


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: str  # "applied", "ignored" (someone else was first) or "illegal"
    reason: str = ""


def told_text(facts: HoldFacts) -> str:
    """ "Till 2 at Northside accepted this hold first (14:03)"."""
    did = _DID.get(facts.state, f"made this hold {LABELS.get(facts.state, facts.state)}")
    who = facts.by_register or "Another register"
    if facts.by_branch:
        who = f"{who} at {facts.by_branch}"
    when = f" ({facts.at_local:%H:%M})" if facts.at_local is not None else ""
    return f"{who} {did} first{when}"


def decide(facts: HoldFacts, from_state: str, to_state: str) -> Verdict:
    """The central decision on one step: first in server order wins.

    A step that starts from the state the hold is in (and is a legal move) is applied.
    One that starts elsewhere lost to a step applied before it: it is ignored, with the
    words its register shows. A step that is no legal move at all is broken data.
    """
    if from_state != facts.state:
        return Verdict("ignored", told_text(facts))
    if not is_legal(from_state, to_state):
        return Verdict("illegal", illegal_reason(from_state, to_state))
    return Verdict("applied")

"""Last-writer-wins per field, by hybrid logical clock, and the erasure tombstone.

Two registers may edit the same customer while offline. Each field carries the HLC
of its last write; an incoming write wins a field only if its clock is greater.
Encoded HLC strings compare like the timestamps (fixed-width millis and counter,
then the register id), so a tie between registers is broken by register id and every
register and the server pick the same winner. Erasure is not a field write: it is a
tombstone that beats any edit, earlier or later, so it can never be undone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# Fields a register may write; each has its own clock. Derived columns (name_key,
# phone_last4) follow their source field and are never sent.
CUSTOMER_FIELDS = (
    "display_name",
    "phone_e164",
    "email",
    "card_code",
    "consent_contact",
    "notes",
    "preferences",
    "referred_by_id",
)

ERASED_NAME = "Erased customer"

# What an erased customer's personal fields become, on every register and centrally.
ERASED_VALUES: dict[str, Any] = {
    "display_name": ERASED_NAME,
    "phone_e164": None,
    "email": None,
    "card_code": None,
    "consent_contact": False,
    "notes": "",
    "preferences": "",
}


def wins(incoming: str, current: str | None) -> bool:
    """Whether a write stamped ``incoming`` replaces one stamped ``current``."""
    return current is None or incoming > current


def winning_fields(clocks: Mapping[str, str], fields: Iterable[str], stamp: str) -> list[str]:
    """The fields among ``fields`` that a write stamped ``stamp`` wins."""
    return [f for f in fields if wins(stamp, clocks.get(f))]


def stamp_fields(clocks: Mapping[str, str], fields: Iterable[str], stamp: str) -> dict[str, str]:
    """A new clocks mapping with ``fields`` set to ``stamp`` (a copy: JSON columns need one)."""
    out = dict(clocks)
    for f in fields:
        out[f] = stamp
    return out

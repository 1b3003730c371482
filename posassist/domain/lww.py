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

from posassist.domain.fields import CUSTOMER_FIELDS, ERASED_NAME, ERASED_VALUES

# The fields themselves (which ones, which are personal, what erasure writes) are
# declared once in ``domain/fields.py``; they are re-exported here for the callers of
# the rules below.
__all__ = [
    "CUSTOMER_FIELDS",
    "ERASED_NAME",
    "ERASED_VALUES",
    "stamp_fields",
    "wins",
]


def wins(incoming: str, current: str | None) -> bool:
    """Whether a write stamped ``incoming`` replaces one stamped ``current``."""
    return current is None or incoming > current


def stamp_fields(clocks: Mapping[str, str], fields: Iterable[str], stamp: str) -> dict[str, str]:
    """A new clocks mapping with ``fields`` set to ``stamp`` (a copy: JSON columns need one)."""
    out = dict(clocks)
    for f in fields:
        out[f] = stamp
    return out

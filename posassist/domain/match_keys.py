"""Match-only keys: how the store recognises a phone number or e-mail it may not keep.

The register keeps a customer's phone and e-mail only with their consent. An import
still has to know that the person behind an order's e-mail is the customer the customers
export brought in without it, or it makes a second customer; and a cashier who types the
number the store already knows the person by expects to find them. So a contact the
store does not keep in clear is kept as a SHA-256 digest of its normalised form (with a
fixed prefix), as an external id of the customer (``customer_external_id``, sources
:data:`MATCH_SOURCES`): it matches the same number again, it is never shown, and nothing
turns it back into a number without guessing numbers one by one (a digest of a phone
number is a pseudonym, not anonymous: that is why it is kept only where the customer's
other ids are, and listed in their data on request).

The digest is the same on every register (a fixed key), so two registers importing the
same export offline make the same rows.
"""

from __future__ import annotations

import hashlib
from typing import Literal

__all__ = ["MATCH_SOURCES", "ContactKind", "match_key"]

ContactKind = Literal["phone", "email"]

# The ``customer_external_id.source`` of each kind of match-only key.
MATCH_SOURCES: dict[ContactKind, str] = {"phone": "phone-key", "email": "email-key"}

_KEY = b"posassist match-only contact key, v1"


def match_key(kind: ContactKind, normalised: str) -> str:
    """The match-only key of a phone number (E.164) or an e-mail (normalised): 64 hex
    digits, the same for the same contact on every register."""
    digest = hashlib.sha256(_KEY + b"\x00" + kind.encode() + b"\x00" + normalised.encode())
    return digest.hexdigest()

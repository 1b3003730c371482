"""The shared catalogue's rules that both ends and every layer agree on.

Ids are derived from content, so two registers that import the same SKU (or the same
branch's count of it) while apart write the same row, and the central database
converges on one: product id = uuid5(namespace, sku); stock id = uuid5(namespace,
"branch_id:sku"). A stock count is a snapshot: the one counted later is the truth,
whichever register happened to send it last.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from posassist.domain.wording import elapsed

CATALOG_NAMESPACE = uuid.UUID("3c6f2b1e-8d4a-5f7e-b1c2-9e0d4a6f8b13")
MAX_SKU_LENGTH = 64
MAX_PRODUCT_NAME_LENGTH = 300
MAX_CATEGORY_LENGTH = 100
MAX_LOCATION_LENGTH = 100
MAX_ON_HAND = 10_000_000  # more than any shelf holds: a count beyond it is a typo


def catalog_id(*key: str) -> uuid.UUID:
    """The id of a shared row from its key's parts (the sync checks ids the same way)."""
    return uuid.uuid5(CATALOG_NAMESPACE, ":".join(key))


def product_id(sku: str) -> uuid.UUID:
    """The one id of the product with ``sku``, on every register and centrally."""
    return catalog_id(sku)


def stock_id(branch_id: uuid.UUID | str, sku: str) -> uuid.UUID:
    """The one id of ``branch_id``'s stock row of ``sku``."""
    return catalog_id(str(uuid.UUID(str(branch_id))), sku)


def keeps_out(held: datetime, incoming: datetime, now: datetime) -> bool:
    """Whether a held count's time keeps an incoming, older count out.

    A later count wins; but a held time after ``now`` is a clock error (a register or a
    store built with its clock ahead), and it must not keep every real count out until
    that time comes: a count made by ``now`` replaces it. The same rule holds in the
    service, when a register pulls and on the central server.
    """
    return incoming < held <= now


def age_text(as_of: datetime, now: datetime) -> str:
    """How old a count is, honestly: "just now", "25 min ago", "2 h ago", "3 days ago".

    A count from the future (a PC whose clock runs ahead) reads "just now" rather than
    a negative age.
    """
    amount, unit = elapsed(as_of, now)
    if amount == 0 and unit == "min":
        return "just now"
    if unit == "days" and amount >= 60:
        return f"on {as_of:%d %b %Y}"
    return f"{amount} {unit} ago"


def stock_age(as_of: datetime, now: datetime) -> str:
    """The finder's and ``posassist stock``'s wording: "as of 2 h ago"."""
    age = age_text(as_of, now)
    return f"as of {age}" if not age.startswith("on ") else f"as of {age[3:]}"

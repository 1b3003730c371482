"""External ids of imported customers: what such a fact must carry, at both ends.

An import (``importers/load.py``) records the id a customer has in the source it came
from (Square's customer id, Shopify's, a manager's own file: ``source``) as a
``customer_external_id`` row, so a re-import on any register matches that customer
instead of making a second one. The row travels as a fact (op ``insert``), its payload
the row's columns. Its id is derived from ``(source, external_id)`` by the loader, so two
registers importing the same export offline send the same row.

Checked here at both ends, like every op (``protocol.check_op``): a row from a broken or
hostile register is refused before it reaches a table (centrally a dead letter, on a
register a recorded sync problem), whatever else the batch holds. The central decision
between two rows for one ``(source, external_id)`` is in ``central/external_ids.py``; a
register takes central's row when it pulls it (:data:`PULL_UPSERT`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, Table
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from posassist.domain.identifiers import find_control
from posassist.storage.orm import CustomerExternalId
from posassist.sync.protocol import Op, RejectedError, as_datetime, as_uuid

ENTITY = "customer_external_id"
_TABLE: Table = CustomerExternalId.__table__  # type: ignore[assignment]


def _length(name: str) -> int:
    """The longest text the register's column holds (central's is the same)."""
    kind = _TABLE.c[name].type
    assert isinstance(kind, String)
    assert kind.length is not None
    return kind.length


_TEXTS = {name: _length(name) for name in ("source", "external_id")}

# A pulled row is central's word on its (source, external_id): it replaces a row this
# register made for the same pair (its own import, which lost to one synced first), so
# every register then matches the same customer. Rows are never deleted.
PULL_UPSERT = sqlite_insert(_TABLE)
PULL_UPSERT = PULL_UPSERT.on_conflict_do_update(
    index_elements=["source", "external_id"],
    set_={
        "id": PULL_UPSERT.excluded.id,
        "customer_id": PULL_UPSERT.excluded.customer_id,
        "created_at": PULL_UPSERT.excluded.created_at,
    },
)


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise RejectedError(f"an external id needs its {name} (a non-empty text)")
    if len(value) > _TEXTS[name]:
        raise RejectedError(f"an external id's {name} is longer than {_TEXTS[name]} characters")
    bad = find_control(value)  # no tab or newline either: an id is one line
    if bad is not None:
        raise RejectedError(f"an external id's {name} contains a control character")
    return value


def check_external_id(op: Op) -> None:
    """A ``customer_external_id`` fact as the loader writes it, or :class:`RejectedError`.

    The generic fact check (op ``insert``, the payload's id is the op's) has run. The
    message names no value: an id from a manager's own file could be someone's e-mail.
    """
    data = op.payload
    for name in _TEXTS:
        _text(data, name)
    if data.get("customer_id") is None:
        raise RejectedError("an external id needs its customer_id")
    as_uuid(data["customer_id"], "customer_id")
    if data.get("created_at") is None:
        raise RejectedError("an external id needs its created_at")
    as_datetime(data["created_at"], "created_at")

"""The loader's rows as the store holds them: prebuilt tuples for one executemany a table.

An import writes millions of rows; SQLAlchemy's per-value type processing (a UUID to its
hex, an aware time to naive UTC text, a dict to JSON) costs more than SQLite's insert
itself. So each statement is compiled ONCE by SQLAlchemy Core from the table
(:class:`BulkInsert`: ``insert(table)`` with every column bound, no SQL text written by
hand) and its rows are tuples of values already in the store's form, converted here with
the same rules as the column types (``tests/importers/test_load.py`` reads them back
through the ORM and compares with what the register writes itself).

The outbox payloads are built in the shape ``storage.outbox.append_change`` gives the
register's own rows (``jsonable``: ids as text, times in ISO 8601), directly.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from posassist.domain.fields import CUSTOMER_FIELDS
from posassist.storage.orm import (
    Customer,
    CustomerExternalId,
    Interaction,
    Outbox,
    PurchaseLine,
)

__all__ = [
    "CUSTOMERS",
    "EXTERNAL_IDS",
    "INTERACTIONS",
    "LINES",
    "OUTBOX",
    "BulkInsert",
    "db_day",
    "db_time",
    "interaction_json",
    "iso_time",
    "new_op_id",
    "op_row",
    "op_row_text",
    "text_of_hex",
    "times",
    "uuid5_hex",
]

_DIALECT = sqlite.dialect()


class BulkInsert:
    """``INSERT INTO table (columns…) VALUES (?, …)``, compiled once by SQLAlchemy."""

    def __init__(self, model: type, columns: Sequence[str]) -> None:
        table = cast(Table, model.__table__)  # type: ignore[attr-defined]
        compiled = (
            insert(table).values({c: bindparam(c) for c in columns}).compile(dialect=_DIALECT)
        )
        assert list(compiled.positiontup or ()) == list(columns), compiled.positiontup
        self.sql = str(compiled)
        self.columns = tuple(columns)

    def run(self, s: Session, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            s.connection().exec_driver_sql(self.sql, rows)


# Each tuple is in the table's column order (the order the compiled INSERT binds).
CUSTOMERS = BulkInsert(
    Customer,
    (
        "id",
        "display_name",
        "name_key",
        "phone_e164",
        "phone_last4",
        "email",
        "card_code",
        "consent_contact",
        "notes",
        "preferences",
        "referred_by_id",
        "created_at",
        "updated_at",
        "erased_at",
        "field_clocks",
    ),
)
EXTERNAL_IDS = BulkInsert(
    CustomerExternalId, ("id", "source", "external_id", "customer_id", "created_at")
)
INTERACTIONS = BulkInsert(
    Interaction,
    (
        "id",
        "customer_id",
        "branch_id",
        "register_id",
        "staff_id",
        "occurred_at",
        "local_day",
        "kind",
        "basket_minor",
        "note",
    ),
)
LINES = BulkInsert(
    PurchaseLine,
    ("id", "interaction_id", "position", "sku", "description", "quantity", "unit_minor"),
)
OUTBOX = BulkInsert(
    Outbox,
    (
        "op_id",
        "entity",
        "entity_id",
        "op",
        "payload",
        "hlc",
        "created_at",
        "attempts",
        "state",
        "last_error",
    ),
)


def uuid5_hex(namespace: bytes, name: str) -> str:
    """``uuid.uuid5(UUID(bytes=namespace), name).hex``, without the two UUID objects an
    import would otherwise make per id (a third of its per-row time went to them).
    The same SHA-1 of namespace and name, the same version and variant bits
    (``tests/importers/test_load_rows.py`` compares with :func:`uuid.uuid5`)."""
    n = int.from_bytes(hashlib.sha1(namespace + name.encode()).digest()[:16])
    return "%032x" % (n & _CLEAR_BITS | _V5_BITS)


def text_of_hex(h: str) -> str:
    """A UUID's 32 hex digits in the dashed form ``str(uuid)`` gives (payloads)."""
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_CLEAR_BITS = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)
_V5_BITS = (5 << 76) | (0x8000 << 48)
_V7_BITS = (7 << 76) | (0x8000 << 48)


def new_op_id() -> str:
    """A fresh outbox ``op_id`` (hex): a UUIDv7, the time in its first 48 bits and 74
    random ones after, so an import's million new ops go at the end of the outbox's
    unique index instead of at a million random places in it (``uuid4`` did). The random
    bits come from ``os.urandom`` as before, but :data:`_POOL_IDS` ids' worth a call (one
    system call per id: 1.9 % of the py-spy samples of the bench's 1,000,000-row import)."""
    try:
        bits = _pool.pop()
    except IndexError:
        raw = os.urandom(10 * _POOL_IDS)
        _pool.extend(int.from_bytes(raw[i : i + 10]) for i in range(0, len(raw), 10))
        bits = _pool.pop()
    n = (time.time_ns() // 1_000_000) << 80 | bits
    return "%032x" % (n & _CLEAR_BITS | _V7_BITS)


_POOL_IDS = 4096
_pool: list[int] = []  # random 80-bit numbers not yet used (each used once: popped)
# A forked child must not reuse its parent's unused numbers: the same op ids in two
# processes would make central take the second for the first, already applied.
os.register_at_fork(after_in_child=_pool.clear)


_TIMES: dict[datetime, tuple[str, str]] = {}
_TIMES_KEPT = 4096


def times(at: datetime) -> tuple[str, str]:
    """(:func:`db_time`, :func:`iso_time`) of ``at``, remembered for the last few
    thousand instants (a transactions file has one a day: noon)."""
    found = _TIMES.get(at)
    if found is None:
        if len(_TIMES) >= _TIMES_KEPT:
            _TIMES.clear()
        utc = at.astimezone(UTC)
        found = _TIMES[at] = (utc.replace(tzinfo=None).isoformat(" ", "microseconds"),
                              utc.isoformat())  # fmt: skip
    return found


def db_time(at: datetime) -> str:
    """An aware instant as ``UTCDateTime`` stores it in SQLite: naive UTC text."""
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def iso_time(at: datetime) -> str:
    """An instant as a payload carries it (``jsonable``, in UTC like the register's)."""
    return at.astimezone(UTC).isoformat()


def db_day(day: date) -> str:
    return day.isoformat()


def hex_or_none(value: uuid.UUID | None) -> str | None:
    return None if value is None else value.hex


def text_or_none(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def op_row(
    entity: str, entity_id: str, op: str, payload: dict[str, Any], hlc: str, created: str
) -> tuple[Any, ...]:
    """An outbox row (``OUTBOX``'s columns) for a payload already JSON-able."""
    return op_row_text(entity, entity_id, op, json.dumps(payload), hlc, created)


def op_row_text(
    entity: str, entity_id: str, op: str, payload: str, hlc: str, created: str
) -> tuple[Any, ...]:
    """:func:`op_row` for a payload already in JSON text."""
    return (
        new_op_id(),
        entity,
        entity_id,
        op,
        payload,
        hlc,
        created,
        0,
        "pending",
        None,
    )


# An imported interaction's payload, in exactly the text ``json.dumps`` gives its dict
# (``_interaction`` in load.py; tests/importers/test_load_rows.py compares the two): the
# ids, times, day and kind are plain ASCII, so only the note and lines need encoding.
# A million payloads cost a third less this way.
_INTERACTION_JSON = (
    '{"id": "%s", "customer_id": %s, "branch_id": "%s", "register_id": null, '
    '"staff_id": null, "occurred_at": "%s", "local_day": "%s", "kind": "%s", '
    '"basket_minor": %s, "note": %s, "lines": %s}'
)
_NOTES: dict[str, str] = {}  # a file's notes repeat ("Imported from …"): encoded once
_NOTE_KEPT_CHARS = 200


def interaction_json(
    iid: str,
    customer: str | None,
    branch: str,
    occurred_at: str,
    day: str,
    kind: str,
    basket: int | None,
    note: str,
    lines: list[dict[str, Any]],
) -> str:
    """``json.dumps`` of the interaction payload ``load.py`` queues (see above)."""
    encoded = _NOTES.get(note)
    if encoded is None:
        encoded = json.dumps(note)
        if len(note) <= _NOTE_KEPT_CHARS:  # a long note is not kept: memory stays small
            if len(_NOTES) >= _TIMES_KEPT:
                _NOTES.clear()
            _NOTES[note] = encoded
    return _INTERACTION_JSON % (
        iid,
        "null" if customer is None else f'"{customer}"',
        branch,
        occurred_at,
        day,
        kind,
        "null" if basket is None else int(basket),
        encoded,
        json.dumps(lines) if lines else "[]",
    )


def customer_rows(
    row: dict[str, Any], hlc: str, created: str
) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """A new customer's ``CUSTOMERS`` tuple and its insert op (``customer_payload``)."""
    cid: uuid.UUID = row["id"]
    ref = row["referred_by_id"]
    stored = row | {
        "id": cid.hex,
        "referred_by_id": hex_or_none(ref),
        "consent_contact": int(row["consent_contact"]),
        "created_at": db_time(row["created_at"]),
        "updated_at": db_time(row["updated_at"]),
        "erased_at": None,
        "field_clocks": json.dumps(dict.fromkeys(CUSTOMER_FIELDS, hlc)),
    }
    values = tuple(stored[c] for c in CUSTOMERS.columns)
    payload = {"id": str(cid), **{f: row[f] for f in CUSTOMER_FIELDS}}
    payload["referred_by_id"] = text_or_none(ref)
    payload["created_at"] = iso_time(row["created_at"])
    return values, op_row("customer", str(cid), "insert", payload, hlc, created)


def external_rows(ext: dict[str, Any], hlc: str, created: str) -> tuple[tuple[Any, ...], ...]:
    """An external id's ``EXTERNAL_IDS`` tuple and its insert op (the row's columns)."""
    eid: uuid.UUID = ext["id"]
    cid: uuid.UUID = ext["customer_id"]
    at: datetime = ext["created_at"]
    values = (eid.hex, ext["source"], ext["external_id"], cid.hex, db_time(at))
    payload = {
        "id": str(eid),
        "source": ext["source"],
        "external_id": ext["external_id"],
        "customer_id": str(cid),
        "created_at": iso_time(at),
    }
    return values, op_row("customer_external_id", str(eid), "insert", payload, hlc, created)

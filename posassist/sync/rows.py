"""Payload values as table columns want them: the one conversion of column types.

A payload is JSON, so ids, times and days travel as text. Both ends turn a payload into
column values the same way, the register into its SQLite tables (``Uuid``,
``UTCDateTime``) and the server into the central PostgreSQL ones (``UUID``,
``TIMESTAMP WITH TIME ZONE``): by the Python type the column holds, through the one
table of converters below. A value a converter cannot read is the op's fault
(:class:`~posassist.sync.protocol.RejectedError`); keys the table has no column for are
dropped, so a newer register can talk to an older schema.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Table, TypeDecorator
from sqlalchemy.types import TypeEngine

from posassist.sync.protocol import as_date, as_datetime, as_uuid

Converter = Callable[[Any, str], Any]

# By the column's Python type (exact type: a datetime column is not a date column).
CONVERTERS: dict[type, Converter] = {uuid.UUID: as_uuid, datetime: as_datetime, date: as_date}


def _python_type(type_: TypeEngine[Any]) -> type | None:
    if isinstance(type_, TypeDecorator):  # e.g. UTCDateTime: what it stores
        type_ = type_.impl_instance
    try:
        return type_.python_type
    except NotImplementedError:
        return None


@cache
def converters(table: Table) -> dict[str, Converter | None]:
    """Each column of ``table`` and how a payload value becomes its value (None: as it is)."""
    out: dict[str, Converter | None] = {}
    for column in table.columns:
        python_type = _python_type(column.type)
        out[column.key] = CONVERTERS.get(python_type) if python_type is not None else None
    return out


def payload_row(
    table: Table, payload: Mapping[str, Any], skip: Collection[str] = ()
) -> dict[str, Any]:
    """The columns of ``table`` that ``payload`` gives (but those in ``skip``), converted."""
    known = converters(table)
    row: dict[str, Any] = {}
    for key, value in payload.items():
        if key not in known or key in skip:
            continue
        convert = known[key]
        row[key] = value if value is None or convert is None else convert(value, key)
    return row

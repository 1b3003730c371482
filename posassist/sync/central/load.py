"""Many rows of one plain insert, sent by COPY instead of one ``executemany`` row each.

A push of a few thousand visits writes thousands of rows to each of a few tables. Sent
as an ``executemany`` they cost a Bind/Execute per row on the wire and an executor start
per row on the server; sent by ``COPY`` they are one stream into the table, through the
same constraints (foreign keys, unique keys, NOT NULL), so a bad row still fails the
batch and the careful replay (``central/push.py``) still rejects that one op alone.

``COPY`` cannot say "a row whose id exists is left as it is" (a resent fact under a new
op id, an import run twice), so the run's ids are looked up first, in one query, and
those rows are left out, as ``ON CONFLICT (id) DO NOTHING`` leaves them. Another push
may insert the same id meanwhile only if two registers made the same fact (an import of
one file on both: its ids are derived from the rows); the COPY then fails on the key and
the replay inserts that run the row-by-row way, which tolerates it.

Only rows whose every value is of the one Python type its column takes go this way.
Text COPY would read ``1`` into a boolean column or ``"12.5"`` not at all into an integer
one, where the bound parameter of an ``executemany`` is refused or cast by PostgreSQL by
its type; a run holding any other value keeps the ``executemany``, so what a malformed
payload meets is what it always met.

The change log needs no look-up: nothing in it can conflict, so its rows are copied
straight in, in the batch's order, under the change-log lock (``server_seq`` is assigned
in that order, as by the inserts before).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb
from sqlalchemy import Boolean, Date, Integer, String, Table, select
from sqlalchemy.dialects.postgresql import JSONB, TIMESTAMP, UUID

from posassist.sync import schema
from posassist.sync.central.reads import among
from posassist.sync.central.sql import Query, run

log = logging.getLogger(__name__)

# A run of at least this many rows goes by COPY: below it the extra look-up costs more
# than it saves, and the careful replay's one-op batches keep the row-by-row path.
COPY_MIN_ROWS = 32


def _python_types(col_type: Any) -> tuple[type, ...]:
    """The exact Python types a value of this column may have to go by COPY (none: never)."""
    if isinstance(col_type, UUID):
        return (uuid.UUID,)
    if isinstance(col_type, Boolean):
        return (bool,)
    if isinstance(col_type, Integer):  # BigInteger too; bool is a subclass, not allowed
        return (int,)
    if isinstance(col_type, String):  # Text too
        return (str,)
    if isinstance(col_type, TIMESTAMP):
        return (dt.datetime,)
    if isinstance(col_type, Date):
        return (dt.date,)
    if isinstance(col_type, JSONB):
        return (Jsonb,)
    return ()


@cache
def _types(table_name: str) -> dict[str, tuple[type, ...]]:
    table = schema.metadata.tables[table_name]
    return {c.key: _python_types(c.type) for c in table.columns}


def copyable(table_name: str, rows: Sequence[Mapping[str, Any]]) -> bool:
    """Whether every value of ``rows`` reads the same by COPY as by a bound parameter."""
    types = _types(table_name)
    for row in rows:
        for name, value in row.items():
            if value is not None and type(value) not in types.get(name, ()):
                return False
    return True


@cache
def _statements(table_name: str, columns: tuple[str, ...]) -> tuple[Query, sql.Composed]:
    """Which of the ids are there already, and the COPY of the rest."""
    table: Table = schema.metadata.tables[table_name]
    there = Query(select(table.c.id).where(among(table.c.id)))
    fill = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table_name), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    return there, fill


def insert_by_copy(
    conn: psycopg.Connection[Any], query: Query, rows: Sequence[Mapping[str, Any]]
) -> None:
    """The rows of the plain insert ``query`` (all of one column set), by COPY.

    A row whose id is there already, or came earlier in ``rows``, is left out, as
    ``ON CONFLICT (id) DO NOTHING`` leaves it.
    """
    assert query.plain_insert is not None
    assert query.columns is not None
    columns = tuple(query.columns)
    there, fill = _statements(query.plain_insert, columns)
    seen = {r[0] for r in run(conn, there, ids=[row["id"] for row in rows])}
    log.debug("%d %s rows by COPY (%d there already)", len(rows), query.plain_insert, len(seen))
    with conn.cursor() as cur, cur.copy(fill) as copy:
        for row in rows:
            rid = row["id"]
            if rid in seen:
                continue
            seen.add(rid)
            copy.write_row([row[c] for c in columns])


_LOG = sql.SQL("COPY {} ({}) FROM STDIN").format(
    sql.Identifier(schema.change_log.name),
    sql.SQL(", ").join(
        map(sql.Identifier, ("op_id", "entity", "entity_id", "op", "payload", "hlc", "origin"))
    ),
)


def copy_log(conn: psycopg.Connection[Any], rows: Sequence[Sequence[Any]]) -> None:
    """Change-log rows (op_id, entity, entity_id, op, payload, hlc, origin), in order."""
    with conn.cursor() as cur, cur.copy(_LOG) as copy:
        for row in rows:
            copy.write_row(row)

"""Many rows of one plain insert, sent by COPY instead of one ``executemany`` row each.

A push of a few thousand visits writes thousands of rows to each of a few tables. Sent
as an ``executemany`` they cost a Bind/Execute per row on the wire and an executor start
per row on the server; sent by ``COPY`` they are one stream. ``COPY`` cannot say "a row
whose id exists is left as it is" (a resent fact under a new op id, an import run twice),
so the rows go into a temporary table of the same column types first, then one
``INSERT ... SELECT ... ON CONFLICT (id) DO NOTHING`` moves them in: the same statement,
the same constraints (foreign keys, other unique keys, NOT NULL) and the same errors as
the row-by-row insert, so a bad row still fails the batch and the careful replay
(``central/push.py``) still rejects that one op alone.

Only rows whose every value is of the one Python type its column takes go this way.
Text COPY would read ``1`` into a boolean column or ``"12"`` into an integer one, where
the bound parameter of an ``executemany`` is refused or cast by PostgreSQL by its type; a
run holding any other value keeps the ``executemany``, so what a malformed payload meets
is what it always met.

The change log needs no temporary table: nothing in it can conflict, so its rows are
copied straight in, in the batch's order, under the push's advisory lock (``server_seq``
is assigned in that order, as by the inserts before).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb
from sqlalchemy import Boolean, Date, Integer, String, Table, delete, select
from sqlalchemy import table as table_clause
from sqlalchemy.dialects.postgresql import JSONB, TIMESTAMP, UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.sql import column as column_clause

from posassist.sync import schema
from posassist.sync.central.sql import Query, run

# A run of at least this many rows goes by COPY: below it the three extra statements cost
# more than they save, and the careful replay's one-op batches keep the row-by-row path.
COPY_MIN_ROWS = 32
# Temporary tables live in the session's own schema; this prefix keeps them apart.
_PREFIX = "posassist_load_"


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
def _statements(
    table_name: str, columns: tuple[str, ...]
) -> tuple[sql.Composed, sql.Composed, Query, Query]:
    """Create (once per session), fill, move in, empty: the four statements of one run."""
    load_name = _PREFIX + table_name
    load = sql.Identifier(load_name)
    target = sql.Identifier(table_name)
    listed = sql.SQL(", ").join(map(sql.Identifier, columns))
    create = sql.SQL(
        "CREATE TEMPORARY TABLE IF NOT EXISTS {} ON COMMIT DELETE ROWS"
        " AS SELECT * FROM {} WITH NO DATA"
    ).format(load, target)
    fill = sql.SQL("COPY {} ({}) FROM STDIN").format(load, listed)
    return create, fill, *_moves(table_name, load_name, columns)


def _moves(table_name: str, load_name: str, columns: tuple[str, ...]) -> tuple[Query, Query]:
    """The INSERT ... SELECT ... ON CONFLICT (id) DO NOTHING and the emptying, as Core."""
    table: Table = schema.metadata.tables[table_name]
    load = table_clause(load_name, *(column_clause(c) for c in columns))
    move = Query(
        pg_insert(table)
        .from_select(list(columns), select(*(load.c[c] for c in columns)))
        .on_conflict_do_nothing(index_elements=[table.c.id])
    )
    return move, Query(delete(load))


def insert_by_copy(
    conn: psycopg.Connection[Any], query: Query, rows: Sequence[Mapping[str, Any]]
) -> None:
    """The rows of the plain insert ``query`` (all of one column set), by COPY."""
    assert query.plain_insert is not None
    assert query.columns is not None
    columns = tuple(query.columns)
    create, fill, move, empty = _statements(query.plain_insert, columns)
    with conn.cursor() as cur:
        cur.execute(create)
        with cur.copy(fill) as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        run(cur, move)
        run(cur, empty)


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

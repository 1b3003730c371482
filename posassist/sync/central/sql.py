"""SQLAlchemy Core statements on the central schema, compiled once for psycopg.

The central side talks to PostgreSQL through one raw psycopg connection (the link owns
its deadline and watchdog), so its SQL is written as Core constructs on the tables of
``posassist.sync.schema`` and compiled with SQLAlchemy's psycopg dialect, never built
from strings. A statement is compiled the first time it runs and the text is reused for
every later call and every row of an ``executemany``: the hot paths of a push run one
compiled text per table and column set, not one per op.

Bind casts are not rendered: values travel as psycopg adapts them (ids as uuid,
``Jsonb`` as jsonb), exactly as hand-written placeholders did, so a payload value of
the wrong type is refused by PostgreSQL instead of being cast into the column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache, cached_property
from typing import Any

import psycopg
from sqlalchemy import Table, bindparam, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.engine.interfaces import BindTyping
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from posassist.sync import schema

_DIALECT = PGDialect_psycopg()  # type: ignore[no-untyped-call]
_DIALECT.bind_typing = BindTyping.NONE
# The WHERE parameter of updates by id (a name no column has, so it cannot clash).
ROW_ID = "row_id"


class Query:
    """A Core statement and, once it has run, its compiled text for psycopg.

    ``columns`` names the values an INSERT or UPDATE takes (as ``column_keys``); any
    literal the statement holds itself (``entity = 'customer'``) is bound from the
    compiled parameters, so callers pass only the values that vary.
    """

    def __init__(
        self,
        statement: ClauseElement,
        columns: Sequence[str] | None = None,
        *,
        plain_insert: str | None = None,
    ) -> None:
        self.statement = statement
        self.columns = None if columns is None else list(columns)
        # The table this statement only inserts ``columns`` into, a row whose id exists
        # left as it is: many rows of it may go by COPY instead (``central/load.py``).
        self.plain_insert = plain_insert

    @cached_property
    def _compiled(self) -> tuple[str, dict[str, Any]]:
        compiled = self.statement.compile(dialect=_DIALECT, column_keys=self.columns)
        assert isinstance(compiled, SQLCompiler)
        if compiled.post_compile_params:
            raise TypeError("expanding parameters (IN lists) cannot be compiled once")
        given = {name for bind, name in compiled.bind_names.items() if bind.required}
        fixed = {name: value for name, value in compiled.params.items() if name not in given}
        return compiled.string, fixed

    @property
    def sql(self) -> str:
        return self._compiled[0]

    def params(self, values: Mapping[str, Any]) -> Mapping[str, Any]:
        fixed = self._compiled[1]
        return {**fixed, **values} if fixed else values


def run(
    conn: psycopg.Connection[Any] | psycopg.Cursor[Any], query: Query, **values: Any
) -> psycopg.Cursor[Any]:
    """Execute ``query`` once with ``values``; the cursor, for fetching."""
    return conn.execute(query.sql, query.params(values))


def run_many(cur: psycopg.Cursor[Any], query: Query, rows: Sequence[Mapping[str, Any]]) -> None:
    """One ``executemany`` of ``query`` over ``rows`` (pipelined by psycopg)."""
    cur.executemany(query.sql, [query.params(row) for row in rows])


# -- statements whose columns depend on the payload: one compiled text per shape --------
@cache
def insert_ignore(table_name: str, columns: tuple[str, ...]) -> Query:
    """INSERT of ``columns``, a row whose id exists already left as it is."""
    table = schema.metadata.tables[table_name]
    statement = pg_insert(table).on_conflict_do_nothing(index_elements=[table.c.id])
    return Query(statement, columns, plain_insert=table_name)


@cache
def upsert(table_name: str, columns: tuple[str, ...]) -> Query:
    """INSERT of ``columns``; a row whose id exists takes the new values instead."""
    table = schema.metadata.tables[table_name]
    stmt = pg_insert(table)
    changing = {c: stmt.excluded[c] for c in columns if c != "id"}
    if not changing:
        return insert_ignore(table_name, columns)
    return Query(stmt.on_conflict_do_update(index_elements=[table.c.id], set_=changing), columns)


@cache
def update_by_id(table_name: str, columns: tuple[str, ...]) -> Query:
    """UPDATE of ``columns`` in the row whose id is the parameter ``row_id``."""
    table = schema.metadata.tables[table_name]
    return Query(update(table).where(table.c.id == bindparam(ROW_ID)), columns)


def table_order(table: Table) -> int:
    """Where writes to ``table`` go in a batch: rows pointed at come before their pointers."""
    return _ORDER[table.name]


_ORDER = {t.name: i for i, t in enumerate(schema.metadata.sorted_tables)}

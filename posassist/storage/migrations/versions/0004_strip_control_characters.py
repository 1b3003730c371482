"""strip control characters from stored text (NUL, other C0 but tab/newline, DEL, C1)

Before issue 10 a NUL byte or another control character typed or imported into a
note, a vendor field or an imported id was stored as it came, and PostgreSQL then
refused the change for ever. The services refuse them now; this cleans what is
already stored: every text column of every local table, and the JSON payloads of
the outbox (so the changes still pending can be sent) and of sync problems. Values are changed
only where such a character occurs.

Revision ID: 0004
Revises: 0003
Create Date: 2027-01-10 09:00:00.000000
"""

import json
import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here on purpose (a migration must mean the same for ever): the characters
# posassist.domain.identifiers refuses, tab and newline aside.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_TEXT_TYPES = (sa.String, sa.Text)
# JSON columns holding text someone typed (outbox payloads pending or not, alike).
_JSON_COLUMNS = {("outbox", "payload"), ("sync_problem", "payload")}


def _strip(value: Any) -> Any:
    if isinstance(value, str):
        return _CONTROL.sub("", value)
    if isinstance(value, dict):
        return {_strip(k): _strip(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _clean_json(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None  # a damaged row is the sync's to dead-letter, not ours to guess at
    cleaned = _strip(data)
    return None if cleaned == data else json.dumps(cleaned)


def _clean_table(bind: sa.Connection, name: str, columns: list[str], json_cols: set[str]) -> None:
    table = sa.table(name, *(sa.column(c) for c in columns))
    rowid = sa.literal_column("rowid")
    for row in bind.execute(sa.select(rowid, *table.c)).all():
        changes: dict[str, Any] = {}
        for column, value in zip(columns, row[1:], strict=True):
            if column in json_cols:
                cleaned = _clean_json(value)
                if cleaned is not None:
                    changes[column] = cleaned
            elif isinstance(value, str) and _CONTROL.search(value):
                changes[column] = _CONTROL.sub("", value)
        if changes:
            bind.execute(sa.update(table).where(rowid == row[0]).values(**changes))


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    for name in inspector.get_table_names():
        if name == "alembic_version":
            continue
        columns: list[str] = []
        json_cols: set[str] = set()
        for col in inspector.get_columns(name):
            if (name, col["name"]) in _JSON_COLUMNS:
                json_cols.add(col["name"])
                columns.append(col["name"])
            elif isinstance(col["type"], _TEXT_TYPES):
                columns.append(col["name"])
        if not columns:
            continue
        _clean_table(bind, name, columns, json_cols)


def downgrade() -> None:
    """Nothing to undo: the stripped characters were never meant to be stored."""

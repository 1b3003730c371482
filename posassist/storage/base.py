"""Declarative base, naming convention and column types shared by every table.

The naming convention makes constraint names deterministic, which Alembic needs to
alter SQLite tables in batch mode and to compare the models with a migrated schema.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every ORM model in the local store (and the central schema)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Store instants as naive UTC, hand them back as aware UTC.

    SQLite has no time zone type; storing naive UTC keeps string order equal to time
    order (so indexes on time work), and refusing naive input catches local-time bugs
    at the boundary instead of in a report months later.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


def new_id() -> uuid.UUID:
    """A row id born on this register; UUIDs never collide across registers."""
    return uuid.uuid4()


def utcnow() -> datetime:
    """Now, aware UTC. One place so tests and clocks agree on the type."""
    return datetime.now(UTC)


def as_utc(value: object) -> datetime:
    """An instant an aggregate (``max()``) or a raw query read back, as aware UTC.

    Such values bypass :class:`UTCDateTime`: SQLite hands them back as naive UTC, or as
    the text it stores them as.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)

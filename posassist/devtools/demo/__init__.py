"""Demo and benchmark stores."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from posassist.devtools.demo.generator import DemoCounts, DemoSpec, build_demo_store
from posassist.storage.database import Database
from posassist.storage.orm import Customer


def ensure_demo_store(
    db: Database, spec: DemoSpec, today: date | None = None, now: datetime | None = None
) -> DemoCounts | None:
    """Build the demo store into ``db`` if it has no customers yet; None if it had.

    Nothing in it happens after ``now`` (by default the wall clock), nor on a day after
    its date in the store's timezone (``today`` None: that date)."""
    with db.read() as s:
        if s.scalar(select(func.count()).select_from(Customer)):
            return None
    with db.write() as s:
        return build_demo_store(s.connection(), spec, today, now)


__all__ = ["DemoCounts", "DemoSpec", "ensure_demo_store"]

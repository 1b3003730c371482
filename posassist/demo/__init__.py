"""Demo and benchmark stores."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from posassist.demo.generator import DemoCounts, DemoSpec, build_demo_store
from posassist.storage.database import Database
from posassist.storage.orm import Customer


def ensure_demo_store(db: Database, spec: DemoSpec, today: date) -> DemoCounts | None:
    """Build the demo store into ``db`` if it has no customers yet; None if it had."""
    with db.read() as s:
        if s.scalar(select(func.count()).select_from(Customer)):
            return None
    with db.write() as s:
        return build_demo_store(s.connection(), spec, today)


def demo_data_dir(base: Path) -> Path:
    """The demo store lives in its own folder, never mixed with a real store."""
    return base / "demo"


__all__ = ["DemoCounts", "DemoSpec", "demo_data_dir", "ensure_demo_store"]

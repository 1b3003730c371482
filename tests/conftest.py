"""Shared fixtures. Qt must be told to draw offscreen before any QApplication exists."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_QUICK_BACKEND", "software")

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from posassist.app import Backend, build_backend
from posassist.config import load_settings
from posassist.domain.clock import Clock
from posassist.services.context import open_context
from posassist.storage.database import open_database

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


class MovableClock:
    """A clock tests can move forward, so visit days can be made on purpose."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def make_backend(data_dir: Path, clock: Clock) -> Backend:
    settings = load_settings(data_dir=data_dir, env={})
    db = open_database(data_dir)
    return build_backend(settings, db, open_context(db, settings, clock=clock))


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(NOW)


@pytest.fixture
def backend(tmp_path: Path, clock: MovableClock) -> Iterator[Backend]:
    """An empty store in a real SQLite file."""
    b = make_backend(tmp_path / "store", clock)
    yield b
    b.close()

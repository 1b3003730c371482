"""Shared fixtures. Qt must be told to draw offscreen before any QApplication exists."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_QUICK_BACKEND", "software")

# The tests never see this machine's own printers: CUPS_SERVER points, from the start, at
# the socket the private scheduler (``cups_server``) will listen on. libcups inside Qt
# reads it once per process, so setting it later in a fixture would come too late for
# whichever test touched printing first, and a machine with a default printer would
# answer differently from one without (CI has no CUPS running at all).
os.environ["CUPS_SERVER"] = os.path.join(tempfile.mkdtemp(prefix="posassist-cups-"), "cups.sock")

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from posassist.app import Backend, build_backend
from posassist.config import load_settings
from posassist.domain.clock import Clock
from posassist.services.context import open_context
from posassist.storage.database import open_database
from tests.printing.cupsd import Cups, private_cupsd

_CUPS_ROOT = Path(os.environ["CUPS_SERVER"]).parent
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


@pytest.fixture(scope="session")
def cups_server() -> Iterator[Cups]:
    """A real, private CUPS (see :mod:`tests.printing.cupsd`), started once.

    Not under pytest's tmp folder: that is private to us (0700), and CUPS runs its
    filters and backends as its own user, who must reach them."""
    root = _CUPS_ROOT
    root.chmod(0o755)
    try:
        with private_cupsd(root) as server:
            yield server
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def cups(cups_server: Cups, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cups]:
    """The private scheduler with no queues; ``CUPS_SERVER`` points at it for this test."""
    monkeypatch.setenv("CUPS_SERVER", str(cups_server.socket))
    yield cups_server
    for name in cups_server.run("lpstat", "-e").split():
        cups_server.remove_queue(name)


def pytest_unconfigure(config: pytest.Config) -> None:
    """The private CUPS folder goes, also when no test started the scheduler."""
    shutil.rmtree(_CUPS_ROOT, ignore_errors=True)

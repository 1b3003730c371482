"""A real, private CUPS for the printing tests (see :mod:`tests.printing.cupsd`)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.printing.cupsd import Cups, private_cupsd


@pytest.fixture(scope="session")
def cups_server() -> Iterator[Cups]:
    """Not under pytest's tmp folder: that is private to us (0700), and CUPS runs its
    filters and backends as its own user, who must reach them."""
    root = Path(tempfile.mkdtemp(prefix="posassist-cups-"))
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

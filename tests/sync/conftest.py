"""A real PostgreSQL server for the sync tests, started and stopped by the tests.

The binaries come from the machine (``/usr/lib/postgresql/*/bin``, then ``PATH``) or
from the ``pgserver`` dev dependency. If none is found the tests FAIL: a sync suite
that silently skips would let every fault below go untested.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from posassist.devtools.pgserver import PgTestServer, find_pg_binaries, missing_reason
from posassist.sync.central import CentralTarget
from posassist.sync.migrate import init_central
from tests.sync.helpers import TEMPLATE, Central, Reg, open_register


@pytest.fixture(scope="session")
def pg() -> Iterator[PgTestServer]:
    binaries = find_pg_binaries()
    if binaries is None:
        pytest.fail(f"cannot run the sync tests: {missing_reason()}", pytrace=False)
    server = PgTestServer(binaries)
    try:
        server.start()
        server.create_database(TEMPLATE)
        init_central(CentralTarget(server.host, server.port, TEMPLATE, "postgres"))
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def central(pg: PgTestServer) -> Iterator[Central]:
    if not pg.is_running():  # a previous test may have left it stopped
        pg.start()
    name = f"c_{uuid.uuid4().hex[:12]}"
    pg.create_database(name, template=TEMPLATE)
    c = Central(pg, name)
    with c.connect() as conn:
        conn.execute("UPDATE central_info SET value = %s WHERE key = 'central_id'", (name,))
    yield c
    if not pg.is_running():
        pg.start()
        pg.wait_ready()


@pytest.fixture
def registers(tmp_path: Path, central: Central) -> Iterator[Callable[..., Reg]]:
    opened: list[Reg] = []

    def make(name: str, **kwargs: Any) -> Reg:
        reg = open_register(tmp_path / name.replace(" ", "_"), central, name=name, **kwargs)
        opened.append(reg)
        return reg

    yield make
    for reg in opened:
        reg.close()

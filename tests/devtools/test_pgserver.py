"""The throwaway server is found on any machine: system binaries, PATH, or pgserver."""

from __future__ import annotations

from pathlib import Path

import psycopg

from posassist.devtools.pgserver import PgTestServer, find_pg_binaries


def test_falls_back_to_the_pgserver_package_and_it_really_runs() -> None:
    binaries = find_pg_binaries(system_root=Path("/nonexistent"), search_path="")
    assert binaries is not None, "the pgserver dev dependency ships PostgreSQL binaries"
    assert "pgserver" in binaries.source
    server = PgTestServer(binaries)
    try:
        server.start()
        with psycopg.connect(**server.conninfo()) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        server.stop("immediate")
        assert not server.is_running()
    finally:
        server.cleanup()

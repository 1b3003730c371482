"""Each way a connection to the central database fails is told apart, against real servers.

A second, throwaway PostgreSQL (this module's own) asks for passwords, takes only TLS for
one database and has few connection slots; the shared test server (trust, no TLS) and an
in-test proxy cover the rest. Every case goes through the real CentralLink, and a few
through ``sync --once``, ``doctor`` and the status bar's words.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest

from posassist.cli import main
from posassist.devtools.pgserver import PgTestServer, find_pg_binaries, free_port
from posassist.errors import SyncError
from posassist.services.sync import SyncStatus
from posassist.sync.central import CentralLink, CentralTarget
from tests.sync.proxy import TcpProxy

PASSWORD = "correct horse"
SLOTS = 3  # connections left for ordinary users: max_connections - reserved


@pytest.fixture(scope="module")
def strict_pg() -> Iterator[PgTestServer]:
    """Passwords (scram), a TLS-only database, few slots: settings the shared one lacks."""
    binaries = find_pg_binaries()
    if binaries is None:
        pytest.fail("no PostgreSQL binaries for the connection tests", pytrace=False)
    server = PgTestServer(binaries)
    try:
        server.enable_ssl()
        server.configure(max_connections=str(SLOTS + 2), superuser_reserved_connections="2")
        server.write_hba(
            [
                "hostssl tlsonly all 127.0.0.1/32 scram-sha-256",
                "host all postgres 127.0.0.1/32 trust",
                "host postgres till 127.0.0.1/32 scram-sha-256",
            ]
        )
        server.start()
        with psycopg.connect(**server.conninfo(), autocommit=True) as conn:
            conn.execute(f"CREATE ROLE till LOGIN PASSWORD '{PASSWORD}'")
            conn.execute("CREATE DATABASE tlsonly")
        yield server
    finally:
        server.cleanup()


def _target(server: PgTestServer, **kw: object) -> CentralTarget:
    base: dict[str, object] = {
        "host": server.host,
        "port": server.port,
        "dbname": "postgres",
        "user": "till",
        "password": PASSWORD,
        "sslmode": "disable",
        "connect_timeout": 2,
    }
    base.update(kw)
    return CentralTarget(**base)  # type: ignore[arg-type]


def _fail(target: CentralTarget, op_timeout: float = 10.0) -> SyncError:
    link = CentralLink(lambda: target, op_timeout=op_timeout)
    with pytest.raises(SyncError) as caught, link.use() as conn:
        conn.execute("SELECT 1")
    link.close()
    return caught.value


def _no_network_advice(exc: SyncError) -> None:
    assert "Cannot reach" not in exc.message
    assert "network cable" not in str(exc)


def test_the_right_password_connects(strict_pg: PgTestServer) -> None:
    link = CentralLink(lambda: _target(strict_pg))
    with link.use() as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("till",)
    link.close()


def test_wrong_password(strict_pg: PgTestServer) -> None:
    exc = _fail(_target(strict_pg, password="wrong"))
    assert exc.kind == "password"
    assert "refused the password" in exc.message
    assert "till@127.0.0.1" in exc.message
    assert "posassist central password" in (exc.hint or "")
    _no_network_advice(exc)


def test_no_password_stored(strict_pg: PgTestServer) -> None:
    exc = _fail(_target(strict_pg, password=None))
    assert exc.kind == "no_password"
    assert "none is stored" in exc.message
    _no_network_advice(exc)


def test_unknown_user_behind_a_password_rule_reads_as_a_password_problem(
    strict_pg: PgTestServer,
) -> None:
    """PostgreSQL hides whether the user exists when it asks for a password: say both."""
    exc = _fail(_target(strict_pg, user="nobody_here"))
    assert exc.kind == "not_allowed"  # no rule for this database at all
    exc = _fail(_target(strict_pg, user="nobody_here", dbname="tlsonly", sslmode="require"))
    assert exc.kind == "password"
    assert "user does not exist" in (exc.hint or "")


def test_unknown_user(pg: PgTestServer) -> None:
    exc = _fail(_target(pg, user="nobody_here", password=None))
    assert exc.kind == "unknown_user"
    assert "no user of that name" in exc.message
    _no_network_advice(exc)


def test_missing_database(strict_pg: PgTestServer) -> None:
    exc = _fail(_target(strict_pg, user="postgres", password=None, dbname="no_such_db"))
    assert exc.kind == "no_database"
    assert "does not exist" in exc.message
    assert "createdb" in (exc.hint or "")
    _no_network_advice(exc)


def test_tls_required(strict_pg: PgTestServer) -> None:
    exc = _fail(_target(strict_pg, dbname="tlsonly", sslmode="disable"))
    assert exc.kind == "tls_required"
    assert "only encrypted (TLS)" in exc.message
    assert "sslmode = require" in (exc.hint or "")
    _no_network_advice(exc)
    link = CentralLink(lambda: _target(strict_pg, dbname="tlsonly", sslmode="require"))
    with link.use() as conn:  # and with TLS it works: the refusal was about TLS only
        assert conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()
    link.close()


def test_tls_required_by_the_client_but_not_offered(pg: PgTestServer) -> None:
    exc = _fail(_target(pg, user="postgres", password=None, sslmode="require"))
    assert exc.kind == "tls_unsupported"
    assert "does not support TLS" in exc.message
    _no_network_advice(exc)


def test_too_many_connections(strict_pg: PgTestServer) -> None:
    target = _target(strict_pg)
    with contextlib.ExitStack() as held:
        for _ in range(SLOTS):
            held.enter_context(psycopg.connect(**target.conninfo()))
        exc = _fail(target)
    assert exc.kind == "too_many_connections"
    assert "no free connections" in exc.message
    assert "max_connections" in (exc.hint or "")
    _no_network_advice(exc)


def test_server_unreachable() -> None:
    exc = _fail(CentralTarget("127.0.0.1", free_port(), "x", "postgres", connect_timeout=2))
    assert exc.kind == "unreachable"
    assert exc.message.startswith("Cannot reach the central database")
    assert "network cable" in (exc.hint or "")  # here it *is* the network


def test_server_hanging(pg: PgTestServer) -> None:
    proxy = TcpProxy(pg.port)
    proxy.hang()
    try:
        target = CentralTarget("127.0.0.1", proxy.port, "postgres", "postgres", connect_timeout=1)
        exc = _fail(target, op_timeout=5.0)
    finally:
        proxy.close()
    assert exc.kind == "timeout"
    assert "did not answer" in exc.message
    assert "network" in (exc.hint or "")


# -- where people see them ------------------------------------------------------------
def _config(tmp_path: Path, server: PgTestServer, **central: str) -> Path:
    values = {"database": "postgres", "user": "postgres", "sslmode": "prefer", **central}
    lines = "".join(f'{k} = "{v}"\n' for k, v in values.items())
    path = tmp_path / "settings.toml"
    path.write_text(
        '[store]\nbranch_code = "B01"\nregister_name = "Till 7"\n'
        f'[central]\nhost = "127.0.0.1"\nport = {server.port}\nconnect_timeout = 2\n{lines}',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("central", "says", "advice"),
    [
        ({"database": "no_such_db"}, "does not exist on that server", "createdb"),
        ({"user": "nobody_here"}, "has no user of that name", "CREATE ROLE"),
        ({"sslmode": "require"}, "does not support TLS", "ssl = on"),
    ],
)
def test_sync_once_and_doctor_name_the_problem(
    tmp_path: Path,
    pg: PgTestServer,
    capsys: pytest.CaptureFixture[str],
    central: dict[str, str],
    says: str,
    advice: str,
) -> None:
    common = (
        "--data-dir",
        str(tmp_path / "store"),
        "--config",
        str(_config(tmp_path, pg, **central)),
    )
    assert main(["sync", "--once", *common]) == 2
    out = capsys.readouterr()
    text = out.out + out.err
    assert says in text
    assert advice in text
    assert "network cable" not in text
    assert "Traceback" not in text
    assert main(["doctor", *common]) == 1
    out = capsys.readouterr()
    text = out.out + out.err
    assert says in text
    assert advice in text
    assert "network cable" not in text


def test_status_bar_names_the_problem(strict_pg: PgTestServer) -> None:
    from posassist.ui.sync_status import describe

    exc = _fail(_target(strict_pg, password="wrong"))
    at = datetime(2025, 3, 4, 19, 5, tzinfo=UTC)
    status = SyncStatus(
        "offline", 2, 0, 0, at, offline_since=at, error=str(exc), error_kind=exc.kind
    )
    text, tip = describe(status, ZoneInfo("UTC"))
    assert "password refused" in text
    assert 'href="password"' in text
    assert "cannot be reached" not in tip
    assert "did not let this register in" in tip
    assert "refused the password" in tip

    down = _fail(CentralTarget("127.0.0.1", free_port(), "x", "postgres", connect_timeout=2))
    status = SyncStatus(
        "offline", 2, 0, 0, at, offline_since=at, error=str(down), error_kind=down.kind
    )
    text, tip = describe(status, ZoneInfo("UTC"))
    assert "server unreachable" in text
    assert "password" not in text
    assert "cannot be reached" in tip

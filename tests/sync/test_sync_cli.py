"""Store IT's commands against a real server: central init, sync, doctor."""

from __future__ import annotations

from pathlib import Path

import pytest

from posassist.cli import main
from posassist.devtools.pgserver import PgTestServer, free_port
from posassist.services.customers import NewCustomer
from tests.sync.helpers import Central, open_register


def _config(tmp_path: Path, port: int, dbname: str) -> Path:
    path = tmp_path / "settings.toml"
    path.write_text(
        '[store]\nbranch_code = "B01"\nregister_name = "Till 7"\n'
        f'[central]\nhost = "127.0.0.1"\nport = {port}\ndatabase = "{dbname}"\n'
        'user = "postgres"\nconnect_timeout = 2\n',
        encoding="utf-8",
    )
    return path


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out + err


def test_central_init_then_sync_once_status_and_doctor(
    tmp_path: Path, pg: PgTestServer, central: Central, capsys: pytest.CaptureFixture[str]
) -> None:
    pg.create_database("fresh_chain")
    config = _config(tmp_path, pg.port, "fresh_chain")
    store = tmp_path / "store"
    common = ("--data-dir", str(store), "--config", str(config))

    code, out = _run(capsys, "sync", "--once", *common)
    assert code == 2
    assert "central init" in out  # says what to do, no traceback
    code, out = _run(capsys, "central", "init", *common)
    assert code == 0, out
    assert "Created the posassist schema" in out
    code, out = _run(capsys, "central", "init", *common)
    assert (code, "up to date" in out) == (0, True)

    reg = open_register(store, Central(pg, "fresh_chain"), name="Till 7")
    reg.backend.customers.create(NewCustomer("Ann Archer"))
    reg.close()
    code, out = _run(capsys, "sync", "--once", *common)
    assert code == 0, out
    assert "Sent 1 change," in out
    code, out = _run(capsys, "sync", "--status", *common)
    assert code == 0
    assert "Waiting to send:  0" in out
    code, out = _run(capsys, "doctor", *common)
    assert "answers" in out
    assert "passed SQLite's integrity check" in out

    pg.stop("immediate")
    try:
        code, out = _run(capsys, "doctor", *common)
        assert code == 1
        assert "PROBLEM" in out
        assert "Cannot reach the central database" in out
        code, out = _run(capsys, "sync", "--once", *common)
        assert code == 2
        assert "Cannot reach" in out
    finally:
        pg.start()


def test_doctor_names_a_missing_server_and_a_damaged_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, free_port(), "nowhere")
    store = tmp_path / "store"
    store.mkdir()
    (store / "posassist.sqlite3").write_bytes(b"not a database" * 100)
    code, out = _run(capsys, "doctor", "--data-dir", str(store), "--config", str(config))
    assert code == 1
    assert "not a posassist database" in out
    assert "Cannot reach the central database" in out
    assert "Traceback" not in out


def test_sync_commands_refuse_a_standalone_register(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "settings.toml"
    config.write_text('[store]\nname = "Shop"\n', encoding="utf-8")
    code, out = _run(
        capsys, "sync", "--status", "--data-dir", str(tmp_path), "--config", str(config)
    )
    assert code == 2
    assert "standalone" in out


def test_doctor_calls_a_newer_schema_store_a_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    from posassist.storage.database import open_database

    store = tmp_path / "store"
    open_database(store).close()
    conn = sqlite3.connect(store / "posassist.sqlite3")
    conn.execute("UPDATE alembic_version SET version_num = '0099_future'")
    conn.commit()
    conn.close()
    code, out = _run(capsys, "doctor", "--data-dir", str(store))
    assert code == 1
    assert "newer version of posassist" in out

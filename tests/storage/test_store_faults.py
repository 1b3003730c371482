"""A damaged store is never written to; a full, read-only or forbidden disk is not damage.

Real faults only: a page of the real store file overwritten, a 2 MB tmpfs filled up, a
read-only bind mount, an unprivileged user in a subprocess. Mounting needs root; where
the sandbox refuses it the mount tests are skipped with the reason.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import sqlite3
import subprocess
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest

from posassist.errors import InvalidInputError, StoreError
from posassist.services.customers import NewCustomer
from posassist.storage.database import STORE_FILENAME, open_database
from tests.conftest import MovableClock, make_backend

SECRETS = NewCustomer(
    display_name="Zebedee Quixoteworth",
    phone="+1 212 555 0199",
    email="zebedee.quixote@example.org",
    consent_contact=True,
    notes="allergic to walnuts, prefers Tuesday",
)
SECRET_STRINGS = ("Zebedee", "Quixote", "555 0199", "5550199", "zebedee.quixote", "walnuts")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cli(*args: str, user: str | None = None) -> subprocess.CompletedProcess[str]:
    prefix = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] if user else []
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": "/tmp"}
    return subprocess.run(
        [*prefix, sys.executable, "-m", "posassist", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def _store_with_a_customer(data_dir: Path, clock: MovableClock) -> None:
    backend = make_backend(data_dir, clock)
    try:
        backend.customers.create(SECRETS)
        backend.db.checkpoint()
    finally:
        backend.close()


def _damage_customer_table(store: Path) -> None:
    """Overwrite the customer table's root page: damage in the middle of the file."""
    conn = sqlite3.connect(store)
    (page_size,) = conn.execute("PRAGMA page_size").fetchone()
    (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name='customer'").fetchone()
    conn.close()
    with store.open("r+b") as fh:
        fh.seek((root - 1) * page_size)
        fh.write(b"\x0d\xff" * (page_size // 2))


@pytest.fixture
def damaged(tmp_path: Path, clock: MovableClock) -> Path:
    data_dir = tmp_path / "store"
    _store_with_a_customer(data_dir, clock)
    _damage_customer_table(data_dir / STORE_FILENAME)
    return data_dir


def test_quick_check_finds_damage_and_writes_are_refused(damaged: Path) -> None:
    store = damaged / STORE_FILENAME
    before = _digest(store)
    db = open_database(damaged)
    try:
        problem = db.quick_check()
        assert problem is not None
        assert problem.kind == "damaged"
        assert "posassist restore" in str(problem)
        with pytest.raises(StoreError, match="damaged") as refused, db.write():
            pass
        assert refused.value.kind == "damaged"
    finally:
        db.close()
    assert _digest(store) == before


def test_a_malformed_read_is_a_store_error_and_turns_the_store_read_only(
    damaged: Path, clock: MovableClock
) -> None:
    backend = make_backend(damaged, clock)
    try:
        with pytest.raises(StoreError) as exc:
            backend.customers.search("+1 212 555 0199")
        assert exc.value.kind == "damaged"
        assert backend.db.damage is not None
        with pytest.raises(StoreError, match="damaged"):
            backend.customers.create(NewCustomer(display_name="Ann Other"))
    finally:
        backend.close()


def test_cli_write_commands_check_first_and_leave_the_file(damaged: Path, tmp_path: Path) -> None:
    store = damaged / STORE_FILENAME
    before = _digest(store)
    csv = tmp_path / "v.csv"
    csv.write_text("name,phone\nNew Shop,+1 212 555 0100\n", encoding="utf-8")
    for args in (["vendors", "import", str(csv)], ["score"]):
        result = _cli("--data-dir", str(damaged), *args)
        assert result.returncode == 2, result.stderr
        assert "is damaged" in result.stderr
        assert "posassist restore" in result.stderr
        assert "Traceback" not in result.stderr
    assert _digest(store) == before


def test_smoke_test_fails_on_a_damaged_store(damaged: Path) -> None:
    result = _cli("--data-dir", str(damaged), "--smoke-test")
    assert result.returncode == 2
    assert "is damaged" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_zero_byte_store_is_reported_not_replaced(tmp_path: Path) -> None:
    (tmp_path / STORE_FILENAME).write_bytes(b"")
    with pytest.raises(StoreError, match="empty") as exc:
        open_database(tmp_path)
    assert exc.value.kind == "damaged"
    assert (tmp_path / STORE_FILENAME).stat().st_size == 0


# -- environment faults -------------------------------------------------------------


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    where = tmp_path / "disk"
    where.mkdir()
    try:
        _mount("-t", "tmpfs", "-o", "size=2m", "tmpfs", str(where))
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        pytest.skip(f"mounting a tmpfs is not permitted here: {exc}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.fixture
def read_only(tmp_path: Path, clock: MovableClock) -> Iterator[Path]:
    src = tmp_path / "src"
    _store_with_a_customer(src, clock)
    dst = tmp_path / "ro"
    dst.mkdir()
    try:
        _mount("--bind", str(src), str(dst))
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        pytest.skip(f"bind mounts are not permitted here: {exc}")
    try:
        _mount("-o", "remount,ro,bind", str(dst))
        yield dst
    finally:
        subprocess.run(["umount", "-l", str(dst)], check=False)


def _fill(disk: Path) -> None:
    with (disk / "filler").open(
        "wb", buffering=0
    ) as fh:  # unbuffered: nothing left to flush at close
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError:
            pass
        os.fsync(fh.fileno())


def test_disk_full_is_its_own_message_and_logs_no_personal_data(
    small_disk: Path, clock: MovableClock, capfd: pytest.CaptureFixture[str]
) -> None:
    from posassist.app.gui import CrashLog
    from posassist.app.log_scrub import ScrubFilter, configure_logging

    configure_logging()
    assert all(
        any(isinstance(f, ScrubFilter) for f in h.filters) for h in logging.getLogger().handlers
    )
    data_dir = small_disk / "store"
    backend = make_backend(data_dir, clock)
    crash_log = CrashLog(data_dir)
    try:
        _fill(small_disk)
        big = dataclasses.replace(SECRETS, notes=SECRETS.notes + " x" * 9_000)
        with pytest.raises(StoreError) as exc:
            backend.customers.create(big)
        assert exc.value.kind == "full"
        assert "full" in exc.value.message
        assert "restore" not in str(exc.value).replace("do not delete it or restore it", "")
        # What the app does with a failure: the crash log and the (scrubbed) log.

        text = "".join(traceback.format_exception(exc.value))
        (small_disk / "filler").unlink()
        crash_log.write(text)
        # The handler the CLI's configure_logging puts on the root logger, on its own
        # logger here (pytest's capture handlers sit on the root while tests run).
        handler = logging.StreamHandler(sys.stderr)
        handler.addFilter(ScrubFilter())
        logger = logging.getLogger("posassist.test.faults")
        logger.addHandler(handler)
        logger.propagate = False
        try:
            logger.error("write failed: %s", text, exc_info=exc.value)
        finally:
            logger.removeHandler(handler)
    finally:
        crash_log.close()
        backend.close()
    logged = (data_dir / "crash.log").read_text(encoding="utf-8") + capfd.readouterr().err
    assert "write failed" in logged
    for secret in SECRET_STRINGS:
        assert secret not in logged


def test_a_failed_statement_hides_its_parameters(
    backend: object, capfd: pytest.CaptureFixture[str]
) -> None:
    """A constraint failure (a bug) carries no bound values into its message."""
    from sqlalchemy import text

    from posassist.app.backend import Backend
    from posassist.app.log_scrub import scrub

    assert isinstance(backend, Backend)
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError) as exc, backend.db.write() as s:
        s.execute(text("INSERT INTO customer (id) VALUES (:v)"), {"v": SECRETS.email})
    assert SECRETS.email not in str(exc.value)
    leaked = f"boom [parameters: ('{SECRETS.display_name}', '{SECRETS.phone}')] {SECRETS.email}"
    for secret in SECRET_STRINGS:
        assert secret not in scrub(leaked)


def test_a_read_only_mount_is_not_damage(read_only: Path) -> None:
    result = _cli("--data-dir", str(read_only), "vendors", "import", "/dev/null")
    assert result.returncode == 2, result.stderr
    assert "read-only" in result.stderr.lower()
    assert "Traceback" not in result.stderr
    assert "is damaged" not in result.stderr


def test_permission_denied_is_not_damage(clock: MovableClock) -> None:
    """The store folder is root's; posassist runs as nobody, who may read but not write."""
    import shutil
    import tempfile

    top = Path(tempfile.mkdtemp(prefix="posassist-perm-", dir="/tmp"))
    try:
        top.chmod(0o755)
        data_dir = top / "store"
        _store_with_a_customer(data_dir, clock)
        data_dir.chmod(0o755)
        result = _cli("--data-dir", str(data_dir), "vendors", user="nobody")
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        assert "is damaged" not in result.stderr
        assert "permission denied" in result.stderr.lower()
        assert "do not delete it or restore it" in result.stderr
    finally:
        shutil.rmtree(top)


# -- safe export files ----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["symlink", "device", "folder"])
def test_exports_refuse_what_is_not_a_regular_file(
    backend: object, tmp_path: Path, kind: str
) -> None:
    from posassist.app.backend import Backend

    assert isinstance(backend, Backend)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    target = tmp_path / "out.csv"
    if kind == "symlink":
        target.symlink_to(victim)
    elif kind == "device":
        target = Path("/dev/null")
    else:
        target.mkdir()
    with pytest.raises(InvalidInputError, match="Cannot write"):
        backend.vendors.export_csv(target)
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert kind != "symlink" or target.is_symlink()
    assert Path("/dev/null").is_char_device()

"""A throwaway PostgreSQL server for the sync tests and ``posassist bench``.

DESIGN.md asks for real components in tests: the fault tests stop this server in the
middle of a push (``pg_ctl stop -m immediate``) the way a real outage would. The
binaries come, in order, from the machine's PostgreSQL (``/usr/lib/postgresql/*/bin``),
from ``PATH`` (``pg_ctl`` and ``initdb``), or from the ``pgserver`` pip package (a dev
dependency that ships the binaries). The caller decides what "not found" means: the
tests fail loudly, the bench prints the row as unavailable with :func:`missing_reason`.

The server listens on loopback only, trusts local connections (it holds nothing but
test data and lives in a temporary folder) and runs with ``fsync=off`` for speed.
PostgreSQL refuses to run as root, so under root it runs as the ``postgres`` user
(or ``nobody``) in a folder that user owns.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REQUIRED = ("initdb", "pg_ctl", "postgres")
SUPERUSER = "postgres"


@dataclass(frozen=True)
class PgBinaries:
    bindir: Path
    source: str  # where they were found, for messages

    def tool(self, name: str) -> str:
        return str(self.bindir / name)


def _complete(bindir: Path) -> bool:
    return all((bindir / name).is_file() for name in REQUIRED)


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", path.parent.name)) or (0,)


def find_pg_binaries() -> PgBinaries | None:
    """The first complete set of PostgreSQL server binaries, or None."""
    system = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True)
    for bindir in system:
        if _complete(bindir):
            return PgBinaries(bindir, f"system PostgreSQL ({bindir})")
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl and shutil.which("initdb"):
        bindir = Path(pg_ctl).resolve().parent
        if _complete(bindir):
            return PgBinaries(bindir, f"PATH ({bindir})")
    spec = importlib.util.find_spec("pgserver")
    if spec is not None and spec.origin is not None:
        bindir = Path(spec.origin).parent / "pginstall" / "bin"
        if _complete(bindir):
            return PgBinaries(bindir, f"the pgserver package ({bindir})")
    return None


def missing_reason() -> str:
    return (
        "no PostgreSQL server binaries found (looked in /usr/lib/postgresql/*/bin, for "
        "pg_ctl and initdb on PATH, and for the pgserver package); install PostgreSQL or "
        "run `python3 -m uv sync` to get pgserver"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_as() -> pwd.struct_passwd | None:
    """PostgreSQL will not run as root: pick an unprivileged account when we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' user exists")


class PgTestServer:
    """One PostgreSQL cluster in a temporary folder. Start, stop (even brutally), restart."""

    def __init__(self, binaries: PgBinaries, port: int | None = None) -> None:
        self.binaries = binaries
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self._user = _run_as()
        # Not under the caller's tmp_path: under root that is private to root, and the
        # server runs as another user.
        self.base = Path(tempfile.mkdtemp(prefix="posassist-pg-"))
        self.datadir = self.base / "data"
        self.sockdir = self.base / "sock"
        self.logfile = self.base / "server.log"
        self.sockdir.mkdir()
        if self._user is not None:
            for path in (self.base, self.sockdir):
                os.chown(path, self._user.pw_uid, self._user.pw_gid)
        self._initdb()

    # -- processes ---------------------------------------------------------------
    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        kwargs: dict[str, Any] = {}
        if self._user is not None:
            kwargs.update(user=self._user.pw_uid, group=self._user.pw_gid, extra_groups=[])
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        done = subprocess.run(
            list(args),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env=env,
            cwd=self.base,
            **kwargs,
        )
        if done.returncode != 0:
            log = self.logfile.read_text(errors="replace")[-2000:] if self.logfile.exists() else ""
            raise RuntimeError(
                f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}\n{log}"
            )
        return done

    def _initdb(self) -> None:
        self._run(
            self.binaries.tool("initdb"),
            "-D",
            str(self.datadir),
            "-U",
            SUPERUSER,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
            timeout=120,
        )
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.sockdir}'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "60",
            "shared_buffers": "32MB",
            "log_min_messages": "warning",
        }
        with (self.datadir / "postgresql.conf").open("a", encoding="utf-8") as fh:
            fh.write("\n# posassist test server\n")
            for key, value in settings.items():
                fh.write(f"{key} = {value}\n")

    def start(self) -> None:
        self._run(
            self.binaries.tool("pg_ctl"),
            "-D",
            str(self.datadir),
            "-l",
            str(self.logfile),
            "-w",
            "-t",
            "60",
            "start",
            timeout=90,
        )

    def stop(self, mode: str = "fast") -> None:
        """``mode="immediate"`` is a crash: no checkpoint, clients cut off mid-transaction."""
        self._run(self.binaries.tool("pg_ctl"), "-D", str(self.datadir), "-m", mode, "-w", "stop")

    def is_running(self) -> bool:
        return (self.datadir / "postmaster.pid").exists()

    def cleanup(self) -> None:
        if self.is_running():
            with contextlib.suppress(RuntimeError):
                self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)

    # -- connecting --------------------------------------------------------------
    def conninfo(self, dbname: str = "postgres", port: int | None = None) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": port or self.port,
            "user": SUPERUSER,
            "dbname": dbname,
            "connect_timeout": 5,
        }

    def create_database(self, name: str, template: str | None = None) -> None:
        import psycopg

        with psycopg.connect(**self.conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            if template:
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            else:
                conn.execute(f'CREATE DATABASE "{name}"')

    def wait_ready(self, timeout: float = 30.0) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(**self.conninfo()) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)


def start_test_server() -> PgTestServer:
    """Find binaries, init and start a server; raise RuntimeError with the reason if none."""
    binaries = find_pg_binaries()
    if binaries is None:
        raise RuntimeError(missing_reason())
    server = PgTestServer(binaries)
    try:
        server.start()
    except BaseException:
        server.cleanup()
        raise
    return server

"""A throwaway PostgreSQL server for the sync tests and ``posassist bench``.

DESIGN.md asks for real components in tests: the fault tests stop this server in the
middle of a push (``pg_ctl stop -m immediate``) the way a real outage would. The
binaries come, in order, from the machine's PostgreSQL (``/usr/lib/postgresql/*/bin``),
from ``PATH`` (``pg_ctl`` and ``initdb``), or from the ``pgserver`` pip package (a dev
dependency that ships the binaries). The caller decides what "not found" means: the
tests fail loudly, the bench prints the row as unavailable with :func:`missing_reason`.

The server listens on loopback only, trusts local connections (it holds nothing but
test data and lives in a temporary folder) and runs with ``fsync=off`` for speed
(``synchronous_commit`` stays on).
PostgreSQL refuses to run as root, so under root it runs as the ``postgres`` user
(or ``nobody``) in a folder that user owns.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
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


def find_pg_binaries(
    system_root: Path = Path("/usr/lib/postgresql"), search_path: str | None = None
) -> PgBinaries | None:
    """The first complete set of PostgreSQL server binaries, or None.

    ``system_root`` and ``search_path`` (default: ``PATH``) exist for the tests.
    """
    system = sorted(system_root.glob("*/bin"), key=_version_key, reverse=True)
    for bindir in system:
        if _complete(bindir):
            return PgBinaries(bindir, f"system PostgreSQL ({bindir})")
    pg_ctl = shutil.which("pg_ctl", path=search_path)
    if pg_ctl and shutil.which("initdb", path=search_path):
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


def _run_as() -> Any:
    """PostgreSQL will not run as root: pick an unprivileged account when we are root."""
    if os.name != "posix" or os.geteuid() != 0:
        return None
    import pwd  # POSIX only

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
            self._ensure_runnable()
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

    def _ensure_runnable(self) -> None:
        """Under root, make sure the unprivileged user can run the binaries.

        A clone under a private home folder (``/root/...``) hides a pip-installed
        PostgreSQL from that user; then the installation (bin, lib, share) is copied into
        our temporary folder rather than loosening permissions on the caller's folders.
        """
        try:
            self._run(self.binaries.tool("postgres"), "--version")
            return
        except (RuntimeError, PermissionError, OSError):
            install = self.binaries.bindir.parent
            if not (install / "lib").is_dir():
                raise
        # Keep the layout: pip wheels find their bundled libraries by a relative RPATH
        # ($ORIGIN/../../../pgserver.libs), i.e. next to the package folder.
        pkg = self.base / "pkg"
        copy = pkg / install.parent.name / install.name
        shutil.copytree(install, copy, symlinks=True)
        for libs in install.parent.parent.glob("*.libs"):
            shutil.copytree(libs, pkg / libs.name, symlinks=True)
        for path in (self.base, pkg, *pkg.rglob("*")):
            if path.is_symlink():
                continue
            path.chmod(0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644)
        self.binaries = PgBinaries(copy / "bin", f"{self.binaries.source}, copied to {copy}")
        self._run(self.binaries.tool("postgres"), "--version")

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
            # Safe against a killed server (the kernel still writes what it was given);
            # unsafe only against a power cut, which these tests do not simulate.
            # synchronous_commit stays on: with it off, a commit acknowledged to the
            # client can vanish in an immediate shutdown, and the tests would be right
            # to call that a lost op.
            "fsync": "off",
            "full_page_writes": "off",
            "max_connections": "60",
            "shared_buffers": "32MB",
            "log_min_messages": "warning",
        }
        with (self.datadir / "postgresql.conf").open("a", encoding="utf-8") as fh:
            fh.write("\n# posassist test server\n")
            for key, value in settings.items():
                fh.write(f"{key} = {value}\n")

    # -- settings for the connection-problem tests --------------------------------
    def configure(self, **settings: str) -> None:
        """Append ``postgresql.conf`` settings (values as written there, e.g. ``"'on'"``).

        Later lines win in postgresql.conf; they apply at the next start (or reload,
        for the settings PostgreSQL reloads).
        """
        with (self.datadir / "postgresql.conf").open("a", encoding="utf-8") as fh:
            for key, value in settings.items():
                fh.write(f"{key} = {value}\n")

    def write_hba(self, rules: list[str]) -> None:
        """Replace ``pg_hba.conf``. Local (socket) connections stay trusted, so the
        superuser can always set up; ``rules`` are the TCP ones, first match wins."""
        text = "local all all trust\n" + "".join(f"{rule}\n" for rule in rules)
        (self.datadir / "pg_hba.conf").write_text(text, encoding="utf-8")

    def enable_ssl(self) -> None:
        """``ssl = on`` with a self-signed certificate made by ``openssl req``.

        Run as the server's user (under root), so the key belongs to it: PostgreSQL
        refuses a key file another user can read.
        """
        openssl = shutil.which("openssl")
        if openssl is None:
            raise RuntimeError("openssl is needed to make the test server's certificate")
        self._run(
            openssl, "req", "-new", "-x509", "-nodes", "-days", "2", "-subj", "/CN=localhost",
            "-newkey", "rsa:2048", "-keyout", str(self.datadir / "server.key"),
            "-out", str(self.datadir / "server.crt"),
        )  # fmt: skip
        (self.datadir / "server.key").chmod(0o600)
        self.configure(ssl="on", ssl_cert_file="'server.crt'", ssl_key_file="'server.key'")

    def reload(self) -> None:
        """Re-read pg_hba.conf and the reloadable settings without dropping anyone."""
        self._run(self.binaries.tool("pg_ctl"), "-D", str(self.datadir), "reload")

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
        from psycopg import sql

        with psycopg.connect(**self.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
            if template:
                create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
            conn.execute(create)

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

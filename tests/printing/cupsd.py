"""A private CUPS scheduler for the printing tests, like tests/sync starts PostgreSQL.

``cupsd -f`` runs on a temporary ServerRoot and listens only on a Unix socket in that
folder, so the tests can add, pause and reject queues without touching the machine's
own printers. Setting ``CUPS_SERVER`` to the socket points ``lpstat``, ``lp``,
``lpadmin`` and libcups (Qt's print plugin) at it. Queues print to files (a
``capture:`` backend of the tests' own) or to the real cups-pdf.

The binaries are a hard requirement, never a skip: when they are missing and we are
root with apt-get, they are installed; otherwise the set-up fails and says how.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CUPS_BINARIES = ("cupsd", "lpadmin", "lpstat", "lp", "cupsdisable", "cupsreject")
SBIN = ("/usr/sbin", "/sbin")
PPD = "lsb/usr/cups-pdf/CUPS-PDF_opt.ppd"
SYSTEM_SERVER_BIN = Path("/usr/lib/cups")

# Two backends of our own beside the system's: ``capture:<path>`` writes the job's bytes
# (after CUPS's filters) to a file, ``jam:/`` reports an empty paper tray as a real
# printer's backend does (the STATE: line), so "the printer reports a problem" is tested
# on CUPS's own state reasons, not on a parser fed a string.
_CAPTURE = """#!/bin/sh
if [ $# -eq 0 ]; then echo 'direct capture "Unknown" "Test capture"'; exit 0; fi
out="${DEVICE_URI#capture:}"
if [ -n "$6" ]; then cat "$6" > "$out.part"; else cat > "$out.part"; fi
mv "$out.part" "$out"
"""
_JAM = """#!/bin/sh
if [ $# -eq 0 ]; then echo 'direct jam "Unknown" "Test jam"'; exit 0; fi
cat > /dev/null
echo "STATE: +media-empty-error" >&2
echo "ERROR: The paper tray is empty" >&2
exit 1
"""


def _server_bin(root: Path) -> Path:
    """The system's filters and backends (linked), plus capture and jam."""
    server_bin = root / "bin"
    for sub in SYSTEM_SERVER_BIN.iterdir():
        if sub.name != "backend":
            (server_bin / sub.name).symlink_to(sub)
    backends = server_bin / "backend"
    backends.mkdir()
    for backend in (SYSTEM_SERVER_BIN / "backend").iterdir():
        (backends / backend.name).symlink_to(backend)
    for name, text in (("capture", _CAPTURE), ("jam", _JAM)):
        (backends / name).write_text(text, encoding="utf-8")
        os.chmod(backends / name, 0o755)
    return server_bin


def _which(name: str) -> str | None:
    path = os.pathsep.join([os.environ.get("PATH", ""), *SBIN])
    return shutil.which(name, path=path)


def ensure_cups_installed() -> None:
    """Install cups + cups-pdf when missing (root with apt-get), else fail loudly."""
    if all(_which(name) for name in CUPS_BINARIES):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "cups", "cups-pdf"], check=True, env=env)
    missing = [name for name in CUPS_BINARIES if not _which(name)]
    if missing:
        raise RuntimeError(
            f"The printing tests need a real CUPS; missing: {', '.join(missing)}. "
            "Install it (Debian/Ubuntu: apt-get install cups cups-pdf; Fedora: dnf install cups)."
        )


@dataclass
class Cups:
    """A running private scheduler: its socket, and helpers to shape its queues."""

    root: Path
    socket: Path
    out: Path

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "CUPS_SERVER": str(self.socket), "LANG": "C", "LC_ALL": "C"}

    def run(self, *argv: str) -> str:
        tool = _which(argv[0]) or argv[0]
        done = subprocess.run(
            [tool, *argv[1:]], env=self.env, capture_output=True, text=True, timeout=30
        )
        if done.returncode:
            raise RuntimeError(f"{' '.join(argv)} failed: {done.stderr.strip()}")
        return done.stdout

    def add_queue(self, name: str) -> Path:
        """A PDF-accepting queue whose output lands in ``out/<name>.pdf``."""
        target = self.out / f"{name}.pdf"
        self.run("lpadmin", "-p", name, "-E", "-v", f"capture:{target}", "-m", PPD)
        return target

    def add_jammed_queue(self, name: str) -> None:
        """A queue whose printer answers its first job with "out of paper"."""
        self.run("lpadmin", "-p", name, "-E", "-v", "jam:/", "-m", PPD)
        self.run("lpadmin", "-p", name, "-o", "printer-error-policy=abort-job")

    def remove_queue(self, name: str) -> None:
        self.run("lpadmin", "-x", name)


_CUPSD_CONF = """\
Listen {socket}
LogLevel warn
MaxLogSize 0
WebInterface No
Browsing No
DefaultAuthType None
<Location />
  Order allow,deny
  Allow all
</Location>
<Location /admin>
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order allow,deny
    Allow all
  </Limit>
</Policy>
"""

_FILES_CONF = """\
ServerRoot {root}
RequestRoot {root}/spool
CacheDir {root}/cache
StateDir {root}/state
TempDir {root}/tmp
ErrorLog {root}/error_log
AccessLog {root}/access_log
PageLog {root}/page_log
ServerBin {server_bin}
SystemGroup root
"""


@contextmanager
def private_cupsd(root: Path) -> Iterator[Cups]:
    """Start ``cupsd -f`` in ``root``; stop it (and wait) on the way out."""
    ensure_cups_installed()
    for sub in ("spool", "cache", "state", "tmp", "ppd", "out", "bin"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    os.chmod(root / "out", 0o777)  # the capture backend runs as CUPS's own user
    os.chmod(root / "tmp", 0o1777)
    socket = root / "cups.sock"
    (root / "cupsd.conf").write_text(_CUPSD_CONF.format(socket=socket), encoding="utf-8")
    files = root / "cups-files.conf"
    server_bin = _server_bin(root)
    files.write_text(_FILES_CONF.format(root=root, server_bin=server_bin), encoding="utf-8")
    cupsd = _which("cupsd") or "cupsd"
    proc = subprocess.Popen(
        [cupsd, "-f", "-c", str(root / "cupsd.conf"), "-s", str(files)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # it logs to error_log in the root
    )
    cups = Cups(root=root, socket=socket, out=root / "out")
    try:
        _wait_until_up(cups, proc)
        yield cups
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_until_up(cups: Cups, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log = cups.root / "error_log"
            detail = log.read_text(errors="replace") if log.exists() else ""
            raise RuntimeError(f"cupsd exited ({proc.returncode}): {detail}")
        if cups.socket.exists():
            done = subprocess.run(
                [_which("lpstat") or "lpstat", "-r"],
                env=cups.env,
                capture_output=True,
                text=True,
                timeout=10,
            )
            if "is running" in done.stdout:
                return
        time.sleep(0.05)
    raise RuntimeError("cupsd did not answer on its socket within 20 s")

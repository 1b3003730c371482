"""CUPS's own answer about a printer, and sending the slip PDF to it as it is.

Qt's printer list says a queue exists and, at best, that it is idle or in error. It
cannot tell "the print server is down" from "no printer installed", nor "the queue is
paused" from "out of paper", and those need different fixes. CUPS can: ``lpstat`` reads
the IPP attributes printer-state, printer-state-reasons and printer-is-accepting-jobs.
The CUPS command-line clients exist on Linux and macOS and are simply absent on Windows,
where every function here answers None and the caller falls back on Qt alone.

A CUPS queue also takes PDF as it is (``lp -d NAME slip.pdf``): the driver gets the
slip's vector text and lines instead of a 300 dpi picture of them, so the print is
sharp and its text stays text (searchable in a PDF printer's output).

No Qt here: the subprocesses honour ``CUPS_SERVER`` from the environment at each call,
which libcups inside Qt reads only once per process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "LpstatUnavailableError",
    "QueueState",
    "cups_client",
    "default_queue",
    "problem_reasons",
    "queue_names",
    "queue_state",
    "scheduler_running",
    "submit_pdf",
    "submit_raw",
]

TIMEOUT_S = 10.0
"""A hung scheduler must not hang the register: every call gives up after this."""

# printer-state-reasons that are not trouble: "paused" is told apart on its own, and a
# "-report" or "-warning" suffix is news, not a stop (RFC 8011 5.4.12) -- except that
# CUPS reports an unplugged printer as "offline-report".
_HARMLESS = {"none", "paused", "cups-waiting-for-job-completed"}
_NEWS = ("-report", "-warning")


class LpstatUnavailableError(Exception):
    """``lpstat`` did not run to the end (timed out or could not start)."""


def cups_client() -> str | None:
    """The ``lpstat`` program, or None on a computer without CUPS (Windows)."""
    return shutil.which("lpstat")


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LANG": "C", "LC_ALL": "C"}  # lpstat's words are parsed below
    try:
        return subprocess.run(
            argv, env=env, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LpstatUnavailableError(str(exc)) from exc


def scheduler_running() -> bool | None:
    """Whether cupsd answers; None when this computer has no CUPS client."""
    lpstat = cups_client()
    if lpstat is None:
        return None
    try:
        done = _run([lpstat, "-r"])
    except LpstatUnavailableError:
        return False
    return "scheduler is running" in done.stdout


def queue_names() -> list[str] | None:
    """Every queue the scheduler knows, None without CUPS (or when it is down)."""
    lpstat = cups_client()
    if lpstat is None:
        return None
    try:
        done = _run([lpstat, "-e"])
    except LpstatUnavailableError:
        return None
    if done.returncode:
        return [] if "No destinations" in done.stderr else None
    return [line.strip() for line in done.stdout.splitlines() if line.strip()]


@dataclass(frozen=True, slots=True)
class QueueState:
    """What CUPS says about one queue (IPP printer-* attributes, via ``lpstat``)."""

    name: str
    enabled: bool
    accepting: bool
    reasons: tuple[str, ...]
    message: str  # printer-state-message, or the reason given with cupsdisable/cupsreject

    @property
    def problems(self) -> tuple[str, ...]:
        return problem_reasons(self.reasons)


def problem_reasons(reasons: tuple[str, ...]) -> tuple[str, ...]:
    """The reasons that keep a job from coming out (errors, warnings, offline)."""
    return tuple(
        r
        for r in reasons
        if r == "offline-report" or (r not in _HARMLESS and not r.endswith(_NEWS))
    )


def queue_state(name: str) -> QueueState | None:
    """CUPS's view of queue ``name``; None if CUPS is absent or does not know it."""
    lpstat = cups_client()
    if lpstat is None:
        return None
    try:
        printer = _run([lpstat, "-l", "-p", name])
        accepting = _run([lpstat, "-a", name])
    except LpstatUnavailableError:
        return None
    if printer.returncode or accepting.returncode:
        return None
    return parse_state(name, printer.stdout, accepting.stdout)


def parse_state(name: str, printer: str, accepting: str) -> QueueState:
    """Read ``lpstat -l -p NAME`` and ``lpstat -a NAME`` (C locale)."""
    lines = printer.splitlines()
    enabled = bool(lines) and " disabled since " not in lines[0]
    reasons: tuple[str, ...] = ()
    for line in lines[1:]:
        key, _, value = line.strip().partition(":")
        if key == "Alerts":
            reasons = tuple(value.split())
    accept_lines = accepting.splitlines()
    takes_jobs = bool(accept_lines) and " not accepting requests" not in accept_lines[0]
    message = _reason_line(lines) or _reason_line(accept_lines)
    return QueueState(name, enabled, takes_jobs, reasons, message)


def _reason_line(lines: list[str]) -> str:
    """The free text under a head line ending in " -" (printer-state-message)."""
    if len(lines) > 1 and lines[0].rstrip().endswith(" -"):
        return lines[1].strip()
    return ""


def default_queue() -> str | None:
    """The default destination CUPS names ("" for none), None without CUPS."""
    lpstat = cups_client()
    if lpstat is None:
        return None
    try:
        done = _run([lpstat, "-d"])
    except LpstatUnavailableError:
        return None
    _, found, name = done.stdout.partition("system default destination:")
    return name.strip() if found else ""


def submit_raw(name: str, data: bytes, *, title: str) -> str:
    """``lp -o raw`` the bytes (ESC/POS) to queue ``name``, through no filter; returns
    CUPS's request id. Raises OSError with lp's own words when the job is refused."""
    lp = shutil.which("lp")
    if lp is None:
        raise OSError("the CUPS command lp is not installed")
    env = {**os.environ, "LANG": "C", "LC_ALL": "C"}
    try:
        done = subprocess.run(
            [lp, "-d", name, "-t", title, "-o", "raw"],
            input=data,
            env=env,
            capture_output=True,
            timeout=TIMEOUT_S * 3,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise OSError("the print server did not take the job in time") from exc
    if done.returncode:
        words = done.stderr.decode(errors="replace").strip().removeprefix("lp:").strip()
        raise OSError(words or f"lp exited with {done.returncode}")
    out = done.stdout.decode(errors="replace").strip()
    return out.split("request id is ", 1)[-1].split(" ", 1)[0] if out else ""


def submit_pdf(name: str, pdf: Path, *, title: str, media: str | None) -> str:
    """``lp`` the PDF file to queue ``name``; returns CUPS's request id.

    ``media`` is a CUPS size (``Custom.226.8x566.9`` in points) so a roll or a half
    sheet gets the slip's own page; a driver that knows no custom size keeps its own.
    Raises OSError with lp's own words when the job is refused.
    """
    lp = shutil.which("lp")
    if lp is None:
        raise OSError("the CUPS command lp is not installed")
    argv = [lp, "-d", name, "-t", title]
    if media:
        argv += ["-o", f"media={media}"]
    argv.append(str(pdf))
    env = {**os.environ, "LANG": "C", "LC_ALL": "C"}
    try:
        done = subprocess.run(
            argv, env=env, capture_output=True, text=True, timeout=TIMEOUT_S * 3, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise OSError("the print server did not take the job in time") from exc
    if done.returncode:
        words = done.stderr.strip().removeprefix("lp:").strip()
        raise OSError(words or f"lp exited with {done.returncode}")
    out = done.stdout.strip()
    return out.split("request id is ", 1)[-1].split(" ", 1)[0] if out else ""

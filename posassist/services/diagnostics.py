"""Diagnostics: check a register PC and say, in plain words, what to do.

``posassist doctor`` prints these findings; the window can show the same list. Every
check is independent and read-only (the store is opened read-only, without the
instance lock, so it also works while the window is open). Each finding is "ok",
"warning" (works, but someone should look) or "problem" (something does not work).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from posassist.config import Settings
from posassist.domain.wording import plural
from posassist.errors import (
    KnownError,
    NoPrinterError,
    PrinterError,
    SecretStoreError,
    SyncError,
)

if TYPE_CHECKING:
    from posassist.storage.database import StoreCheck

Level = Literal["ok", "warning", "problem"]
MIN_FREE_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class Finding:
    level: Level
    what: str
    todo: str = ""


def check_data_dir(settings: Settings) -> list[Finding]:
    path = settings.data_dir
    if not path.exists():
        return [
            Finding(
                "warning",
                f"The data folder {path} does not exist yet.",
                "It is created when posassist first starts; nothing to do unless you "
                "expected a store there (check --data-dir / POSASSIST_DATA_DIR).",
            )
        ]
    if not os.access(path, os.W_OK):
        return [
            Finding(
                "problem",
                f"The data folder {path} is not writable by this user.",
                "Give the cashier's user account write access to it.",
            )
        ]
    free = shutil.disk_usage(path).free
    if free < MIN_FREE_BYTES:
        return [
            Finding(
                "problem",
                f"Only {free // (1024 * 1024)} MB free on the disk of {path}.",
                "Free disk space: the store cannot grow and sync cannot queue changes.",
            )
        ]
    return [Finding("ok", f"Data folder {path} is writable ({free // 2**30} GB free).")]


def check_store(settings: Settings) -> list[Finding]:
    from posassist.storage.database import (
        SCHEMA_HEAD,
        STORE_FILENAME,
        check_store_file,
        inspect_existing_file,
    )

    path = settings.data_dir / STORE_FILENAME
    if not path.exists():
        return [Finding("ok", f"No store file yet at {path} (a new one is made at start-up).")]
    try:
        revision = inspect_existing_file(path)
        if revision != SCHEMA_HEAD:
            from posassist.storage.migrate import check_revision_known

            check_revision_known(revision, path)  # a newer posassist's store: refused
        check = check_store_file(path)
    except KnownError as exc:
        return [Finding("problem", exc.message, exc.hint or "")]
    findings: list[Finding] = []
    result = check.integrity
    if result != ["ok"]:
        findings.append(
            Finding(
                "problem",
                f"The store {path} is damaged: {'; '.join(result[:3])}.",
                "Close posassist and restore the store from a backup (or from the central "
                "database: an empty store pulls everything back on its first sync).",
            )
        )
    else:
        findings.append(Finding("ok", f"Store {path} passed SQLite's integrity check."))
    if revision != SCHEMA_HEAD:
        findings.append(
            Finding(
                "ok",
                f"The store has schema {revision}; it is updated to {SCHEMA_HEAD} when "
                "posassist starts.",
            )
        )
    return findings + _outbox_findings(settings, check)


def _outbox_findings(settings: Settings, check: StoreCheck) -> list[Finding]:
    findings: list[Finding] = []
    if check.dead:
        findings.append(
            Finding(
                "warning",
                f"{plural(check.dead, 'change was', 'changes were')} refused by the "
                "central database.",
                "See them with `posassist sync --status`; fix the cause centrally, then run "
                "`posassist sync --retry-refused`.",
            )
        )
    if check.problems:
        findings.append(
            Finding(
                "warning",
                f"{plural(check.problems, 'change')} from other registers could not be "
                "applied here.",
                "See them and their reasons with `posassist sync --status`; they are kept, "
                "and sync goes on past them.",
            )
        )
    if settings.central.enabled:
        findings.append(Finding("ok", f"{plural(check.pending, 'change')} waiting to be sent."))
    elif check.pending:
        # A standalone register keeps its change log in case a central database is added
        # later; nothing is stuck, so this is no problem and no warning either.
        findings.append(
            Finding(
                "ok",
                f"{plural(check.pending, 'change is', 'changes are')} kept for a central "
                "database; none is configured (standalone), so nothing is waiting to be sent.",
            )
        )
    return findings


def check_keyring(settings: Settings) -> list[Finding]:
    from posassist.secrets import keyring_problem

    try:
        problem = keyring_problem()
    except Exception as exc:  # noqa: BLE001 — a broken keyring install is itself the finding
        problem = f"The keyring library failed to load ({exc})."
    if problem is None:
        return [Finding("ok", "An OS keyring is available for the central password.")]
    if not settings.central.enabled:
        return [Finding("ok", f"{problem} (Not needed: no central database is configured.)")]
    return [
        Finding(
            "warning",
            problem,
            "posassist works, but asks for the central password in the window after every "
            "start. Install and unlock an OS keyring, then run `posassist central password`.",
        )
    ]


def check_central(settings: Settings) -> list[Finding]:
    if not settings.central.enabled:
        return [Finding("ok", "Standalone register: no central database configured.")]
    from posassist.secrets import KeyringSecretStore, central_password_key
    from posassist.sync.central import CentralTarget
    from posassist.sync.migrate import central_head, central_revision

    password = None
    try:
        password = KeyringSecretStore().get(central_password_key(settings.central))
    except SecretStoreError:
        password = None  # reported by the keyring check; try without (trust/.pgpass auth)
    target = CentralTarget.from_settings(settings.central, password)
    t0 = time.perf_counter()
    try:
        revision = central_revision(target)
    except SyncError as exc:
        return [Finding("problem", exc.message, exc.hint or _NETWORK_TODO)]
    ms = (time.perf_counter() - t0) * 1000
    if revision != central_head():
        return [
            Finding(
                "problem",
                f"The central database has schema {revision}, this posassist expects "
                f"{central_head()}.",
                "Run `posassist central init` with the newest posassist of the chain.",
            )
        ]
    return [Finding("ok", f"Central database {target.describe()} answers ({ms:.0f} ms).")]


_NETWORK_TODO = (
    "Check the network cable or Wi-Fi, that the server is up, and [central] host/port in "
    "the settings. The register keeps working offline meanwhile."
)


def check_sync_clock(settings: Settings) -> list[Finding]:
    """The PC clock against the server's (last measured), and a restore of central met."""
    if not settings.central.enabled:
        return []
    from posassist.services.sync import clock_off, describe_restore, status_report

    try:
        report = status_report(settings.data_dir)
    except KnownError:
        return []  # no store yet, or not migrated: check_store says so
    findings: list[Finding] = []
    skew = clock_off(report.clock_offset_ms)
    if report.clock_offset_ms is None:
        findings.append(
            Finding(
                "warning",
                "This register has never reached the central database, so its clock is "
                "unchecked: edits are stamped with the PC's own clock.",
                "Connect it once; from then on its edits carry the server-corrected time.",
            )
        )
    elif skew:
        findings.append(
            Finding(
                "warning",
                f"This PC's clock is {skew} of the central server's (edits are stamped with "
                "the corrected time).",
                "Set the PC's date and time right (turn on automatic time): reports, "
                "visit times and receipts use the PC's clock.",
            )
        )
    else:
        off = abs(report.clock_offset_ms) / 1000
        findings.append(Finding("ok", f"PC clock within {off:.1f} s of the central server."))
    if report.restore is not None:
        findings.append(
            Finding(
                "warning",
                describe_restore(report.restore),
                "Nothing to repair: check that every register has synced since (their "
                "`doctor` says the same), then this note can be ignored.",
            )
        )
    return findings


def check_escpos(settings: Settings) -> list[Finding]:
    """The ESC/POS printer of the profile can be reached: a TCP connect with a short
    timeout (nothing is printed), or the raw CUPS queue exists and takes jobs."""
    from posassist.printing.escpos_slip import probe
    from posassist.services.printers import escpos_printer

    printer = dataclasses.replace(escpos_printer(settings.printing), timeout=3.0)
    t0 = time.perf_counter()
    try:
        probe(printer)
    except PrinterError as exc:
        return [Finding("problem", exc.message, exc.hint or "")]
    ms = (time.perf_counter() - t0) * 1000
    what = printer.describe()
    return [Finding("ok", f"Slips print in ESC/POS on {what}, which answers ({ms:.0f} ms).")]


def check_printer(settings: Settings) -> list[Finding]:
    """The same readiness check printing does: a paused queue, a stopped print server
    or a printer out of paper is a problem; no printer at all only a warning (slips
    can still be saved as PDF) unless the settings name one. An ESC/POS profile is
    checked by :func:`check_escpos` instead."""
    if settings.printing.mode == "escpos":
        return check_escpos(settings)
    try:
        from posassist.printing import qt_print
    except ImportError as exc:
        return [
            Finding(
                "warning",
                f"Qt printing is not available ({exc}).",
                "Reinstall posassist; referral slips can only be saved as PDF meanwhile.",
            )
        ]
    wanted = settings.printing.printer.strip()
    try:
        ready = qt_print.printer_ready(wanted)
    except NoPrinterError as exc:
        return [Finding("problem" if wanted else "warning", exc.message, exc.hint or "")]
    except PrinterError as exc:
        return [Finding("problem", exc.message, exc.hint or "")]
    how = "the slip PDF goes to CUPS as it is" if ready.cups else "printed through Qt"
    if wanted:
        return [Finding("ok", f"Slip printer {ready.name!r} is ready ({how}).")]
    return [Finding("ok", f"Slips go to the default printer {ready.name!r} ({how}).")]


def check_logo(settings: Settings) -> list[Finding]:
    """The slip logo is read again here: the file may have changed since start-up."""
    from posassist.config import LOGO_HINT, logo_problem

    logo = settings.store.logo.strip()
    if not logo:
        return [Finding("ok", "No slip logo is set ([store] logo).")]
    problem = logo_problem(logo)
    if problem is None:
        return [Finding("ok", f"Slip logo {logo!r} is a readable image.")]
    return [
        Finding(
            "problem",
            f"The slip logo {logo!r} {problem}: referral slips cannot be made.",
            LOGO_HINT,
        )
    ]


def check_qt_libraries(settings: Settings) -> list[Finding]:
    """The same check the window makes before it starts (Linux only): the system
    libraries Qt's xcb plugin loads, each by name."""
    if sys.platform != "linux":
        return []
    from posassist.services.qt_libs import missing_qt_library

    missing = missing_qt_library()
    if missing is None:
        return [Finding("ok", "The system libraries Qt needs for the window are installed.")]
    return [
        Finding(
            "problem",
            f"The window cannot open: the system library {missing.soname} is missing.",
            f"Install it with: {missing.install_command()}",
        )
    ]


CHECKS = (
    check_data_dir,
    check_store,
    check_keyring,
    check_central,
    check_qt_libraries,
    check_sync_clock,
    check_printer,
    check_logo,
)


def run_checks(settings: Settings) -> list[Finding]:
    """Every check, in the order a person fixes things: folder, store, keyring, network."""
    findings: list[Finding] = []
    for check in CHECKS:
        findings.extend(check(settings))
    return findings


def summary(findings: list[Finding]) -> str:
    problems = sum(f.level == "problem" for f in findings)
    warnings = sum(f.level == "warning" for f in findings)
    if not problems and not warnings:
        return "All checks passed."
    return f"{plural(problems, 'problem')}, {plural(warnings, 'warning')}."

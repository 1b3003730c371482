"""``posassist doctor``: check a register PC and say, in plain words, what to do.

Every check is independent and read-only (the store is opened read-only, without
the instance lock, so it also works while the window is open). Each finding is "ok",
"warning" (works, but someone should look) or "problem" (something does not work);
the exit code is 1 when there is at least one problem, so a script can alert IT.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from posassist.config import Settings
from posassist.errors import KnownError

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
    from posassist.storage.database import SCHEMA_HEAD, STORE_FILENAME, inspect_existing_file

    path = settings.data_dir / STORE_FILENAME
    if not path.exists():
        return [Finding("ok", f"No store file yet at {path} (a new one is made at start-up).")]
    try:
        revision = inspect_existing_file(path)
        if revision != SCHEMA_HEAD:
            from posassist.storage.migrate import check_revision_known

            check_revision_known(revision, path)  # a newer posassist's store: refused
    except KnownError as exc:
        return [Finding("problem", exc.message, exc.hint or "")]
    findings: list[Finding] = []
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            result = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
            queue = dict(
                conn.execute(
                    "SELECT state, count(*) FROM outbox WHERE state IN ('pending','dead') "
                    "GROUP BY state"
                ).fetchall()
            )
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return [
            Finding(
                "problem",
                f"The store {path} cannot be read ({exc}).",
                "Restore it from a backup; the file has not been changed.",
            )
        ]
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
    dead = int(queue.get("dead", 0))
    if dead:
        findings.append(
            Finding(
                "warning",
                f"{dead} changes were refused by the central database.",
                "See them with `posassist sync --status`; fix the cause centrally, then run "
                "`posassist sync --retry-refused`.",
            )
        )
    pending = int(queue.get("pending", 0))
    if settings.central.enabled or pending:
        findings.append(Finding("ok", f"{pending} changes waiting to be sent."))
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
    import time

    import psycopg

    from posassist.errors import SecretStoreError, SyncError
    from posassist.secrets import KeyringSecretStore, central_password_key
    from posassist.sync.central import CentralTarget, central_id, explain, schema_revision
    from posassist.sync.migrate import central_head

    password = None
    try:
        password = KeyringSecretStore().get(central_password_key(settings.central))
    except SecretStoreError:
        password = None  # reported by the keyring check; try without (trust/.pgpass auth)
    target = CentralTarget.from_settings(settings.central, password)
    t0 = time.perf_counter()
    try:
        with psycopg.connect(**target.conninfo(), autocommit=True) as conn:
            revision = schema_revision(conn)
            if revision is None:
                raise SyncError(
                    f"The central database {target.describe()} has no posassist tables.",
                    hint="Run `posassist central init` once.",
                )
            central_id(conn)
    except psycopg.Error as exc:
        err = explain(exc, target)
        return [Finding("problem", err.message, err.hint or _NETWORK_TODO)]
    except SyncError as exc:
        return [Finding("problem", exc.message, exc.hint or "")]
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


def check_printer(settings: Settings) -> list[Finding]:
    try:
        from posassist.printing import qt_print

        names = qt_print.available_printers()
        default = qt_print.default_printer_name()
    except ImportError as exc:
        return [
            Finding(
                "warning",
                f"Qt printing is not available ({exc}).",
                "Reinstall posassist; referral slips can only be saved as PDF meanwhile.",
            )
        ]
    wanted = settings.printing.printer.strip()
    if wanted:
        if wanted in names:
            return [Finding("ok", f"Slip printer {wanted!r} is installed.")]
        return [
            Finding(
                "problem",
                f"The slip printer {wanted!r} from the settings is not installed.",
                f"Install its driver, or set [printing] printer to one of: "
                f"{', '.join(names) or '(no printers installed)'}.",
            )
        ]
    if default:
        return [Finding("ok", f"Slips go to the default printer {default!r}.")]
    return [
        Finding(
            "warning",
            "No printer is installed: referral slips cannot be printed.",
            "Install the slip printer's driver (any OS printer works, thermal included).",
        )
    ]


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


def run_checks(settings: Settings) -> list[Finding]:
    findings: list[Finding] = []
    checks = (check_data_dir, check_store, check_keyring, check_central, check_printer, check_logo)
    for check in checks:
        findings.extend(check(settings))
    return findings


def run_doctor(data_dir: Path | None, config_file: Path | None) -> int:
    from posassist.config import load_settings

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no window is ever shown
    try:
        settings = load_settings(data_dir=data_dir, config_file=config_file)
    except KnownError as exc:
        print(f"PROBLEM  {exc.message}")
        print(f"         → {exc.hint or 'Fix the settings file and run posassist doctor again.'}")
        return 1
    findings = run_checks(settings)
    label = {"ok": "ok      ", "warning": "WARNING ", "problem": "PROBLEM "}
    for f in findings:
        print(f"{label[f.level]} {f.what}")
        if f.todo and f.level != "ok":
            print(f"         → {f.todo}")
    problems = sum(f.level == "problem" for f in findings)
    warnings = sum(f.level == "warning" for f in findings)
    print(
        "All checks passed."
        if not problems and not warnings
        else f"{problems} problem(s), {warnings} warning(s)."
    )
    return 1 if problems else 0

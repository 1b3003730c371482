"""``posassist doctor``: check this register and say, in plain words, what to fix.

The checks are a service (:mod:`posassist.services.diagnostics`); this prints them.
The exit code is 1 when there is at least one problem, so a script can alert IT.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from posassist.cli.exit_codes import OK, PROBLEM_FOUND
from posassist.errors import KnownError

NAME = "doctor"
HELP = "check this register and say what to fix"
LABELS = {"ok": "ok      ", "warning": "WARNING ", "problem": "PROBLEM "}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Only the global options."""


def run(args: argparse.Namespace) -> int:
    return run_doctor(args.data_dir, args.config)


def run_doctor(data_dir: Path | None, config_file: Path | None) -> int:
    from posassist.config import load_settings
    from posassist.services.diagnostics import run_checks, summary

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no window is ever shown
    try:
        settings = load_settings(data_dir=data_dir, config_file=config_file)
    except KnownError as exc:
        print(f"PROBLEM  {exc.message}")
        print(f"         → {exc.hint or 'Fix the settings file and run posassist doctor again.'}")
        return PROBLEM_FOUND
    findings = run_checks(settings)
    for f in findings:
        print(f"{LABELS[f.level]} {f.what}")
        if f.todo and f.level != "ok":
            print(f"         → {f.todo}")
    print(summary(findings))
    return PROBLEM_FOUND if any(f.level == "problem" for f in findings) else OK

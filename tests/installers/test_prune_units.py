"""The central prune job's systemd units, as shipped in the tarball and the .deb.

The units are read as systemd reads them (INI sections, one key per line); the command
they start is run through the real CLI, so a renamed command or option fails here and
not at 03:30 on a chain's server.
"""

from __future__ import annotations

import configparser
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

UNITS = Path(__file__).resolve().parents[2] / "installers" / "linux"


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=True, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys keep case
    parser.read_string((UNITS / name).read_text(encoding="utf-8"), source=name)
    return parser


def test_the_timer_starts_the_service_nightly_and_catches_up_after_a_pc_was_off() -> None:
    timer = _unit("posassist-prune.timer")
    assert timer["Timer"]["Unit"] == "posassist-prune.service"
    assert timer["Timer"]["OnCalendar"] == "*-*-* 03:30"
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_the_service_runs_the_real_prune_command() -> None:
    service = _unit("posassist-prune.service")["Service"]
    assert service["Type"] == "oneshot"
    program, *args = shlex.split(service["ExecStart"])
    assert program == "/usr/bin/posassist-cli"  # where the .deb puts it
    assert args == ["central", "prune"]
    # The same words through the real command line: known command, known options.
    done = subprocess.run(
        [sys.executable, "-m", "posassist", *args, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "--horizon-days" in done.stdout


@pytest.mark.parametrize("name", ["posassist-prune.service", "posassist-prune.timer"])
def test_the_build_ships_each_unit(name: str) -> None:
    build = (UNITS.parent / "build.py").read_text(encoding="utf-8")
    assert name in build
    assert (UNITS / name).is_file()

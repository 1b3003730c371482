"""Is the slip printer ready? One plain answer per kind of trouble, each its own error.

A cashier (or IT on the phone) needs to know *which* thing is wrong, because each has a
different fix: nothing installed (install the driver), the print server stopped (start
CUPS), the queue paused or refusing jobs (resume it), the printer itself complaining
(paper, lid, cable). :func:`check_printer` tells them apart from CUPS's answer
(:mod:`posassist.printing.cups`) when the computer has CUPS, and from Qt's printer list
and state otherwise (Windows): the Qt side is passed in as :class:`QtView`, so this
module stays free of Qt and is shared by printing and by ``posassist doctor``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from posassist.errors import (
    NoPrinterError,
    PrinterPausedError,
    PrinterProblemError,
    PrintServerDownError,
)
from posassist.printing import cups

__all__ = ["QtView", "Ready", "check_printer", "check_raw_queue", "describe_reasons"]

NO_PRINTER_HINT = "Install the slip printer (with its driver), or use Save as PDF."
SERVER_DOWN_HINT = (
    "Start it (Linux: `sudo systemctl start cups`, or restart the computer), then print "
    "again; or use Save as PDF."
)

# printer-state-reasons keywords (RFC 8011, PWG 5100.9) in a cashier's words.
_REASON_WORDS = {
    "media-empty": "out of paper",
    "media-needed": "out of paper",
    "media-jam": "paper jam",
    "cover-open": "a cover is open",
    "door-open": "a door is open",
    "input-tray-missing": "the paper tray is missing",
    "marker-supply-empty": "out of ink or toner",
    "toner-empty": "out of toner",
    "offline": "offline (switched off or unplugged)",
    "connecting-to-device": "not answering (switched off or unplugged)",
    "shutdown": "switched off",
    "stopped-partly": "partly stopped",
    "other": "an unspecified problem",
}


@dataclass(frozen=True)
class QtView:
    """What Qt knows: its printer names, its default, whether a printer is in error."""

    names: list[str]
    default: str
    in_error: Callable[[str], bool]


@dataclass(frozen=True)
class Ready:
    """A printer that can take the slip; ``cups`` when the job can go to CUPS as PDF."""

    name: str
    cups: bool


def describe_reasons(reasons: tuple[str, ...]) -> str:
    """``media-empty-error`` → "out of paper"; unknown keywords are kept as they are."""
    words: list[str] = []
    for reason in reasons:
        base = reason.removesuffix("-error").removesuffix("-report").removesuffix("-warning")
        text = _REASON_WORDS.get(base, base.replace("-", " "))
        if text not in words:
            words.append(text)
    return ", ".join(words)


def _server_down() -> PrintServerDownError:
    return PrintServerDownError(
        "The print server (CUPS) on this computer is not running, so no printer can print.",
        hint=SERVER_DOWN_HINT,
    )


def check_printer(wanted: str, qt: QtView) -> Ready:
    """The printer to use for ``wanted`` ("" = the default), or the error saying why not."""
    running = cups.scheduler_running()
    if running is False:
        raise _server_down()
    on_cups = running is True
    listed = cups.queue_names() if on_cups else None
    names = list(qt.names) if listed is None else listed  # CUPS's list is the truth there
    name = wanted.strip() or ((cups.default_queue() or qt.default) if on_cups else qt.default)
    if not names:
        raise NoPrinterError("No printer is installed on this computer.", hint=NO_PRINTER_HINT)
    if not name:
        raise NoPrinterError(
            "No default printer is set on this computer.",
            hint=f"Name the slip printer under [printing] printer in the settings "
            f"(installed: {', '.join(names)}), or use Save as PDF.",
        )
    if name not in names:
        raise NoPrinterError(
            f"The slip printer “{name}” is not installed or not connected. "
            f"Installed: {', '.join(names)}.",
            hint="Check its cable and power, fix [printing] printer in the settings, "
            "or use Save as PDF.",
        )
    state = cups.queue_state(name) if on_cups else None
    if state is not None:
        _check_queue(state)
    if name in qt.names and qt.in_error(name):
        raise PrinterProblemError(
            f"The printer “{name}” reports a problem (offline, out of paper or lid open).",
            hint="Fix the printer and print again, or use Save as PDF.",
        )
    return Ready(name, cups=state is not None)


def check_raw_queue(name: str) -> None:
    """A raw CUPS queue for ESC/POS bytes (no Qt involved): the same errors as
    :func:`check_printer` for a missing, paused or troubled queue or a stopped server."""
    if cups.cups_client() is None:
        raise NoPrinterError(
            "This computer has no CUPS, so there is no raw print queue to send to.",
            hint='Use [printing] connection = "tcp" (or "windows-raw" on Windows).',
        )
    if not cups.scheduler_running():
        raise _server_down()
    names = cups.queue_names() or []
    if name not in names:
        listed = f" Installed: {', '.join(names)}." if names else ""
        raise NoPrinterError(
            f"The raw print queue “{name}” does not exist.{listed}",
            hint=f"Add it (`lpadmin -p {name} -E -v DEVICE-URI -m raw`), or fix "
            "[printing] queue in the settings.",
        )
    state = cups.queue_state(name)
    if state is not None:
        _check_queue(state)


def _check_queue(state: cups.QueueState) -> None:
    name = state.name
    why = f" ({state.message})" if state.message else ""
    if not state.enabled:
        raise PrinterPausedError(
            f"The printer “{name}” is paused: its print queue is stopped{why}.",
            hint=f"Resume it in the computer's printer settings (or run `cupsenable {name}`), "
            "then print again; or use Save as PDF.",
        )
    if not state.accepting:
        raise PrinterPausedError(
            f"The printer “{name}” is not accepting jobs{why}.",
            hint=f"Set it to accept jobs in the computer's printer settings (or run "
            f"`cupsaccept {name}`), then print again; or use Save as PDF.",
        )
    if state.problems:
        raise PrinterProblemError(
            f"The printer “{name}” reports a problem: {describe_reasons(state.problems)}{why}.",
            hint="Fix the printer (paper, lid, cable, power), then print again; or use "
            "Save as PDF.",
        )

"""Classified errors.

A :class:`KnownError` is a problem of the environment or of the user's input that the
user can do something about (a printer is offline, the store file is locked, a phone
number does not parse).  It carries a message written for a cashier or store IT and is
shown in plain words.  Anything that is not a ``KnownError`` is a bug: it goes to the
crash log with its traceback, because hiding it would hide the fix.
"""

from __future__ import annotations


class KnownError(Exception):
    """An error whose message is fit to show to the person at the register."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message


class InvalidInputError(KnownError):
    """A value typed or imported by a person was not acceptable.

    ``field`` names the form field (or ``file:line``) so the UI can point at it.
    """

    def __init__(self, field: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.field = field


class FileInputError(InvalidInputError):
    """A file given to an import cannot be read as a table: missing, a folder, binary,
    an undecidable encoding, a NUL byte, the wrong kind, a missing column, a bad line.

    Besides the message (which names all of it in words) it carries where, for a script
    (``posassist import --json`` prints them as its ``error``): ``file``; ``line`` (from
    1); ``column``, the header's name of the one column at fault; ``byte``, the offset in
    the file (from 1) of the byte that cannot be read. None where it is not known, or not
    about one line, column or byte.
    """

    def __init__(
        self,
        file: str,
        message: str,
        *,
        line: int | None = None,
        column: str | None = None,
        byte: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(file if line is None else f"{file}:{line}", message, hint=hint)
        self.file = file
        self.line = line
        self.column = column
        self.byte = byte


class PermissionDeniedError(KnownError):
    """The person signed in may not do this (a cashier asked for a manager's action).

    ``action`` is the gated action's key (``services/access.py ACTIONS``), so the UI can
    offer "Manager PIN to erase" instead of a dead end.
    """

    def __init__(self, action: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.action = action


class StoreError(KnownError):
    """The local store cannot be opened or used (corrupt, locked, too new, disk full).

    ``kind`` tells what IT must do, because the advice differs: only ``"damaged"`` means
    the file itself is bad (restore it); ``"full"``, ``"readonly"``, ``"permission"`` and
    ``"lock"`` are faults of the disk or folder around a good file, which must never be
    thrown away for them. ``"other"`` covers the rest (busy, too new, another program's).
    """

    KINDS = ("damaged", "full", "readonly", "permission", "lock", "busy", "other")

    def __init__(self, message: str, *, hint: str | None = None, kind: str = "other") -> None:
        super().__init__(message, hint=hint)
        assert kind in self.KINDS, kind
        self.kind = kind


class ConfigError(KnownError):
    """The settings file is unreadable or holds a bad value."""


class PrinterError(KnownError):
    """Printing failed: no printer, printer offline, driver refused the job."""


class NoPrinterError(PrinterError):
    """No printer is installed, or not the one the settings name."""


class PrintServerDownError(PrinterError):
    """The print server (CUPS) does not answer: no queue can take a job."""


class PrinterPausedError(PrinterError):
    """The printer's queue is paused (disabled) or not accepting jobs."""


class PrinterProblemError(PrinterError):
    """The printer itself reports a problem: out of paper, offline, jammed, lid open."""


class PrinterUnreachableError(PrinterError):
    """A network printer (ESC/POS on TCP 9100) does not answer, refuses, or breaks off."""


class SyncError(KnownError):
    """The central database is unreachable or refused the connection.

    ``kind`` names the problem (``password``, ``unreachable``, …: see
    ``posassist.sync.central.problems``) so the status bar and ``doctor`` can say more
    than the message; ``other`` when nothing more specific is known.
    """

    def __init__(self, message: str, *, hint: str | None = None, kind: str = "other") -> None:
        super().__init__(message, hint=hint)
        self.kind = kind


class SecretStoreError(KnownError):
    """No usable OS keyring, or the keyring is locked."""


class CancelledError(KnownError):
    """The person stopped a long job (Cancel, Ctrl+C) and nothing of it was kept."""

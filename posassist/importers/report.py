"""What an import reports: the counts, where it stopped, and the first problems.

One shape for the CLI (``--json`` prints :meth:`ImportReport.as_json`), the dialog's
preview and its final summary, and the bench.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from posassist.errors import FileInputError, InvalidInputError, KnownError

__all__ = ["COUNTS", "ImportReport", "Progress", "Refusal"]

# The counts, in the order the CLI prints them and --json names them (declared once).
COUNTS = (
    "rows",
    "customers_new",
    "customers_matched",
    "contacts_withheld",
    "interactions",
    "lines",
    "anonymous",
    "skipped",
    "problems",
)


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a running import is: bytes of the file read, and rows so far."""

    done_bytes: int
    total_bytes: int
    rows: int
    seconds: float

    @property
    def fraction(self) -> float:
        return self.done_bytes / self.total_bytes if self.total_bytes else 1.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    @property
    def eta_seconds(self) -> float | None:
        """Seconds left at the pace so far; None until there is a pace."""
        if not self.done_bytes or self.seconds <= 0:
            return None
        return self.seconds * (self.total_bytes - self.done_bytes) / self.done_bytes


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a file was not imported at all, and where: ``--json`` prints it as ``error``,
    so a script learns the file, line, column and byte without parsing the message
    (None where it is not known, or not about one line, column or byte)."""

    message: str
    file: str | None = None
    line: int | None = None
    column: str | None = None
    byte: int | None = None

    @classmethod
    def of(cls, exc: KnownError, path: Path | None = None) -> Refusal:
        """From the error that refused it. A :class:`FileInputError` says where itself;
        an older ``InvalidInputError`` whose field is ``FILE`` or ``FILE:LINE`` (a service
        that re-raised one) is read back; any other error is not about a place in a file."""
        if isinstance(exc, FileInputError):
            return cls(str(exc), exc.file, exc.line, exc.column, exc.byte)
        if isinstance(exc, InvalidInputError) and path is not None:
            name = str(path)
            if exc.field == name:
                return cls(str(exc), name)
            rest = exc.field.removeprefix(name + ":")
            if rest != exc.field and rest.isdigit():
                return cls(str(exc), name, int(rest))
        return cls(str(exc))


@dataclass
class ImportReport:
    """One import (or dry run) of one file.

    ``rows`` are the data rows read; ``interactions`` and ``lines`` are the ones new to the
    store (a second import of the same file reports 0 of each); ``anonymous`` are sales
    with no customer; ``skipped`` rows deliberately left out (already imported, a
    duplicated line, an event that is not a sale). Any problem means nothing was written:
    ``imported`` is True only when the transaction committed.
    """

    kind: str
    path: Path
    dry_run: bool
    imported: bool = False
    rows: int = 0
    customers_new: int = 0
    customers_matched: int = 0
    contacts_withheld: int = 0  # phones / e-mails kept only as match keys (no consent)
    interactions: int = 0
    lines: int = 0
    anonymous: int = 0
    skipped: int = 0
    problems: int = 0
    first_problems: list[str] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""
    seconds: float = 0.0
    summary: str = ""  # one line in words, for the reference kinds' own results
    error: Refusal | None = None  # why nothing of the file was read, when it was refused

    @classmethod
    def refused(
        cls, kind: str, path: Path, dry_run: bool, refusal: Refusal, *, problem: bool = True
    ) -> ImportReport:
        """The report of an import refused before (or instead of) reading the file:
        nothing imported, the refusal its one problem (``problem=False``: a cancel,
        which is no problem of the file)."""
        report = cls(kind, path, dry_run, error=refusal)
        if problem:
            report.problems, report.first_problems = 1, [refusal.message]
        return report

    def as_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "file": str(self.path),
            "dry_run": self.dry_run,
            "imported": self.imported,
            **{name: getattr(self, name) for name in COUNTS},
            "first_problems": list(self.first_problems),
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "seconds": round(self.seconds, 3),
            "summary": self.summary,
            "error": asdict(self.error) if self.error is not None else None,
        }

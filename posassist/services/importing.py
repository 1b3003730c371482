"""Importing the till's history: one file, one transaction, all or nothing.

The CLI (``posassist import``) and the import dialog both come through here. A streaming
kind (``importers/kinds.py KINDS``) is parsed by its format and written by
``importers/load.py`` inside ONE write transaction. A dry run, a file with any problem
and a cancel all end in a rollback: the dry run's counts are exactly the import's, and a
refused or cancelled import leaves the store as it was. The reference kinds (products,
stock, vendors, picks) keep their own services.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from posassist.errors import InvalidInputError
from posassist.importers import kinds
from posassist.importers.kinds import KINDS, MAPPED_FIELDS
from posassist.importers.reader import open_table
from posassist.importers.records import ParseContext, Problems
from posassist.importers.report import COUNTS, ImportReport, Progress
from posassist.services import audit_trail
from posassist.services.access import require
from posassist.services.context import StoreContext
from posassist.services.customers import CustomerService
from posassist.storage.orm import ImportMapping

MAPPING_NAME_MAX = 100


class _RollBackError(Exception):
    """Raised inside the write session to undo it (a dry run, or a file with problems)."""


class ImportService:
    def __init__(self, ctx: StoreContext, customers: CustomerService) -> None:
        self._ctx = ctx
        self._customers = customers

    def header(self, path: Path) -> list[str]:
        """The file's header row as written (InvalidInputError if it cannot be read)."""
        with open_table(path, (), Problems(path)) as table:
            return list(table.header)

    def detect(self, path: Path) -> list[str]:
        """The kinds the file's header fits, best first ([]: offer a column mapping)."""
        return kinds.detect(self.header(path))

    def run(
        self,
        kind: str,
        path: Path,
        *,
        dry_run: bool = False,
        mapping: str | None = None,
        mapping_fields: dict[str, str] | None = None,
        progress: Callable[[Progress], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> ImportReport:
        """Import (or with ``dry_run`` only count) ``path`` as ``kind``.

        ``mapping`` names the saved column mapping of a ``mapped`` import. With
        ``mapping_fields`` the file is read through those fields instead, and they are
        saved under that name in the import's own transaction: only an import that
        commits saves them, never a dry run, a refused file or a cancel (a mapping that
        did not import is not one to reuse).

        Raises InvalidInputError for a file that is not a table of that kind at all (no
        such file, no required column) and CancelledError when ``cancel`` is set;
        returns a report with ``problems`` (and ``imported`` False) for bad rows. In
        every case but a committed import, nothing was written.
        """
        require(self._ctx, "import")
        new_mapping = None
        if mapping_fields is not None:
            if kind != "mapped" or mapping is None:
                raise InvalidInputError("mapping", "Column fields need kind “mapped” and a name.")
            new_mapping = _checked_mapping(mapping, mapping_fields)
        fmt = self._format(kind, mapping, new_mapping[1] if new_mapping else None)
        started = time.monotonic()
        report = ImportReport(kind, path, dry_run)
        problems = Problems(path)
        # The loader (and SQLAlchemy's SQLite dialect under it) is imported when a file is
        # imported, on the worker: the register window builds this service at start-up.
        from posassist.importers.load import import_pragmas, load

        ctx = self._ctx
        parse = ParseContext(ctx.tz.key, ctx.settings.store.region, ctx.today())
        with open_table(path, fmt.columns, problems) as table:
            report.encoding, report.delimiter = table.encoding, table.delimiter
            try:
                with ctx.db.write(foreign_keys=False) as s, import_pragmas(s):
                    counts = load(
                        s,
                        fmt,
                        table,
                        parse,
                        stamp=ctx.stamp,
                        branch_id=ctx.branch_id,
                        progress=progress,
                        cancelled=cancel.is_set if cancel is not None else None,
                    )
                    for name, value in counts.as_dict().items():
                        setattr(report, name, value)
                    if problems:  # a format may stop at its problem: count every row
                        table.read_to_end()
                    report.rows = max(report.rows, table.rows_read)  # "1,204 rows read"
                    report.problems = problems.count
                    report.first_problems = problems.texts()
                    if dry_run or problems:
                        raise _RollBackError
                    if new_mapping is not None:
                        self._write_mapping(s, *new_mapping)
                    audit_trail.record(s, ctx, "import", "import", kind, _detail(report))
                report.imported = True
            except _RollBackError:
                pass
            finally:
                ctx.db.trim_wal()  # committed, rolled back or cancelled: no WAL left bloated
        report.seconds = time.monotonic() - started
        if report.imported:
            self._customers.names.invalidate()
        return report

    def _format(
        self, kind: str, mapping: str | None, fields: dict[str, str] | None = None
    ) -> kinds.Format:
        found = KINDS.get(kind)
        if found is None or not found.streaming:
            raise InvalidInputError(
                "kind",
                f"“{kind}” is not a kind of till history this import reads "
                f"({', '.join(k.name for k in KINDS.values() if k.streaming)}).",
            )
        if kind != "mapped":
            if mapping is not None:
                raise InvalidInputError("mapping", "A column mapping is only for kind “mapped”.")
            return kinds.format_for(kind)
        if mapping is None:
            raise InvalidInputError("mapping", "Name the saved column mapping to use.")
        if fields is None:
            fields = self.mapping(mapping)
        if fields is None:
            raise InvalidInputError("mapping", f"There is no saved column mapping “{mapping}”.")
        return kinds.format_for(kind, mapping=fields, mapping_name=mapping)

    def transactions(self, path: Path) -> ImportReport:
        """Import a transactions CSV (customer id, date, amount): ``run("transactions")``."""
        return self.run("transactions", path)

    # ----------------------------------------------------------------- mappings
    def mappings(self) -> list[str]:
        """The saved column mappings' names, sorted."""
        with self._ctx.db.read() as s:
            return sorted(s.scalars(select(ImportMapping.name)))

    def mapping(self, name: str) -> dict[str, str] | None:
        """A saved mapping: {field (``kinds.MAPPED_FIELDS``) → the file's column name}."""
        with self._ctx.db.read() as s:
            row = s.get(ImportMapping, name.strip())
            return dict(row.fields) if row is not None else None

    def save_mapping(self, name: str, fields: dict[str, str]) -> None:
        """Save (or replace) a mapping by name, checked against ``MAPPED_FIELDS``, on its
        own (an import saves the one it used with ``run(mapping_fields=...)``)."""
        require(self._ctx, "import")
        checked = _checked_mapping(name, fields)
        with self._ctx.db.write() as s:
            self._write_mapping(s, *checked)

    def _write_mapping(self, s: Session, name: str, columns: dict[str, str]) -> None:
        row = s.get(ImportMapping, name)
        if row is None:
            s.add(ImportMapping(name=name, fields=columns, updated_at=self._ctx.now()))
        else:
            row.fields = columns
            row.updated_at = self._ctx.now()


def _checked_mapping(name: str, fields: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The mapping's clean name and columns (a field with no column left out); refused
    with InvalidInputError when the name is empty or long, a field is unknown or a
    required field has no column."""
    clean = name.strip()
    if not clean or len(clean) > MAPPING_NAME_MAX:
        raise InvalidInputError(
            "mapping", f"A mapping needs a name of 1 to {MAPPING_NAME_MAX} characters."
        )
    known = {f.name for f in MAPPED_FIELDS}
    unknown = sorted(set(fields) - known)
    if unknown:
        raise InvalidInputError(
            "mapping",
            f"Unknown field “{unknown[0]}” in the mapping (known: {', '.join(sorted(known))}).",
        )
    columns = {k: v.strip() for k, v in fields.items() if v.strip()}
    missing = [f.name for f in MAPPED_FIELDS if f.required and f.name not in columns]
    if missing:
        raise InvalidInputError("mapping", f"The mapping needs a column for “{missing[0]}”.")
    return clean, columns


def _detail(report: ImportReport) -> str:
    """The audit entry's words: the counts only. Never the file's name: a manager may
    well name a file after a customer ("jane_doe_orders.csv")."""
    return ", ".join(f"{name} {getattr(report, name)}" for name in COUNTS if name != "problems")

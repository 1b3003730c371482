"""The reference kinds (products, stock, vendors, picks) as an :class:`ImportReport`.

The till's history streams through ``services/importing.py``; the reference files are
small and keep their own all-or-nothing services (``catalog.py``, ``picks.py``,
``vendors.py``), each with its own result. This adapter turns those results into the one
report shape, so ``posassist import`` and the import dialog show, dry-run and refuse
every kind the same way:

* ``summary`` is the service's own line ("products.csv: 2 products added, …");
* ``rows`` are the file's rows, ``skipped`` the ones that changed nothing (a product or
  vendor already as the file says, a pick already set, a stock count older than the one
  held); the customer counts stay 0, as no customer is touched;
* a bad file (the services refuse it at its first bad line, with the file and the line)
  is a report with ``problems == 1`` and that message, ``imported`` False: nothing is
  written, as with a streaming kind's problems.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from posassist.errors import InvalidInputError
from posassist.importers.kinds import KINDS, MAPPED_FIELDS, Kind, MappedField
from posassist.importers.report import COUNTS, ImportReport, Progress, Refusal

if TYPE_CHECKING:  # the CLI builds its parser from this module: no SQLAlchemy until it runs
    from posassist.services.catalog import CatalogService, ProductImport, StockImport
    from posassist.services.picks import PicksImport, PicksService
    from posassist.services.vendors import ImportResult, VendorService

# The kinds, the mapped fields and the report, for the CLI and the window: they reach
# the importers only through the services (tests/test_layering.py).
__all__ = [
    "COUNTS",
    "KINDS",
    "MAPPED_FIELDS",
    "REFERENCE_KINDS",
    "ImportReport",
    "Kind",
    "MappedField",
    "Progress",
    "Refusal",
    "run_reference",
]

REFERENCE_KINDS: tuple[str, ...] = tuple(k.name for k in KINDS.values() if not k.streaming)

if TYPE_CHECKING:
    _Result = ProductImport | StockImport | PicksImport | ImportResult


def run_reference(
    catalog: CatalogService,
    picks: PicksService,
    vendors: VendorService,
    kind: str,
    path: Path,
    *,
    dry_run: bool = False,
) -> ImportReport:
    """Import (or with ``dry_run`` check and count, then roll back) one reference file.

    Raises InvalidInputError only for a kind that is not a reference kind; a bad file is
    reported in the report. PermissionDeniedError and StoreError pass through.
    """
    if kind not in REFERENCE_KINDS:
        raise InvalidInputError(
            "kind", f"{kind!r} is not one of {', '.join(REFERENCE_KINDS)} (a reference file)."
        )
    report = ImportReport(kind=kind, path=path, dry_run=dry_run)
    started = time.monotonic()
    try:
        result: _Result = (
            catalog.import_products(path, dry_run=dry_run)
            if kind == "products"
            else catalog.import_stock(path, dry_run=dry_run)
            if kind == "stock"
            else picks.import_csv(path, dry_run=dry_run)
            if kind == "picks"
            else vendors.import_csv(path, dry_run=dry_run)
        )
    except InvalidInputError as exc:  # the file's first bad line: nothing was written
        report.problems = 1
        report.first_problems = [str(exc)]
        report.error = Refusal.of(exc, path)
        report.summary = f"{path.name}: not imported, the file has a problem."
    else:
        report.rows, report.skipped = _counts(result)
        report.summary = str(result)
        report.imported = not dry_run
    report.seconds = time.monotonic() - started
    return report


def _counts(result: _Result) -> tuple[int, int]:
    """(rows, skipped) of a service's result."""
    from posassist.services.catalog import ProductImport, StockImport
    from posassist.services.picks import PicksImport

    if isinstance(result, ProductImport):
        return result.added + result.updated + result.unchanged, result.unchanged
    if isinstance(result, StockImport):
        return result.written + result.older_kept, result.older_kept
    if isinstance(result, PicksImport):
        return result.set + result.unchanged, result.unchanged
    return result.added + result.updated + result.unchanged, result.unchanged

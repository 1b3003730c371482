"""Import use cases: one file, one transaction, all or nothing."""

from __future__ import annotations

from pathlib import Path

from posassist.importers.transactions import ImportResult, import_transactions
from posassist.services.access import require
from posassist.services.context import StoreContext
from posassist.services.customers import CustomerService


class ImportService:
    def __init__(self, ctx: StoreContext, customers: CustomerService) -> None:
        self._ctx = ctx
        self._customers = customers

    def transactions(self, path: Path) -> ImportResult:
        """Import a transaction CSV (see importers/transactions.py for the header)."""
        require(self._ctx, "import")
        with self._ctx.db.write() as s:
            result = import_transactions(
                s,
                path,
                branch_id=self._ctx.branch_id,
                tz=self._ctx.tz,
                stamp=self._ctx.stamp,
                today=self._ctx.today(),
            )
        self._customers.names.invalidate()
        return result

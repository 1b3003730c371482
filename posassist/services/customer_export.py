"""A customer's data on request: everything held on them, as JSON and as a readable PDF.

``export(who, json_path)`` writes two files side by side: ``json_path`` (the document of
``services/export_document.py``) and the same path with a ``.pdf`` suffix (the same
content, laid out to read: ``printing/customer_pdf.py``). Both are built in memory
first and written together, atomically: temporary files in the target folder, then one
rename each, so a full disk or a missing folder leaves neither a half file nor one
file without the other, and the message names the file.

Only a manager may export (``access.require``). The export is written to the audit trail
(who, which customer; never the data) in the same transaction as the files: the entry is
flushed, both files are renamed into place as the last step, then the store commits; a
commit that fails removes the files again (``audit_trail.committed_with_files``). So the
trail records exactly what was handed over, and no file exists without its entry. A
fault of the export folder is an InvalidInputError naming the file, never a store fault.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from posassist.errors import InvalidInputError
from posassist.services import access, audit_trail
from posassist.services.card_document import card_document
from posassist.services.context import StoreContext
from posassist.services.customers import CustomerService
from posassist.services.export_document import FORMAT, person_document
from posassist.services.holds import HoldService

if TYPE_CHECKING:  # reportlab is imported by an export, not at start-up
    from posassist.printing.customer_pdf import PageSize

__all__ = ["CustomerExportService", "pdf_path_for"]

# Regions that print on Letter; everyone else on A4.
_LETTER_REGIONS = frozenset({"US", "CA", "MX", "PH", "CL", "CO", "VE"})


def pdf_path_for(json_path: Path) -> Path:
    """The readable copy beside the JSON file: ``FILE`` with the suffix ``.pdf``
    (``alice.json`` → ``alice.pdf``; ``alice`` → ``alice.pdf``)."""
    return json_path.with_suffix(".pdf")


class CustomerExportService:
    def __init__(self, ctx: StoreContext, customers: CustomerService, holds: HoldService) -> None:
        self._ctx = ctx
        self._customers = customers
        self._holds = holds

    def check_allowed(self) -> None:
        """Refuse at once (nothing read) when the person signed in may not export: the
        window asks before it asks for a file name."""
        access.require(self._ctx, "export")

    def export(self, who: str | uuid.UUID, json_path: Path) -> tuple[Path, Path]:
        """Write everything held on the customer ``who`` (a card code or phone number,
        or the open card's id) to ``json_path`` and its PDF beside it; both paths back."""
        access.require(self._ctx, "export")
        pdf_path = pdf_path_for(json_path)
        if pdf_path == json_path:
            raise InvalidInputError(
                "file", f"{json_path} ends in .pdf: give the JSON file's name (e.g. .json)."
            )
        customer_id = (
            who if isinstance(who, uuid.UUID) else self._customers.find_by_card_or_phone(who)
        )
        card = self._customers.card(customer_id)  # refuses an erased or unknown customer
        holds = self._holds.for_customer(card.id)
        with self._ctx.db.read() as s:
            document = {
                "format": FORMAT,
                "store": self._ctx.settings.store.name,
                "branch": self._ctx.branch_name,
                "exported_at": self._ctx.now().isoformat(),
                **person_document(s, card.id),
                "card": card_document(card, holds, self._ctx.tz),
            }
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        from posassist.printing.customer_pdf import build_customer_pdf  # reportlab: on export

        pdf = build_customer_pdf(
            document, store_name=document["store"], tz=self._ctx.tz, page=self._page()
        )
        files = [(json_path, text.encode("utf-8")), (pdf_path, pdf)]
        with audit_trail.committed_with_files(self._ctx.db, files) as s:
            audit_trail.record(s, self._ctx, "export", "customer", str(card.id), "json and pdf")
        return json_path, pdf_path

    def _page(self) -> PageSize:
        region = self._ctx.settings.store.region.upper()
        return "Letter" if region in _LETTER_REGIONS else "A4"

"""Erasing a customer's personal data on request, here and (through sync) everywhere.

Erasure is a tombstone, not a delete: the customer's visits stay (they are the
store's history and carry no personal data), but the name, contact details, card
and notes are wiped and can never come back, not even from a register that was
offline and still holds an older edit (see ``domain/lww.py``). The outbox rows that
carried those details are scrubbed too, and with ``secure_delete`` on and a
truncating WAL checkpoint the old bytes do not linger in the store file.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from posassist.domain.fields import CUSTOMER_FIELDS, ERASED_COLUMNS
from posassist.domain.lww import stamp_fields
from posassist.errors import InvalidInputError
from posassist.services import access, audit_trail
from posassist.services.context import StoreContext
from posassist.services.name_index import NameIndex
from posassist.storage.corrections import person
from posassist.storage.orm import Customer
from posassist.storage.outbox import append_change, scrub_outbox


class PrivacyService:
    def __init__(self, ctx: StoreContext, names: NameIndex | None = None) -> None:
        self._ctx = ctx
        self._names = names

    def check_allowed(self) -> None:
        """Refuse at once (no store read) when the person signed in may not erase: the
        window asks before its "are you sure?", so a cashier hears why instead of
        confirming something that would be refused."""
        access.require(self._ctx, "erase")

    def erase_customer(self, customer_id: uuid.UUID) -> bool:
        """Erase one person's personal fields; False if they were already erased.

        A person a merge made of several records is erased whole: every record of them.
        Only a manager may (``access.require``: a cashier is refused before anything is
        read); each record erased is one audit entry, in the erasure's own transaction.
        """
        access.require(self._ctx, "erase")
        now = self._ctx.now()
        with self._ctx.db.write() as s:
            everyone = person(s, customer_id)
            if s.get(Customer, customer_id) is None:
                raise InvalidInputError("customer", "That customer does not exist.")
            erased = [cid for cid in everyone if self._erase_one(s, cid, now)]
        if not erased:
            return False
        self._ctx.db.checkpoint()
        if self._names is not None:
            for cid in erased:
                self._names.remove(cid)
        return True

    def _erase_one(self, s: Session, customer_id: uuid.UUID, now: datetime) -> bool:
        customer = s.get(Customer, customer_id)
        if customer is None or customer.erased_at is not None:
            return False
        stamp = self._ctx.stamp()
        for name, value in ERASED_COLUMNS.items():
            setattr(customer, name, value)
        customer.erased_at = now
        customer.updated_at = now
        customer.field_clocks = stamp_fields(customer.field_clocks or {}, CUSTOMER_FIELDS, stamp)
        scrub_outbox(s, customer_id)
        append_change(
            s,
            entity="customer",
            entity_id=customer_id,
            op="erase",
            payload={"erased_at": now},
            hlc=stamp,
        )
        audit_trail.record(
            s, self._ctx, "erase", "customer", str(customer_id), "personal data erased on request"
        )
        return True

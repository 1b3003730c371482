"""Erasure on request: personal fields gone from the table, the outbox and the file."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from posassist.app import Backend
from posassist.domain.lww import ERASED_NAME
from posassist.errors import InvalidInputError
from posassist.services.customers import NewCustomer
from posassist.services.privacy import PrivacyService
from posassist.storage.database import STORE_FILENAME
from posassist.storage.orm import Customer, Outbox


def test_erasure_wipes_personal_fields_outbox_and_leaves_no_bytes_on_disk(
    backend: Backend,
) -> None:
    cid = backend.customers.create(
        NewCustomer(
            "Zanzibar Quuxley",
            phone="(212) 555-0142",
            email="zanzibar@example.com",
            card_code="PA00098765",
            consent_contact=True,
            notes="allergic to wool",
        )
    )
    backend.customers.update_notes(cid, "allergic to wool, size 44", "Quuxley blend")
    backend.interactions.log(cid, "purchase", basket_minor=999)
    assert backend.customers.search("zanzibar")  # loaded into the name index
    privacy = PrivacyService(backend.ctx, backend.customers.names)

    assert privacy.erase_customer(cid)
    assert not privacy.erase_customer(cid)  # a second request changes nothing

    with backend.db.read() as s:
        c = s.get(Customer, cid)
        assert c is not None
        assert (c.display_name, c.phone_e164, c.email, c.card_code, c.notes, c.preferences) == (
            ERASED_NAME, None, None, None, "", "",
        )  # fmt: skip
        assert c.erased_at is not None
        rows = s.scalars(select(Outbox).order_by(Outbox.seq)).all()
    assert [r.op for r in rows if r.entity == "customer"] == ["insert", "update", "erase"]
    assert all("Zanzibar" not in str(r.payload) and "wool" not in str(r.payload) for r in rows)
    assert backend.customers.search("zanzibar") == []
    with pytest.raises(InvalidInputError):
        backend.customers.card(cid)
    backend.db.close()  # everything on disk now: main file and (truncated) WAL
    data = b"".join(p.read_bytes() for p in backend.settings.data_dir.glob(f"{STORE_FILENAME}*"))
    for secret in (b"Zanzibar", b"zanzibar", b"555-0142", b"5550142", b"wool", b"Quuxley"):
        assert secret not in data, secret

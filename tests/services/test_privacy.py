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


def test_only_a_manager_may_erase_and_each_erasure_is_audited(backend: Backend) -> None:
    from posassist.errors import PermissionDeniedError
    from posassist.storage.orm import AuditLog

    cid = backend.customers.create(NewCustomer("Quentin Erasmo", card_code="PA00000777"))
    manager = backend.ctx.staff_id
    backend.ctx.sign_in(None, "Casey", "cashier")
    with pytest.raises(PermissionDeniedError, match="Only a manager can erase a customer"):
        backend.privacy.check_allowed()
    with pytest.raises(PermissionDeniedError) as refused:
        backend.privacy.erase_customer(cid)
    assert refused.value.action == "erase"
    assert backend.customers.card(cid).display_name == "Quentin Erasmo"  # untouched
    backend.ctx.sign_in(manager, "Manager", "manager")
    assert backend.privacy.erase_customer(cid)
    with backend.db.read() as s:
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "erase")).all()
    assert [(a.entity, a.entity_id, a.staff_id) for a in audit] == [("customer", str(cid), manager)]
    assert "Quentin" not in audit[0].detail


def test_a_reveal_is_audited_and_gives_the_details_in_full(backend: Backend) -> None:
    from posassist.storage.orm import AuditLog

    cid = backend.customers.create(
        NewCustomer(
            "Rhea Vale",
            phone="(212) 555-0142",
            email="rhea@example.com",
            card_code="PA00000888",
            consent_contact=True,
        )
    )
    card = backend.customers.card(cid)
    assert (card.phone_masked, card.email_masked, card.card_masked) == (
        "••• ••• 0142", "r•••@example.com", "•••0888",
    )  # fmt: skip
    backend.ctx.sign_in(None, "Casey", "cashier")  # a cashier may reveal; it is recorded
    details = backend.customers.reveal_contact(cid)
    assert (details.phone, details.email, details.card_code) == (
        "+12125550142", "rhea@example.com", "PA00000888",
    )  # fmt: skip
    with backend.db.read() as s:
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "reveal")).all()
    assert [(a.entity, a.entity_id, a.detail) for a in audit] == [("customer", str(cid), "")]

"""The slips a customer walks out with never carry anything about them: every layout.

Built through the services with a customer named (the referral slip issued for them, the
hold slip of their hold), so a future change that lets the customer reach the slip data
fails here. The slip's own content is checked too, or an empty PDF would pass.
"""

from __future__ import annotations

import io
import uuid

import pypdf
import pytest

from posassist.app import Backend
from posassist.printing.layouts import layout_names
from posassist.services.customers import NewCustomer
from tests.small_store import SmallStore, fill

PRIVATE = (
    "Ottoline", "Wrexham-Vance", "555-0142", "5550142", "555 0142", "0142",
    "ottoline.wv@example.com", "ottoline", "PA00007777", "7777", "allergic to cedar",
    "cedar", "jasmine tea",
)  # fmt: skip


@pytest.fixture
def store(backend: Backend) -> SmallStore:
    return fill(backend)


@pytest.fixture
def ottoline(backend: Backend) -> uuid.UUID:
    cid = backend.customers.create(
        NewCustomer(
            "Ottoline Wrexham-Vance",
            phone="(212) 555-0142",
            email="ottoline.wv@example.com",
            card_code="PA00007777",
            consent_contact=True,
            notes="allergic to cedar",
        )
    )
    backend.customers.update_notes(cid, "allergic to cedar", "jasmine tea")
    return cid


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    pages = " ".join(str(p.extract_text()) for p in reader.pages)
    meta = " ".join(str(v) for v in (reader.metadata or {}).values())
    return " ".join(f"{pages} {meta}".split())


def _assert_private(text: str) -> None:
    squeezed = text.replace(" ", "").casefold()
    for secret in PRIVATE:
        assert secret.casefold() not in text.casefold(), secret
        assert secret.replace(" ", "").casefold() not in squeezed, secret


@pytest.mark.parametrize("layout", layout_names())
def test_the_referral_slip_names_the_place_and_the_code_never_the_customer(
    backend: Backend, store: SmallStore, ottoline: uuid.UUID, layout: str
) -> None:
    issued = backend.referrals.issue_slip(
        "bluetooth speaker", vendor_id=store.sound_hut, customer_id=ottoline, layout=layout
    )
    text = _text(issued.pdf)
    for expected in ("Sound Hut Audio", "22 Elm Street", issued.code):
        assert expected in text, expected
    _assert_private(text)


@pytest.mark.parametrize("layout", layout_names())
def test_the_hold_slip_names_the_place_and_the_code_never_the_customer(
    backend: Backend, store: SmallStore, ottoline: uuid.UUID, layout: str
) -> None:
    hold = backend.holds.request(store.riverside, "P2", ottoline)
    slip = backend.holds.slip(hold.code, layout=layout)
    text = _text(slip.pdf)
    for expected in ("Corner & Co. Riverside", "7 River Rd", "Wireless headphones", hold.code):
        assert expected in text, expected
    _assert_private(text)

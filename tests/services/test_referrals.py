"""Referral slips out, referrals in, the goodwill ledger and the unmet-demand report."""

from __future__ import annotations

import csv
import dataclasses
import io
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pypdf
import pytest
from PIL import Image
from sqlalchemy import Connection, event, func, select

from posassist.app import Backend
from posassist.domain import referral_codes
from posassist.errors import ConfigError, InvalidInputError
from posassist.services.customers import NewCustomer
from posassist.services.referrals import ReferralService
from posassist.storage.orm import Interaction, Outbox, Referral, UnmetDemand
from tests.conftest import NOW, MovableClock
from tests.small_store import SmallStore, fill


@pytest.fixture
def store(backend: Backend) -> SmallStore:
    return fill(backend)


def pdf_text(pdf: bytes) -> str:
    return str(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text())


def test_slip_records_referral_demand_and_interaction_in_one_transaction(
    backend: Backend, store: SmallStore
) -> None:
    cid = backend.customers.create(
        NewCustomer("Maria Secret", phone="(212) 555-0142", consent_contact=True)
    )
    commits: list[object] = []

    def on_commit(conn: Connection) -> None:
        if conn.get_execution_options().get("sqlite_begin") == "IMMEDIATE":  # writes only
            commits.append(conn)

    event.listen(backend.db.engine, "commit", on_commit)
    try:
        slip = backend.referrals.issue_slip(
            "bluetooth speaker", vendor_id=store.sound_hut, customer_id=cid
        )
    finally:
        event.remove(backend.db.engine, "commit", on_commit)
    assert len(commits) == 1  # referral, demand, interaction and outbox rows together
    assert referral_codes.is_valid(slip.code)
    with backend.db.read() as s:
        referral = s.get(Referral, slip.referral_id)
        assert referral is not None
        assert (referral.direction, referral.vendor_id, referral.customer_id) == (
            "out",
            store.sound_hut,
            cid,
        )
        assert referral.code == slip.code
        assert s.scalar(select(func.count()).select_from(UnmetDemand)) == 1
        kinds = s.scalars(select(Interaction.kind).where(Interaction.customer_id == cid)).all()
        assert kinds == ["referral_given"]
        entities = sorted(s.scalars(select(Outbox.entity).where(Outbox.entity != "vendor")))
    assert entities == ["customer", "interaction", "referral", "unmet_demand"]
    text = pdf_text(slip.pdf)
    assert "Sound Hut Audio" in text
    assert slip.code in text
    assert "Maria" not in text
    assert "0142" not in text
    assert slip.slip.qr_url is not None
    assert "openstreetmap" in slip.slip.qr_url


def test_slip_to_another_branch_and_layouts(backend: Backend, store: SmallStore) -> None:
    slip = backend.referrals.issue_slip(
        "wireless headphones", branch_id=store.riverside, layout="a6", log_demand=False
    )
    text = pdf_text(slip.pdf)
    assert "OUR OTHER BRANCH" in text
    assert "Riverside" in text
    page = pypdf.PdfReader(io.BytesIO(slip.pdf)).pages[0]
    assert round(float(page.mediabox.width)) == 298  # A6 width in points
    with backend.db.read() as s:
        assert s.scalar(select(func.count()).select_from(UnmetDemand)) == 0
    with pytest.raises(InvalidInputError, match="Unknown slip layout"):
        backend.referrals.issue_slip("x", vendor_id=store.sound_hut, layout="A4")
    with backend.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Referral)) == 1  # A4 recorded nothing


def test_store_header_from_settings_else_branch(backend: Backend, store: SmallStore) -> None:
    slip = backend.referrals.issue_slip("comics", vendor_id=store.book_nook)
    assert slip.slip.store_name == backend.ctx.branch_name
    assert slip.slip.qr_url is None  # no address, no website: no QR code


def test_referral_in_by_code_and_by_vendor(
    backend: Backend, store: SmallStore, clock: MovableClock
) -> None:
    cid = backend.customers.create(NewCustomer("New Face"))
    partner_code = referral_codes.new_code()
    arrived = backend.referrals.record_arrival(
        customer_id=cid, vendor_id=store.book_nook, code=partner_code.lower().replace("-", " ")
    )
    assert arrived.source_name == "Book Nook"
    assert arrived.code == partner_code
    with pytest.raises(InvalidInputError, match="already counted"):
        backend.referrals.record_arrival(vendor_id=store.book_nook, code=partner_code)
    # Our own slip, handed back: credited to the vendor it was issued for.
    ours = backend.referrals.issue_slip("speakers", vendor_id=store.sound_hut)
    back = backend.referrals.record_arrival(customer_id=cid, code=ours.code)
    assert back.vendor_id == store.sound_hut
    # By name only (the customer says who sent them).
    clock.at = NOW + timedelta(minutes=5)
    backend.referrals.record_arrival(customer_id=cid, vendor_id=store.sound_hut)
    card = backend.customers.card(cid)
    assert [e.kind for e in card.timeline] == ["referral_arrived"] * 3
    assert "Referred by Book Nook" in card.timeline[-1].note
    assert backend.referrals.partners()[0].name == "Sound Hut Audio"  # most recent first


def test_bad_codes_are_rejected_and_nothing_is_written(backend: Backend, store: SmallStore) -> None:
    good = referral_codes.new_code()
    typo = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(referral_codes.ReferralCodeError, match="not a valid referral code"):
        backend.referrals.record_arrival(vendor_id=store.book_nook, code=typo)
    with pytest.raises(InvalidInputError, match="not one of our slips"):
        backend.referrals.record_arrival(code=good)  # a partner's code needs the partner
    with pytest.raises(InvalidInputError, match="Type the code"):
        backend.referrals.record_arrival()
    with backend.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Referral)) == 0


def test_goodwill_ledger_counts_period_and_last_activity(
    backend: Backend, store: SmallStore, clock: MovableClock
) -> None:
    clock.at = NOW - timedelta(days=40)
    backend.referrals.issue_slip("old ask", vendor_id=store.sound_hut)
    clock.at = NOW - timedelta(days=3)
    for _ in range(3):
        backend.referrals.issue_slip("speakers", vendor_id=store.sound_hut)
    backend.referrals.issue_slip("comics", vendor_id=store.book_nook)
    clock.at = NOW - timedelta(days=1)
    backend.referrals.record_arrival(vendor_id=store.sound_hut)
    backend.referrals.record_arrival(vendor_id=store.closed_shop)
    clock.at = NOW
    today = backend.ctx.today()
    ledger = backend.referrals.goodwill_ledger(today - timedelta(days=29), today)
    rows = {r.vendor_name: r for r in ledger}
    assert (rows["Sound Hut Audio"].sent, rows["Sound Hut Audio"].received) == (3, 1)
    assert rows["Sound Hut Audio"].ratio == pytest.approx(1 / 3)
    assert rows["Night Owl Records"].ratio is None  # received 1, sent none
    assert (rows["Book Nook"].sent, rows["Book Nook"].received) == (1, 0)
    assert rows["Sound Hut Audio"].last_activity == NOW - timedelta(days=1)
    assert ledger[0].vendor_name == "Sound Hut Audio"  # busiest first
    everything = backend.referrals.goodwill_ledger(today - timedelta(days=365), today)
    assert {r.vendor_name: r.sent for r in everything}["Sound Hut Audio"] == 4
    with pytest.raises(InvalidInputError):
        backend.referrals.goodwill_ledger(today, today - timedelta(days=1))


def test_unmet_demand_report_counts_and_trend(
    backend: Backend, store: SmallStore, clock: MovableClock
) -> None:
    def ask(days_ago: int, item: str, n: int = 1) -> None:
        clock.at = NOW - timedelta(days=days_ago)
        for _ in range(n):
            backend.finder.log_unmet_demand(item)

    ask(45, "vinyl records", 2)
    ask(5, "Vinyl Records", 3)
    ask(2, "vinyl records!", 1)
    ask(40, "kites", 3)
    ask(35, "cassettes", 2)
    ask(1, "cassettes", 2)
    ask(3, "sewing machine", 1)
    clock.at = NOW
    report = {r.item_key: r for r in backend.referrals.unmet_demand(days=30)}
    assert (report["vinyl records"].count, report["vinyl records"].previous) == (4, 2)
    assert report["vinyl records"].trend == "up 100%"
    assert report["vinyl records"].item == "Vinyl Records"  # the commonest wording
    assert report["kites"].trend == "gone"
    assert report["cassettes"].trend == "steady"
    assert report["sewing machine"].trend == "new"
    ordered = [r.item_key for r in backend.referrals.unmet_demand(days=30)]
    assert ordered[0] == "vinyl records"


def test_csv_exports_neutralise_formulas(
    backend: Backend, store: SmallStore, tmp_path: Path
) -> None:
    for evil in ("=cmd|'/c calc'!A1", "+SUM(A1)", "-2+3", "@import"):
        backend.finder.log_unmet_demand(evil)
    backend.referrals.issue_slip("x", vendor_id=store.sound_hut, log_demand=False)
    demand_csv = tmp_path / "demand.csv"
    backend.referrals.export_demand_csv(backend.referrals.unmet_demand(), demand_csv)
    cells = [row[0] for row in csv.reader(io.StringIO(demand_csv.read_text(encoding="utf-8-sig")))][
        1:
    ]
    assert cells, "the report is empty"
    for cell in cells:
        assert cell[0] not in "=+-@\t\r", cell
        assert cell.startswith("'")
    ledger_csv = tmp_path / "ledger.csv"
    rows = backend.referrals.goodwill_ledger(date(2026, 1, 1), date(2026, 12, 31))
    backend.referrals.export_ledger_csv(rows, ledger_csv)
    lines = list(csv.reader(io.StringIO(ledger_csv.read_text(encoding="utf-8-sig"))))
    assert lines[0] == ["vendor", "sent", "received", "ratio", "last activity"]
    assert lines[1][:4] == ["Sound Hut Audio", "1", "0", "0.0"]
    with pytest.raises(InvalidInputError, match="Cannot write"):
        backend.referrals.export_ledger_csv(rows, tmp_path / "missing" / "x.csv")


def test_header_and_logo_from_settings(backend: Backend, store: SmallStore, tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    Image.new("RGB", (120, 40), "black").save(logo)
    settings = dataclasses.replace(
        backend.settings,
        store=dataclasses.replace(
            backend.settings.store,
            name="Bluebell Hardware",
            address="14 Harbour Road",
            phone="+44 23 9200 0000",
            logo=str(logo),
        ),
    )
    service = ReferralService(dataclasses.replace(backend.ctx, settings=settings))
    slip = service.issue_slip("kettle", vendor_id=store.sound_hut, layout="58mm")
    assert slip.slip.logo_png == logo.read_bytes()
    text = "".join(pdf_text(slip.pdf).split())
    assert "BluebellHardware" in text
    assert "14HarbourRoad" in text
    reader = pypdf.PdfReader(io.BytesIO(slip.pdf))
    assert reader.pages[0].images  # the logo is on the slip


def _written(backend: Backend) -> tuple[int, int, int, int]:
    """Referrals, unmet demand, interactions and their outbox rows: what a slip records."""
    with backend.db.read() as s:
        return (
            int(s.scalar(select(func.count()).select_from(Referral)) or 0),
            int(s.scalar(select(func.count()).select_from(UnmetDemand)) or 0),
            int(s.scalar(select(func.count()).select_from(Interaction)) or 0),
            int(
                s.scalar(
                    select(func.count())
                    .select_from(Outbox)
                    .where(Outbox.entity.in_(("referral", "unmet_demand", "interaction")))
                )
                or 0
            ),
        )


def _with_logo(backend: Backend, logo: str) -> ReferralService:
    """The service as it would run with ``[store] logo`` changed after start-up."""
    store_settings = dataclasses.replace(backend.settings.store, logo=logo)
    settings = dataclasses.replace(backend.settings, store=store_settings)
    return ReferralService(dataclasses.replace(backend.ctx, settings=settings))


@pytest.mark.parametrize("logo", ["/etc/passwd", "/no/such/logo.png"], ids=["not-png", "missing"])
def test_a_slip_that_cannot_be_built_records_nothing_and_retries_do_not_either(
    backend: Backend, store: SmallStore, logo: str
) -> None:
    cid = backend.customers.create(NewCustomer("Retry Customer"))
    service = _with_logo(backend, logo)
    for _ in range(3):  # the cashier presses F10 again and again
        with pytest.raises(ConfigError, match="logo"):
            service.issue_slip("turntable", vendor_id=store.sound_hut, customer_id=cid)
    assert _written(backend) == (0, 0, 0, 0)
    assert backend.customers.card(cid).timeline == ()
    # With the logo fixed, the next press records exactly one referral.
    slip = _with_logo(backend, "").issue_slip(
        "turntable", vendor_id=store.sound_hut, customer_id=cid
    )
    assert _written(backend) == (1, 1, 1, 3)
    assert slip.code in pdf_text(slip.pdf)


def test_the_pdf_is_built_before_the_write_transaction_with_the_recorded_code(
    backend: Backend, store: SmallStore
) -> None:
    seen: list[tuple[bytes, tuple[int, int, int, int]]] = []
    slip = backend.referrals.issue_slip(
        "turntable",
        vendor_id=store.sound_hut,
        before_record=lambda pdf: seen.append((pdf, _written(backend))),
    )
    assert len(seen) == 1
    pdf, counts_then = seen[0]
    assert counts_then == (0, 0, 0, 0)  # built, not yet recorded
    assert pdf == slip.pdf
    with backend.db.read() as s:
        assert s.scalar(select(Referral.code)) == slip.code
    assert slip.code in pdf_text(pdf)


def test_nothing_is_recorded_when_before_record_fails(backend: Backend, store: SmallStore) -> None:
    def refuse(_pdf: bytes) -> None:
        raise InvalidInputError("output", "Cannot write /proc/s.pdf.")

    with pytest.raises(InvalidInputError, match="Cannot write"):
        backend.referrals.issue_slip("turntable", vendor_id=store.sound_hut, before_record=refuse)
    assert _written(backend) == (0, 0, 0, 0)


def test_a_failed_commit_returns_no_slip_and_keeps_nothing(
    backend: Backend, store: SmallStore
) -> None:
    cid = backend.customers.create(NewCustomer("Commit Fails"))

    def fail_writes(conn: Connection) -> None:
        if conn.get_execution_options().get("sqlite_begin") == "IMMEDIATE":
            raise sqlite3.OperationalError("disk I/O error")

    event.listen(backend.db.engine, "commit", fail_writes)
    try:
        with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
            backend.referrals.issue_slip("turntable", vendor_id=store.sound_hut, customer_id=cid)
    finally:
        event.remove(backend.db.engine, "commit", fail_writes)
    assert _written(backend) == (0, 0, 0, 0)


def test_a_place_renamed_while_the_slip_was_built_is_rebuilt(
    backend: Backend, store: SmallStore
) -> None:
    """The slip never names a place differently from what was recorded for it."""
    from posassist.services.vendors import VendorInput

    renamed: list[bytes] = []

    def rename_once(pdf: bytes) -> None:
        if not renamed:
            renamed.append(pdf)
            current = next(v for v in backend.vendors.list() if v.id == store.sound_hut)
            backend.vendors.update(
                store.sound_hut,
                VendorInput(
                    "Sound Hut Hi-Fi",
                    address=current.address,
                    phone=current.phone,
                    website=current.website,
                    hours=current.hours,
                    categories=current.categories,
                    keywords=current.keywords,
                ),
            )

    slip = backend.referrals.issue_slip(
        "turntable", vendor_id=store.sound_hut, before_record=rename_once
    )
    assert "Sound Hut Audio" in pdf_text(renamed[0])
    assert slip.target_name == "Sound Hut Hi-Fi"
    assert "Sound Hut Hi-Fi" in pdf_text(slip.pdf)
    assert _written(backend)[0] == 1

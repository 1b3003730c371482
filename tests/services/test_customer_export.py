"""A customer's data on request: the JSON holds everything the card shows, the PDF reads it."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pypdf
import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from posassist.app import Backend
from posassist.domain import identifiers as ids
from posassist.domain.fields import CUSTOMER_FIELDS
from posassist.domain.holds import TIMELINE_KIND_PREFIX
from posassist.errors import InvalidInputError, PermissionDeniedError
from posassist.services.customers import CustomerCard, NewCustomer
from posassist.services.interactions import LineItem
from posassist.storage.orm import AuditLog, Outbox
from tests.commit_trap import fail_commits_with_audit, release
from tests.conftest import MovableClock
from tests.small_store import fill


def _settle_everything(backend: Backend) -> None:
    """What a sync round leaves: every queued change acknowledged by central."""
    with backend.db.write() as s:
        s.execute(update(Outbox).values(state="acked"))


def build_customer(backend: Backend, clock: MovableClock) -> uuid.UUID:
    """A customer with purchases (lines, one voided), help, both kinds of referral, a
    hold with a step, an ask we could not meet, a merged duplicate, notes, and one change
    not synced yet."""
    store = fill(backend)
    cid = backend.customers.create(
        NewCustomer(
            "Philippa Quintessa",
            phone="(212) 555-0142",
            email="pquint@example.com",
            card_code="PA00004242",
            consent_contact=True,
            notes="prefers the blue bags",
        )
    )
    dup = backend.customers.create(NewCustomer("Pippa Quintessa"))
    backend.interactions.log(dup, "question", note="asked about gift wrap")
    clock.at -= timedelta(days=20)
    backend.interactions.log(
        cid,
        "purchase",
        basket_minor=2450,
        items=[LineItem("Classic notebook", sku="P1"), LineItem("Pens", quantity=3)],
    )
    clock.at += timedelta(days=10)
    wrong = backend.interactions.log(cid, "purchase", basket_minor=100)
    backend.interactions.void(wrong, "rang up twice")
    backend.interactions.log(cid, "service", note="helped choose a lamp")
    clock.at += timedelta(days=10)
    backend.referrals.issue_slip("bluetooth speaker", vendor_id=store.sound_hut, customer_id=cid)
    backend.referrals.record_arrival(customer_id=cid, vendor_id=store.book_nook, code=None)
    backend.holds.request(store.riverside, "P2", cid)
    other = backend.holds.request(store.riverside, "P1", cid, relay=True)
    backend.holds.mark(other.code, "cancelled")
    backend.finder.log_unmet_demand("Vinyl records", customer_id=cid)
    backend.customers.merge(dup, cid)
    _settle_everything(backend)
    backend.customers.update_notes(cid, "prefers the blue bags; size M", "oat milk")  # unsynced
    backend.interactions.log(cid, "feedback", note="loves the new layout")  # unsynced
    return cid


def _items(row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(
        line["description"]
        if line["quantity"] == 1
        else f"{line['quantity']} × {line['description']}"
        for line in row["lines"]
    )


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def assert_holds_the_card(doc: dict[str, Any], card: CustomerCard) -> None:
    """Every field and every timeline row of the card is in the document."""
    me = doc["records"][0]
    assert me["id"] == str(card.id)
    assert me["primary"]
    assert set(CUSTOMER_FIELDS) <= set(me)
    assert me["display_name"] == card.display_name
    assert ids.mask_phone(me["phone_e164"]) == card.phone_masked
    assert ids.mask_email(me["email"]) == card.email_masked
    assert me["card_code"] == card.card_code
    assert (me["consent_contact"], me["notes"], me["preferences"]) == (
        card.consent_contact, card.notes, card.preferences,
    )  # fmt: skip
    summary = doc["card"]
    assert summary["visits"]["total"] == card.visits.visit_days_total
    assert summary["visits"]["last_visit"] == card.visits.last_visit.isoformat()  # type: ignore[union-attr]
    assert summary["standing"]["reasons"] == card.flag.reasons
    assert summary["greeting"] == card.greeting
    assert [f["name"] for f in summary["favourites"]["most_often"]] == [
        f.name for f in card.favourites.most_often
    ]
    interactions = {i["id"]: i for i in doc["interactions"]}
    holds = {h["id"]: h for h in doc["holds"]}
    assert card.timeline
    for entry in card.timeline:
        if entry.kind.startswith(TIMELINE_KIND_PREFIX):
            hold = holds[str(entry.id)]
            state = entry.kind.removeprefix(TIMELINE_KIND_PREFIX)
            times = [_at(hold["created_at"])] if state == "requested" else []
            times += [_at(st["at"]) for st in hold["steps"] if st["to_state"] == state]
            assert entry.occurred_at in times, entry
            assert hold["code"] in entry.note
            assert hold["product_name"] in entry.note
            continue
        row = interactions[str(entry.id)]
        assert row["kind"] == entry.kind
        assert _at(row["occurred_at"]) == entry.occurred_at
        assert (row["branch"], row["staff"]) == (entry.branch_name, entry.staff_name)
        assert row["basket_minor"] == entry.basket_minor
        assert _items(row) == entry.items
        assert row["note"] == entry.note
        reasons = [v["reason"] for v in row["voids"]]
        assert (reasons[0] if reasons else None) == entry.void_reason


def test_the_export_holds_everything_the_card_shows_and_what_is_not_synced_yet(
    backend: Backend, clock: MovableClock, tmp_path: Path
) -> None:
    cid = build_customer(backend, clock)
    card = backend.customers.card(cid)
    json_path, pdf_path = backend.exports.export("PA00004242", tmp_path / "philippa.json")
    assert pdf_path == tmp_path / "philippa.pdf"
    doc = json.loads(json_path.read_text(encoding="utf-8"))
    assert_holds_the_card(doc, card)
    # Everything held, beyond the card: the merged record, voids, referrals both ways,
    # every hold step, the ask.
    assert [r["display_name"] for r in doc["records"]] == ["Philippa Quintessa", "Pippa Quintessa"]
    assert [a["merged_id"] for a in doc["aliases"]] == [doc["records"][1]["id"]]
    assert sorted(r["direction"] for r in doc["referrals"]) == ["arrived", "issued"]
    assert {r["vendor"] for r in doc["referrals"]} == {"Sound Hut Audio", "Book Nook"}
    assert sorted(h["state"] for h in doc["holds"]) == ["cancelled", "requested"]
    # the slip's ask, and one asked for with no slip
    assert sorted(u["item_asked"] for u in doc["unmet_demand"]) == [
        "Vinyl records", "bluetooth speaker",
    ]  # fmt: skip
    voided = [i for i in doc["interactions"] if i["voids"]]
    assert [v["reason"] for v in voided[0]["voids"]] == ["rang up twice"]
    assert "asked about gift wrap" in {i["note"] for i in doc["interactions"]}
    # Not synced yet: the notes just changed and the feedback just logged; the rest is.
    assert doc["records"][0]["synced"] is False
    assert doc["records"][0]["notes"] == "prefers the blue bags; size M"
    by_note = {i["note"]: i["synced"] for i in doc["interactions"]}
    assert by_note["loves the new layout"] is False
    assert by_note["helped choose a lamp"] is True

    text = " ".join(
        " ".join(str(p.extract_text()).split()) for p in pypdf.PdfReader(pdf_path).pages
    )
    assert "Philippa Quintessa" in text
    assert "+12125550142" in text
    assert "pquint@example.com" in text
    assert "size M" in text
    for row in doc["interactions"]:
        local = _at(row["occurred_at"]).astimezone(backend.ctx.tz)
        assert local.strftime("%Y-%m-%d %H:%M") in text, row["kind"]
    assert "not yet synced" in text
    assert "Hold " + doc["holds"][0]["code"] in text

    with backend.db.read() as s:
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "export")).all()
    assert [(a.entity, a.entity_id, a.staff_id) for a in audit] == [
        ("customer", str(cid), backend.ctx.staff_id)
    ]
    assert "Philippa" not in audit[0].detail


def test_a_cashier_may_not_export_and_nothing_is_written(backend: Backend, tmp_path: Path) -> None:
    backend.customers.create(NewCustomer("Ann Lee", card_code="PA00000101"))
    backend.ctx.sign_in(None, "Casey", "cashier")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(PermissionDeniedError, match="Only a manager can export customer data"):
        backend.exports.export("PA00000101", out / "ann.json")
    assert list(out.iterdir()) == []


def test_a_failed_write_leaves_neither_file_nor_a_temporary_one(
    backend: Backend, tmp_path: Path
) -> None:
    backend.customers.create(NewCustomer("Ann Lee", card_code="PA00000101"))
    out = tmp_path / "out"
    out.mkdir()
    (out / "ann.pdf").mkdir()  # the PDF's name is taken by a folder
    with pytest.raises(InvalidInputError, match=r"ann\.pdf.*folder") as caught:
        backend.exports.export("PA00000101", out / "ann.json")
    assert caught.value.field == "file"
    assert sorted(p.name for p in out.iterdir()) == ["ann.pdf"]  # no JSON, no .tmp
    with backend.db.read() as s:  # no export happened, so none is recorded
        assert s.scalars(select(AuditLog).where(AuditLog.action == "export")).all() == []


def test_a_full_disk_is_named_with_the_file(tmp_path: Path) -> None:
    """A real refusal from the OS: a file size limit (EFBIG, as from a full disk)."""
    import subprocess
    import sys

    script = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from posassist.services.csv_files import write_files_atomically\n"
        "from posassist.errors import InvalidInputError\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))\n"
        "d = Path(sys.argv[1])\n"
        "try:\n"
        "    write_files_atomically([(d / 'a.json', b'x' * 10), (d / 'a.pdf', b'y' * 100000)])\n"
        "except InvalidInputError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert f"Cannot write {tmp_path / 'a.pdf'}: the disk is full" in done.stdout
    assert list(tmp_path.iterdir()) == []


def test_a_failed_commit_leaves_no_file_and_no_entry(backend: Backend, tmp_path: Path) -> None:
    """The audit entry and the files are one transaction: the commit refused after both
    files were renamed into place removes them again (an older file is put back)."""
    backend.customers.create(NewCustomer("Ann Lee", card_code="PA00000101"))
    out = tmp_path / "out"
    out.mkdir()
    (out / "ann.pdf").write_bytes(b"an older export")
    fail_commits_with_audit(backend.db)
    with pytest.raises(IntegrityError):
        backend.exports.export("PA00000101", out / "ann.json")
    assert sorted(p.name for p in out.iterdir()) == ["ann.pdf"]
    assert (out / "ann.pdf").read_bytes() == b"an older export"
    release(backend.db)
    with backend.db.read() as s:
        assert s.scalars(select(AuditLog).where(AuditLog.action == "export")).all() == []
    backend.exports.export("PA00000101", out / "ann.json")
    assert sorted(p.name for p in out.iterdir()) == ["ann.json", "ann.pdf"]
    with backend.db.read() as s:
        assert len(s.scalars(select(AuditLog).where(AuditLog.action == "export")).all()) == 1

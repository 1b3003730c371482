"""The finder's OUR OTHER BRANCHES rows: each branch's stock, its age and its phone."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from posassist.app import Backend
from posassist.services.context import branch_id_for
from posassist.storage.orm import Branch
from posassist.ui.models.referrals import finder_entries
from tests.conftest import NOW, MovableClock


def test_another_branch_shows_its_count_its_age_and_its_phone(
    backend: Backend, tmp_path: Path, clock: MovableClock
) -> None:
    with backend.db.write() as s:
        s.add(Branch(id=branch_id_for("RIV"), code="RIV", name="Riverside", phone="555-0101"))
    products, stock = tmp_path / "p.csv", tmp_path / "s.csv"
    products.write_text("sku,name,category\nK1,Blue kettle,Kitchen\n", encoding="utf-8")
    stock.write_text("branch_code,sku,on_hand,as_of\nRIV,K1,4,2026-11-20 08:30\n", "utf-8")
    backend.catalog.import_products(products)
    backend.catalog.import_stock(stock)
    clock.at = NOW + timedelta(days=3)  # offline for days: the same count, honestly aged
    result = backend.finder.find("kettle")
    rows = finder_entries(result, backend.ctx.tz, backend.finder.local_now())
    (branch,) = [r for r in rows if r.tier == "branch"]
    assert branch.text == (
        "Riverside — 4 × Blue kettle\nas of 3 days ago (20 Nov 08:30)  ·  ☎ 555-0101"
    )

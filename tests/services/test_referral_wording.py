"""What was meant is what is printed and counted: corrected wording, spellings as variants."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pypdf
import pytest
from sqlalchemy import select

from posassist.app import Backend
from posassist.storage.orm import Referral, UnmetDemand
from tests.small_store import SmallStore, fill


@pytest.fixture
def store(backend: Backend) -> SmallStore:
    return fill(backend)


def test_any_word_finds_the_comic_shop(backend: Backend, store: SmallStore) -> None:
    names = [m.vendor.name for m in backend.finder.find("manga comics").vendors]
    assert names[0] == "Book Nook"  # "comics" is a keyword of theirs; "manga" nobody's


def test_slip_prints_the_corrected_wording_and_demand_keeps_the_typed(
    backend: Backend, store: SmallStore
) -> None:
    typed = "wireles hedphones"
    meant = backend.finder.find(typed).ask
    assert meant == "wireless headphones"
    slip = backend.referrals.issue_slip(meant, vendor_id=store.sound_hut, asked_as=typed)
    text = str(pypdf.PdfReader(io.BytesIO(slip.pdf)).pages[0].extract_text())
    assert "wireless headphones" in text
    assert "hedphones" not in text
    with backend.db.read() as s:
        referral = s.get(Referral, slip.referral_id)
        assert referral is not None
        assert referral.item_asked == meant
        demand = s.execute(select(UnmetDemand.item_asked, UnmetDemand.item_key)).one()
    assert tuple(demand) == (typed, "wireless headphones")


def test_unmet_demand_groups_spellings_and_lists_variants(
    backend: Backend, store: SmallStore, tmp_path: Path
) -> None:
    for typed in ("wireless headphones", "wireles hedphones", "Wireless headphone", "kites"):
        backend.finder.log_unmet_demand(typed)  # corrected from the index's vocabulary
    backend.finder.log_unmet_demand("wireless hedphones", wording="wireless headphones")
    rows = {r.item_key: r for r in backend.referrals.unmet_demand()}
    assert set(rows) == {"wireless headphones", "kites"}
    row = rows["wireless headphones"]
    assert row.count == 4
    assert row.item == "wireless headphones"
    assert row.variants == ("Wireless headphone", "wireles hedphones", "wireless hedphones")
    assert row.item_with_variants == (
        "wireless headphones (also: Wireless headphone, wireles hedphones, wireless hedphones)"
    )
    assert rows["kites"].variants == ()
    out = tmp_path / "demand.csv"
    backend.referrals.export_demand_csv(list(rows.values()), out)
    lines = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert lines[0][:2] == ["item", "variants"]
    assert lines[1][:3] == [
        "wireless headphones",
        "Wireless headphone; wireles hedphones; wireless hedphones",
        "4",
    ]

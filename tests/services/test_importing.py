"""The import service: one transaction, all or nothing; dry runs, problems, Cancel,
progress, the audit entry, saved mappings, and real exports linked end to end."""

from __future__ import annotations

import hashlib
import itertools
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from posassist.app import Backend
from posassist.errors import CancelledError, InvalidInputError
from posassist.importers.report import Progress
from posassist.services.importing import ImportService
from posassist.storage.database import STORE_FILENAME, WAL_TRIM_BYTES
from posassist.storage.orm import AuditLog, Customer, Interaction, Outbox, PurchaseLine
from tests.conftest import NOW, MovableClock, make_backend
from tests.importers import exports_shopify as shopify
from tests.importers.exports import write_square_customers, write_square_items


def _importer(backend: Backend) -> ImportService:
    return ImportService(backend.ctx, backend.customers)


def _count(backend: Backend, model: type) -> int:
    with backend.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _till(path: Path, rows: int = 3) -> Path:
    lines = [f"{i % 7},2026-0{1 + i % 9}-1{i % 10},{i}.50" for i in range(rows)]
    path.write_text("customer_id,date,amount\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_dry_run_counts_exactly_and_writes_nothing(backend: Backend, tmp_path: Path) -> None:
    path = _till(tmp_path / "till.csv", 20)
    before = _count(backend, Outbox)
    dry = _importer(backend).run("transactions", path, dry_run=True)
    assert (dry.imported, dry.dry_run) == (False, True)
    assert (_count(backend, Customer), _count(backend, Interaction)) == (0, 0)
    assert _count(backend, Outbox) == before
    real = _importer(backend).run("transactions", path)
    assert real.imported
    counts = ("rows", "customers_new", "interactions", "lines", "anonymous", "skipped")
    assert [getattr(dry, c) for c in counts] == [getattr(real, c) for c in counts]
    assert (real.customers_new, real.interactions) == (7, 20)


def test_a_problem_means_nothing_is_written(backend: Backend, tmp_path: Path) -> None:
    path = tmp_path / "till.csv"
    path.write_text("customer_id,date,amount\n1,2026-01-05,3\n2,2026-01-06,ten\n", "utf-8")
    report = _importer(backend).run("transactions", path)
    assert (report.imported, report.problems) == (False, 1)
    assert report.first_problems == [
        f"{path}, line 3, column “amount”: “ten” is not an amount (write it like 12.50)"
    ]
    assert (_count(backend, Customer), _count(backend, Interaction), _count(backend, Outbox)) == (
        0,
        0,
        0,
    )


def _sha(folder: Path) -> str:
    return hashlib.sha256((folder / STORE_FILENAME).read_bytes()).hexdigest()


def test_cancel_leaves_the_store_byte_for_byte(tmp_path: Path, clock: MovableClock) -> None:
    folder = tmp_path / "store"
    make_backend(folder, clock).close()
    before = _sha(folder)
    path = _till(tmp_path / "big.csv", 30_000)
    backend = make_backend(folder, clock)
    cancel = threading.Event()
    seen: list[Progress] = []

    def progress(p: Progress) -> None:
        seen.append(p)
        if p.rows >= 10_000:
            cancel.set()  # as the dialog's Cancel button does, from the same thread here

    try:
        with pytest.raises(CancelledError, match="cancelled, nothing imported"):
            _importer(backend).run("transactions", path, progress=progress, cancel=cancel)
        assert seen
        assert seen[-1].rows < 30_000
    finally:
        backend.close()
    assert _sha(folder) == before


def test_progress_is_reported_and_the_audit_entry_names_no_file(
    backend: Backend, tmp_path: Path
) -> None:
    path = _till(tmp_path / "jane_doe_orders.csv", 12_000)
    seen: list[Progress] = []
    report = _importer(backend).run("transactions", path, progress=seen.append)
    assert report.imported
    assert seen[-1].rows == 12_000
    assert seen[-1].fraction == 1.0
    assert all(a.rows <= b.rows for a, b in itertools.pairwise(seen))
    with backend.db.read() as s:
        entry = s.scalars(select(AuditLog).where(AuditLog.action == "import")).one()
    assert (entry.entity, entry.entity_id) == ("import", "transactions")
    assert "interactions 12000" in entry.detail
    assert "jane" not in entry.detail.lower()


def test_the_name_index_sees_the_imported_customers(backend: Backend, tmp_path: Path) -> None:
    assert backend.customers.search("customer 5") == []  # loads the (empty) name index
    _importer(backend).transactions(_till(tmp_path / "till.csv", 10))
    assert [h.display_name for h in backend.customers.search("customer 5")] == ["Customer 5"]


def test_reference_kinds_and_unknown_kinds_are_refused(backend: Backend, tmp_path: Path) -> None:
    path = _till(tmp_path / "till.csv")
    for kind in ("products", "nonsense"):
        with pytest.raises(InvalidInputError):
            _importer(backend).run(kind, path)
    with pytest.raises(InvalidInputError, match="only for kind “mapped”"):
        _importer(backend).run("transactions", path, mapping="till")
    with pytest.raises(InvalidInputError, match="no saved column mapping"):
        _importer(backend).run("mapped", path, mapping="never saved")


def test_a_saved_mapping_is_reused_by_name(backend: Backend, tmp_path: Path) -> None:
    importer = _importer(backend)
    with pytest.raises(InvalidInputError, match="Unknown field “colour”"):
        importer.save_mapping("till", {"date": "Day", "colour": "Red"})
    with pytest.raises(InvalidInputError, match="needs a column for “date”"):
        importer.save_mapping("till", {"customer_id": "Member"})
    importer.save_mapping("till", {"date": "Day", "customer_id": "Member", "amount": "Paid"})
    importer.save_mapping("other", {"date": "When"})
    assert importer.mappings() == ["other", "till"]
    assert importer.mapping("till") == {"date": "Day", "customer_id": "Member", "amount": "Paid"}
    path = tmp_path / "mine.csv"
    path.write_text("Member,Day,Paid\nM1,2026-03-01,4.00\nM1,2026-03-02,5.00\n", "utf-8")
    report = importer.run("mapped", path, mapping="till")
    assert (report.imported, report.customers_new, report.interactions) == (True, 1, 2)
    assert importer.header(path) == ["Member", "Day", "Paid"]
    assert importer.run("mapped", path, mapping="till").interactions == 0  # reused: nothing new


def test_square_customers_then_items_link_the_purchases(backend: Backend, tmp_path: Path) -> None:
    customers = write_square_customers(
        tmp_path / "customers.csv",
        [{"First Name": "Ann", "Last Name": "Archer", "Square Customer ID": "SQ-ANN",
          "Email Address": "ann@example.com", "Email Subscription Status": "subscribed"}],
    )  # fmt: skip
    items = write_square_items(
        tmp_path / "items.csv",
        [{"Date": "2026-05-12", "Time": "12:54:07", "Time Zone": "Eastern Time (US & Canada)",
          "Item": name, "Qty": "1", "Gross Sales": price, "Net Sales": price,
          "Transaction ID": "T-1", "Payment ID": "P-1", "Event Type": "Payment",
          "Customer ID": "SQ-ANN", "Customer Name": "Ann Archer"}
         for name, price in (("Tea", "$3.50"), ("Cake", "$4.25"))],
    )  # fmt: skip
    importer = _importer(backend)
    assert importer.detect(customers)[0] == "square-customers"
    assert importer.run("square-customers", customers).customers_new == 1
    report = importer.run("square-items", items)
    assert (report.customers_new, report.customers_matched) == (0, 1)
    assert (report.interactions, report.lines) == (1, 2)
    with backend.db.read() as s:
        (customer,) = s.scalars(select(Customer)).all()
        visit = s.scalars(select(Interaction)).one()
        assert visit.customer_id == customer.id
        assert (customer.display_name, customer.email) == ("Ann Archer", "ann@example.com")
    assert _count(backend, PurchaseLine) == 2


def test_a_shopify_order_is_one_purchase_with_its_lines(backend: Backend, tmp_path: Path) -> None:
    path = shopify.write_orders(
        tmp_path / "orders.csv",
        shopify.order(
            {"Name": "#1001", "Email": "bo@example.com", "Created at": "2026-05-12 12:54:07 -0700",
             "Total": "12.00", "Financial Status": "paid", "Billing Name": "Bo Brown"},
            shopify.line("Mug", "8.00"),
            shopify.line("Card", "2.00", quantity="2"),
        ),
    )  # fmt: skip
    report = _importer(backend).run("shopify-orders", path)
    assert (report.imported, report.problems) == (True, 0), report.first_problems
    assert (report.customers_new, report.interactions, report.lines) == (1, 1, 2)
    with backend.db.read() as s:
        visit = s.scalars(select(Interaction)).one()
        assert (visit.kind, visit.basket_minor) == ("purchase", 1200)
        assert [(x.description, x.quantity) for x in visit.lines] == [("Mug", 1), ("Card", 2)]
    assert _count(backend, Customer) == 1


def test_the_store_clock_is_the_cut_off(tmp_path: Path) -> None:
    """A sale dated after the store's tomorrow is a problem (the store's clock decides)."""
    backend = make_backend(tmp_path / "store", MovableClock(NOW))
    try:
        path = tmp_path / "t.csv"
        path.write_text("customer_id,date\n1,2026-11-23\n", "utf-8")
        assert _importer(backend).transactions(path).problems == 1
    finally:
        backend.close()


def test_a_refused_file_still_counts_every_row_read(backend: Backend, tmp_path: Path) -> None:
    """ "1,204 rows read, 3 problems" must be true: the rows after a problem are counted,
    a row of the wrong width is a row, and a blank line is not."""
    path = tmp_path / "till.csv"
    path.write_text(
        "customer_id,date,amount\n"
        "1,2026-01-05,3\n"
        "2,2026-01-06,ten\n"
        "\n"
        "3,2026-01-07\n"
        "4,2026-01-08,4\n"
        "5,2026-01-09,5\n",
        "utf-8",
    )
    report = _importer(backend).run("transactions", path)
    assert (report.imported, report.rows, report.problems) == (False, 5, 2)
    assert _count(backend, Interaction) == 0


def test_a_big_import_leaves_no_bloated_wal(backend: Backend, tmp_path: Path) -> None:
    """One big transaction's pages go through the WAL, and SQLite's own checkpoints keep
    the file's size: without a truncating checkpoint the store folder would keep it."""
    wal = Path(f"{backend.db.path}-wal")
    report = _importer(backend).run("transactions", _till(tmp_path / "big.csv", 60_000))
    assert report.imported
    assert report.interactions == 60_000
    assert not wal.exists() or wal.stat().st_size <= WAL_TRIM_BYTES, wal.stat().st_size
    assert _count(backend, Interaction) == 60_000


def test_a_mapping_given_with_the_import_is_saved_only_when_it_commits(
    backend: Backend, tmp_path: Path
) -> None:
    importer = _importer(backend)
    good = tmp_path / "good.csv"
    good.write_text("Day,Member\n2026-01-05,A\n2026-01-06,B\n", "utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("Day,Member\n2026-01-05,A\nsomeday,B\n", "utf-8")
    fields = {"date": "Day", "customer_id": "Member"}
    dry = importer.run("mapped", good, dry_run=True, mapping="till", mapping_fields=fields)
    assert dry.interactions == 2
    assert importer.mapping("till") is None  # a dry run saves nothing
    refused = importer.run("mapped", bad, mapping="till", mapping_fields=fields)
    assert refused.problems == 1
    assert importer.mapping("till") is None  # nor does a refused file
    with pytest.raises(InvalidInputError, match="needs a column for “date”"):
        importer.run("mapped", good, mapping="till", mapping_fields={"customer_id": "Member"})
    done = importer.run("mapped", good, mapping="till", mapping_fields=fields)
    assert done.imported
    assert importer.mapping("till") == fields

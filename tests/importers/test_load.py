"""The loader: matching order, derived and legacy ids, idempotence, refunds, erasure,
aliases, outbox rows like the register's own, chunk boundaries, flat memory.

The records come from small formats of the test's own (a real format of records: the
loader never sees a CSV cell) and go into a real SQLite store.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from posassist.app import Backend
from posassist.errors import CancelledError
from posassist.importers.load import NAMESPACE, Counts, interaction_id, load
from posassist.importers.reader import Table, open_table
from posassist.importers.records import ParseContext, Person, Problems, Sale, SaleItem, Skip
from posassist.importers.transactions import import_transactions
from posassist.services.customers import NewCustomer
from posassist.services.interactions import LineItem
from posassist.storage.orm import (
    Customer,
    CustomerExternalId,
    Interaction,
    Outbox,
    PurchaseLine,
)

AT = datetime(2026, 5, 12, 19, 54, tzinfo=UTC)
DAY = date(2026, 5, 12)
Record = Person | Sale | Skip


class Listed:
    """A format whose records are given: what a parser would have yielded."""

    kind = "test"
    source = "square"
    columns = ()

    def __init__(self, records: list[Record]) -> None:
        self.records = records

    def parse(self, table: Table, ctx: ParseContext) -> Iterator[Record]:
        yield from self.records


def _load(backend: Backend, tmp_path: Path, records: list[Record], chunk: int = 5000) -> Counts:
    path = tmp_path / "file.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    ctx = backend.ctx
    parse = ParseContext("America/New_York", "US", date(2026, 11, 20))
    with open_table(path, (), Problems(path)) as table, ctx.db.write() as s:
        return load(
            s,
            Listed(records),
            table,
            parse,
            stamp=ctx.stamp,
            branch_id=ctx.branch_id,
            chunk_rows=chunk,
        )


def _sale(key: str, person: Person | None, *items: SaleItem, **kw: object) -> Sale:
    return Sale("square", key, 2, person, AT, DAY, items=list(items), **kw)  # type: ignore[arg-type]


def _count(backend: Backend, model: type) -> int:
    with backend.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _owner(backend: Backend, key: str, source: str = "square") -> uuid.UUID | None:
    with backend.db.read() as s:
        return s.scalar(
            select(Interaction.customer_id).where(Interaction.id == interaction_id(source, key))
        )


def _add(backend: Backend, name: str, **kw: str) -> uuid.UUID:
    consent = bool(kw.get("phone") or kw.get("email"))
    return backend.customers.create(NewCustomer(name, consent_contact=consent, **kw))


def test_external_id_beats_card_beats_phone_beats_email(backend: Backend, tmp_path: Path) -> None:
    by_ext = _add(backend, "Ext Only")
    by_card = _add(backend, "Card Holder", card_code="CARD100")
    by_phone = _add(backend, "Phone Owner", phone="+12025550101")
    by_email = _add(backend, "Mail Owner", email="mail@example.com")
    with backend.db.write() as s:
        s.add(CustomerExternalId(source="square", external_id="SQ1", customer_id=by_ext))
    everything = {"card": "CARD100", "phone": "+12025550101", "email": "mail@example.com"}
    counts = _load(
        backend,
        tmp_path,
        [
            _sale("t1", Person("square", "SQ1", **everything)),
            _sale("t2", Person("square", "SQ-new", **everything)),
            _sale("t3", Person("square", None, phone="+12025550101", email="mail@example.com")),
            _sale("t4", Person("square", None, email="mail@example.com")),
        ],
    )
    assert [_owner(backend, k) for k in ("t1", "t2", "t3", "t4")] == [
        by_ext,
        by_card,
        by_phone,
        by_email,
    ]
    assert (counts.customers_new, counts.customers_matched, counts.interactions) == (0, 4, 4)
    with backend.db.read() as s:  # the new Square id is now on record for the card holder
        linked = s.scalar(
            select(CustomerExternalId.customer_id).where(CustomerExternalId.external_id == "SQ-new")
        )
    assert linked == by_card


def test_old_style_import_then_a_new_one_adds_nothing(backend: Backend, tmp_path: Path) -> None:
    path = tmp_path / "till.csv"
    path.write_text("customer_id,date,amount\n7,2026-01-05,12.50\n8,2026-02-01,\n", "utf-8")
    with backend.db.write() as s:
        ctx = backend.ctx
        import_transactions(
            s, path, branch_id=ctx.branch_id, tz=ctx.tz, stamp=ctx.stamp, today=ctx.today()
        )
    before = (_count(backend, Customer), _count(backend, Interaction), _count(backend, Outbox))

    def legacy_sale(cust: str, day: date, amount: int | None) -> Sale:
        person = Person("transactions", cust, display_name=f"Customer {cust}")
        at = datetime(day.year, day.month, day.day, 17, tzinfo=UTC)
        return Sale("transactions", f"{cust}:{day.isoformat()}:{amount}", 2, person, at, day,
                    basket_minor=amount)  # fmt: skip

    counts = _load(
        backend,
        tmp_path,
        [legacy_sale("7", date(2026, 1, 5), 1250), legacy_sale("8", date(2026, 2, 1), None)],
    )
    assert (counts.customers_new, counts.interactions, counts.skipped) == (0, 0, 2)
    assert counts.customers_matched == 2
    assert (_count(backend, Customer), _count(backend, Interaction)) == before[:2]


def test_same_records_twice_add_nothing_the_second_time(backend: Backend, tmp_path: Path) -> None:
    records: list[Record] = [
        Person("square", "A1", display_name="Ann Archer", card="CARD111"),
        _sale("t1", Person("square", "A1"), SaleItem("Tea", 2, 350)),
        _sale("t2", None, basket_minor=100),
        Skip(9, "not a sale"),
    ]
    first = _load(backend, tmp_path, records)
    again = _load(backend, tmp_path, records)
    assert (first.customers_new, first.interactions, first.lines, first.anonymous) == (1, 2, 1, 1)
    assert first.skipped == 1
    assert (again.customers_new, again.interactions, again.lines) == (0, 0, 0)
    assert again.skipped == 3  # two stored sales and the non-sale event
    assert again.customers_matched == 1
    assert (_count(backend, Customer), _count(backend, Interaction)) == (1, 2)
    assert _count(backend, CustomerExternalId) == 1


def test_anonymous_sales_and_refunds(backend: Backend, tmp_path: Path) -> None:
    ann = Person("square", "A1", display_name="Ann")
    counts = _load(
        backend,
        tmp_path,
        [
            _sale("pay", ann, SaleItem("Tea", 1, 500), basket_minor=500),
            _sale(
                "ref",
                ann,
                SaleItem("Tea", 1, -500),
                basket_minor=-500,
                kind="refund",
                note="Refund of payment P-9",
            ),
            _sale("walk", None, basket_minor=250),
        ],
    )
    assert (counts.interactions, counts.lines, counts.anonymous) == (3, 1, 1)
    with backend.db.read() as s:
        refund = s.get(Interaction, interaction_id("square", "ref"))
        walk = s.get(Interaction, interaction_id("square", "walk"))
        assert refund is not None
        assert walk is not None
        assert (refund.kind, refund.basket_minor) == ("service", None)
        assert refund.note == "Refund of payment P-9 (5.00 refunded)"
        assert refund.lines == []
        assert (walk.customer_id, walk.kind, walk.basket_minor) == (None, "purchase", 250)
        assert walk.staff_id is None
        assert walk.register_id is None


def test_an_erased_persons_rows_are_skipped(backend: Backend, tmp_path: Path) -> None:
    _load(backend, tmp_path, [Person("square", "GONE", display_name="Gone Person", card="CARD999")])
    with backend.db.read() as s:
        cid = s.scalar(select(Customer.id))
    assert cid is not None
    backend.privacy.erase_customer(cid)
    counts = _load(
        backend,
        tmp_path,
        [
            Person("square", "GONE", display_name="Gone Person", card="CARD999"),
            _sale("t9", Person("square", "GONE"), basket_minor=100),
        ],
    )
    assert (counts.customers_new, counts.interactions, counts.skipped) == (0, 0, 2)
    assert _count(backend, Customer) == 1


def test_a_merged_customer_resolves_to_the_survivor(backend: Backend, tmp_path: Path) -> None:
    merged = _add(backend, "Old Record", card_code="CARDOLD1")
    survivor = _add(backend, "Kept Record")
    backend.customers.merge(merged, survivor)
    _load(backend, tmp_path, [_sale("t1", Person("square", None, card="CARDOLD1"))])
    assert _owner(backend, "t1") == survivor


def test_a_match_fills_only_empty_fields(backend: Backend, tmp_path: Path) -> None:
    cid = _add(backend, "Bea Baker", phone="+12025550199")
    _load(
        backend,
        tmp_path,
        [
            Person(
                "square",
                "B1",
                display_name="Beatrice",
                phone="+12025550199",
                email="bea@example.com",
                card="CARD77X",
                notes="likes jazz",
                consent=False,
            ),
        ],
    )
    with backend.db.read() as s:
        c = s.get(Customer, cid)
        assert c is not None
        # Name and consent are the register's; the empty fields are filled (consent given).
        assert (c.display_name, c.consent_contact) == ("Bea Baker", True)
        assert (c.email, c.card_code, c.notes) == ("bea@example.com", "CARD77X", "likes jazz")
        update = s.scalars(select(Outbox).where(Outbox.op == "update")).one()
        assert update.payload == {"email": "bea@example.com", "card_code": "CARD77X",
                                  "notes": "likes jazz"}  # fmt: skip
        assert c.field_clocks["email"] == update.hlc


def test_new_customers_keep_contact_details_only_with_consent(
    backend: Backend, tmp_path: Path
) -> None:
    counts = _load(
        backend,
        tmp_path,
        [
            Person("square", "Y", email="yes@example.com", consent=True),
            Person("square", None, email="no@example.com", phone="+12025550123"),
        ],
    )
    assert counts.customers_new == 2
    with backend.db.read() as s:
        rows = {c.display_name: (c.email, c.phone_e164) for c in s.scalars(select(Customer))}
    assert rows["Square customer Y"] == ("yes@example.com", None)
    unnamed = [name for name in rows if name.startswith("Imported customer ")]
    assert len(unnamed) == 1
    assert rows[unnamed[0]] == (None, None)
    # Without consent the e-mail is not kept, yet the same person again is the same customer.
    same = Person("square", None, email="no@example.com", phone="+12025550123")
    again = _load(backend, tmp_path, [same])
    assert (again.customers_new, again.customers_matched) == (0, 1)


def test_outbox_rows_are_shaped_like_the_registers_own(backend: Backend, tmp_path: Path) -> None:
    own_customer = backend.customers.create(NewCustomer("Own Customer"))
    backend.interactions.log(own_customer, "purchase", basket_minor=100, items=[LineItem("Pen")])
    _load(
        backend,
        tmp_path,
        [_sale("t1", Person("square", "Z1", display_name="Zed"), SaleItem("Ink", 2, 150, "SKU"))],
    )
    with backend.db.read() as s:
        ops = s.scalars(select(Outbox).order_by(Outbox.seq)).all()
    by_kind: dict[tuple[str, str], list[Outbox]] = {}
    for op in ops:
        by_kind.setdefault((op.entity, op.op), []).append(op)
    for key in (("customer", "insert"), ("interaction", "insert")):
        register, imported = by_kind[key]
        assert set(imported.payload) == set(register.payload)
        assert imported.state == "pending"
        assert imported.attempts == 0
        assert imported.hlc > register.hlc
    line = by_kind[("interaction", "insert")][1].payload["lines"][0]
    assert set(line) == set(by_kind[("interaction", "insert")][0].payload["lines"][0])
    assert line["description"] == "Ink"
    assert line["quantity"] == 2
    (ext,) = by_kind[("customer_external_id", "insert")]
    assert set(ext.payload) == {"id", "source", "external_id", "customer_id", "created_at"}
    assert ext.payload["id"] == str(uuid.uuid5(NAMESPACE, "external:square:Z1"))
    json.dumps([op.payload for op in ops])  # JSON as stored, no object left in it


def test_a_chunk_boundary_inside_a_multi_line_sale(backend: Backend, tmp_path: Path) -> None:
    ann = Person("square", "A1", display_name="Ann")
    big = _sale("big", Person("square", "A1"), *[SaleItem(f"Item {i}", 1, 100) for i in range(5)])
    counts = _load(
        backend,
        tmp_path,
        [ann, _sale("one", Person("square", "A1")), big, _sale("after", Person("square", "A1"))],
        chunk=3,
    )
    assert (counts.rows, counts.customers_new, counts.interactions, counts.lines) == (8, 1, 3, 5)
    with backend.db.read() as s:
        positions = s.scalars(
            select(PurchaseLine.position).where(
                PurchaseLine.interaction_id == interaction_id("square", "big")
            )
        ).all()
    assert sorted(positions) == [0, 1, 2, 3, 4]
    assert {_owner(backend, k) for k in ("one", "big", "after")} == {
        uuid.uuid5(NAMESPACE, "customer:ext:square:A1")
    }


_MEMORY_SCRIPT = """
import resource, sys
from datetime import UTC, date, datetime
from pathlib import Path
from posassist.importers.load import import_pragmas, load
from posassist.importers.reader import open_table
from posassist.importers.records import ParseContext, Person, Problems, Sale, SaleItem
from tests.conftest import make_backend, MovableClock, NOW

class Generated:
    kind = "test"; source = "square"; columns = ()
    def __init__(self, n): self.n = n
    def parse(self, table, ctx):
        at = datetime(2026, 5, 12, 19, tzinfo=UTC)
        for i in range(self.n):
            person = Person("square", f"C{i % 5000}", display_name=f"Name {i % 5000}")
            yield Sale("square", f"T{i}", i + 2, person, at, date(2026, 5, 12),
                       basket_minor=100, items=[SaleItem("Tea", 1, 100)])

folder = Path(sys.argv[1]); n = int(sys.argv[2])
backend = make_backend(folder / "store", MovableClock(NOW))
path = folder / "f.csv"; path.write_text("a\\n1\\n")
ctx = backend.ctx
with open_table(path, (), Problems(path)) as t, ctx.db.write() as s, import_pragmas(s):
    # SQLite's page cache fills up to its cap with any store's growth; an 8 MB cap keeps
    # what is measured mostly the loader's own memory.
    s.connection().exec_driver_sql("PRAGMA cache_size = -8000")
    counts = load(s, Generated(n), t, ParseContext("UTC", "US", date(2026, 11, 20)),
                  stamp=ctx.stamp, branch_id=ctx.branch_id,
                  chunk_rows=1000)
assert counts.interactions == n, counts
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _peak_kb(tmp_path: Path, n: int) -> int:
    folder = tmp_path / f"m{n}"
    folder.mkdir()
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", _MEMORY_SCRIPT, str(folder), str(n)],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return int(done.stdout.split()[-1])


def test_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    """Ten times the rows, the same peak: nothing is kept from one chunk to the next."""
    small, large = _peak_kb(tmp_path, 3_000), _peak_kb(tmp_path, 20_000)
    # Chunks of 1,000 rows: both runs hold several. 17,000 more sales (with their lines,
    # outbox rows and payloads) than the small run, yet at most 10 MB more at the peak
    # (the 8 MB page cache filling included): kept per row they would take some 50 MB.
    assert large < small + 10_000, (small, large)


class SlowStart(Listed):
    """A format that reads for a while before its first record (a first pass)."""

    def parse(self, table: Table, ctx: ParseContext) -> Iterator[Record]:
        time.sleep(3)
        yield from self.records


def test_cancel_is_honoured_during_a_formats_first_pass(backend: Backend, tmp_path: Path) -> None:
    path = tmp_path / "file.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    cancel = threading.Event()
    threading.Timer(0.2, cancel.set).start()
    ctx = backend.ctx
    started = time.monotonic()
    with (
        pytest.raises(CancelledError, match="cancelled, nothing imported"),
        open_table(path, (), Problems(path)) as table,
        ctx.db.write() as s,
    ):
        load(s, SlowStart([_sale("t1", None)]), table,
             ParseContext("UTC", "US", date(2026, 11, 20)), stamp=ctx.stamp,
             branch_id=ctx.branch_id,
             cancelled=cancel.is_set)  # fmt: skip
    assert time.monotonic() - started < 1.0  # not the format's 3 s
    assert _count(backend, Interaction) == 0


def test_the_loader_checks_the_customers_it_names_when_foreign_keys_are_off(
    backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import's transaction runs with SQLite's foreign keys off: a matching bug that
    named a customer the store does not have is caught by the loader, which rolls back."""
    from posassist.importers import load_people

    stray = uuid.uuid4()
    monkeypatch.setattr(load_people.PeopleChunk, "resolve", lambda self, p, at: stray)
    path = tmp_path / "file.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    ctx = backend.ctx
    parse = ParseContext("America/New_York", "US", date(2026, 11, 20))
    records: list[Record] = [_sale("S1", Person("square", "A1"))]
    with (
        pytest.raises(RuntimeError, match="not in the store"),
        open_table(path, (), Problems(path)) as table,
        ctx.db.write(foreign_keys=False) as s,
    ):
        load(s, Listed(records), table, parse, stamp=ctx.stamp, branch_id=ctx.branch_id)
    assert _count(backend, Interaction) == 0
    assert _count(backend, Outbox) == 0

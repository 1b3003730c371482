"""The demo store tells the truth: unique partners, nothing "not carried" on our shelves,
no visit later than now, and the same store for the same inputs."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from posassist.app import Backend
from posassist.devtools.demo import DemoSpec, ensure_demo_store
from posassist.storage.orm import Interaction, Product, Vendor
from tests.conftest import NOW, MovableClock, make_backend

SPEC = DemoSpec(customers=300, products=80, vendors=24)
TZ = ZoneInfo(SPEC.timezone)
MORNING = datetime(2026, 11, 20, 10, 15, tzinfo=TZ)  # the store opens at 9: visits "later today"


def _build(path: Path) -> Backend:
    backend = make_backend(path, MovableClock(NOW))
    ensure_demo_store(backend.db, SPEC, MORNING.date(), MORNING)
    return backend


def test_demo_partners_shelves_and_visits_are_true(tmp_path: Path) -> None:
    backend = _build(tmp_path / "a")
    try:
        with backend.db.read() as s:
            names = Counter(s.scalars(select(Vendor.name)))
            not_carried = set(s.scalars(select(Product.sku).where(Product.carried.is_(False))))
            stocked = set(s.scalars(text("SELECT DISTINCT sku FROM branch_stock")))
            latest = max(s.scalars(select(Interaction.occurred_at)))
            today = list(s.scalars(select(Interaction.occurred_at).where(
                Interaction.local_day == MORNING.date().isoformat())))  # fmt: skip
        assert len(names) == 24
        assert max(names.values()) == 1
        assert not_carried
        assert not (not_carried & stocked)
        assert latest <= MORNING
        assert today  # the daily regular still came in this morning
        for product in not_carried:
            for name in _names(backend, product):
                here = backend.finder.find(name).here
                assert all(m.product.carried for m in here), name
    finally:
        backend.close()


def _names(backend: Backend, sku: str) -> list[str]:
    with backend.db.read() as s:
        return list(s.scalars(select(Product.name).where(Product.sku == sku)))


_DUMPS = (
    "SELECT * FROM vendor ORDER BY id",
    "SELECT * FROM product ORDER BY id",
    "SELECT * FROM branch_stock ORDER BY id",
    "SELECT * FROM interaction ORDER BY id",
)


def test_demo_is_deterministic(tmp_path: Path) -> None:
    dumps = []
    for name in ("a", "b"):
        backend = _build(tmp_path / name)
        try:
            with backend.db.read() as s:
                dumps.append([tuple(s.execute(text(sql)).all()) for sql in _DUMPS])
        finally:
            backend.close()
    assert dumps[0] == dumps[1]


def test_demo_has_staff_picks_with_one_branch_override(tmp_path: Path) -> None:
    from posassist.domain.picks import WHY_MAX, PickInput, clean_pick

    backend = _build(tmp_path / "picks")
    try:
        shown = backend.picks.shown()  # this register's branch: the first one
        with backend.db.read() as s:
            rows = s.execute(
                text("SELECT category, rank, sku, staff_name, why, branch_id FROM staff_pick")
            ).all()
            carried = set(s.scalars(select(Product.sku).where(Product.carried.is_(True))))
    finally:
        backend.close()
    assert len({r.category for r in rows}) == 6
    assert all(len(c.picks) == 3 for c in shown)
    assert sum(r.branch_id is not None for r in rows) == 1
    for r in rows:  # every pick is one a manager could have typed
        clean_pick(PickInput(r.category, r.rank, r.sku, r.staff_name, r.why))
        assert r.sku in carried
        assert len(r.why) <= WHY_MAX
    assert all(not p.branch_pick for c in shown for p in c.picks)  # the override is elsewhere


def test_demo_has_holds_in_several_states_for_the_queue(tmp_path: Path) -> None:
    from posassist.app import build_backend
    from posassist.config import load_settings
    from posassist.errors import InvalidInputError
    from posassist.services.context import open_context
    from posassist.storage.database import open_database

    _build(tmp_path / "holds").close()
    settings = load_settings(
        data_dir=tmp_path / "holds", env={"POSASSIST_STORE_BRANCH_CODE": "B01"}
    )
    db = open_database(settings.data_dir)  # at B01, where the --demo window opens
    backend = build_backend(settings, db, open_context(db, settings, clock=MovableClock(NOW)))
    try:
        queue = backend.holds.queue()
        states = {h.state for h in (*queue.incoming, *queue.outgoing)}
        assert queue.incoming
        assert queue.outgoing
        assert {"requested", "accepted", "ready", "on_its_way", "collected"} <= states
        assert queue.waiting >= 3  # to accept, to send on its way, a relay to receive
        for hold in (*queue.incoming, *queue.outgoing):
            assert hold.created_at <= MORNING
            assert all(st.outcome == "applied" for st in hold.steps)
            if hold.state in ("collected", "cancelled", "expired"):  # over: nothing to collect
                with pytest.raises(InvalidInputError, match="so no slip"):
                    backend.holds.slip(hold.code)
            else:
                assert backend.holds.slip(hold.code).pdf.startswith(b"%PDF")
    finally:
        backend.close()


def test_demo_catalogue_has_the_synced_ids_and_counts_of_varying_age(tmp_path: Path) -> None:
    from datetime import timedelta

    from posassist.domain.catalog import product_id, stock_id
    from posassist.storage.orm import BranchStock

    backend = _build(tmp_path / "a")
    try:
        with backend.db.read() as s:
            products = s.execute(select(Product.id, Product.sku)).all()
            stock = s.execute(
                select(BranchStock.id, BranchStock.branch_id, BranchStock.sku, BranchStock.as_of)
            ).all()
    finally:
        backend.close()
    assert products
    assert all(pid == product_id(sku) for pid, sku in products)
    assert all(rid == stock_id(branch, sku) for rid, branch, sku, _ in stock)
    oldest: dict[object, timedelta] = {}
    for _, branch, _, as_of in stock:
        assert as_of <= MORNING
        oldest[branch] = max(oldest.get(branch, timedelta()), MORNING - as_of)
    ages = sorted(oldest.values())
    assert len(ages) == SPEC.branches
    assert ages[0] < timedelta(hours=2)  # one branch counted this last hour or so
    assert timedelta(hours=2) < ages[-2] < timedelta(days=1)  # others hours ago
    assert ages[-1] > timedelta(days=3)  # and one a few days ago


# The trial: 21:00 in New York is 01:55 UTC the next day, and the machine's date (UTC)
# is already 2 Dec; the store's day is still 1 Dec.
EVENING = datetime(2026, 12, 2, 1, 55, tzinfo=ZoneInfo("UTC"))
_TIMES = (
    "SELECT max(occurred_at) FROM interaction",
    "SELECT max(as_of) FROM branch_stock",
    "SELECT max(created_at) FROM hold_request",
    "SELECT max(at) FROM hold_step",
    "SELECT max(decided_at) FROM hold_step",
    "SELECT max(created_at) FROM customer",
    "SELECT max(updated_at) FROM customer",
)


def _latest_times(path: Path, today: date | None, now: datetime | None) -> tuple[dict, str]:
    backend = make_backend(path, MovableClock(now or NOW))
    try:
        ensure_demo_store(backend.db, SPEC, today, now)
        with backend.db.read() as s:
            latest = {sql: s.scalar(text(sql)) for sql in _TIMES}
            last_day = s.scalar(text("SELECT max(local_day) FROM interaction"))
    finally:
        backend.close()
    assert all(latest.values()), latest
    return latest, str(last_day)


@pytest.mark.parametrize("today", [EVENING.date(), None])
def test_an_evening_west_of_utc_writes_nothing_after_now(
    tmp_path: Path, today: date | None
) -> None:
    latest, last_day = _latest_times(tmp_path / "a", today, EVENING)
    limit = EVENING.strftime("%Y-%m-%d %H:%M:%S.%f")
    assert {sql: t for sql, t in latest.items() if str(t) > limit} == {}
    assert last_day == "2026-12-01"  # the daily regular came in on the store's today


def test_a_today_ahead_of_the_stores_date_is_not_built_as_a_whole_day_to_come(
    tmp_path: Path,
) -> None:
    """The trial's path: the window passed the machine's date, a day ahead of the
    store's evening, and got that whole day (stock "as of" ~24 h ahead)."""
    ahead = (datetime.now(UTC) + timedelta(days=1)).date()
    latest, last_day = _latest_times(tmp_path / "a", ahead, None)
    wall = datetime.now(UTC)
    limit = wall.strftime("%Y-%m-%d %H:%M:%S.%f")
    assert {sql: t for sql, t in latest.items() if str(t) > limit} == {}
    assert last_day <= wall.astimezone(TZ).date().isoformat()


def test_no_product_name_repeats_a_word(tmp_path: Path) -> None:
    from posassist.devtools.demo.generator import _product_name

    assert _product_name("Travel", "travel guide") == "Family travel guide"
    backend = _build(tmp_path / "a")
    try:
        with backend.db.read() as s:
            names = list(s.scalars(select(Product.name)))
    finally:
        backend.close()
    words = [n.split(" no. ")[0].casefold().split() for n in names]
    assert [n for n, w in zip(names, words, strict=True) if len(set(w)) < len(w)] == []

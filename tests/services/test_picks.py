"""Staff picks: the slot rules, a branch overriding the chain at one rank, manager edits."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from posassist.app import Backend
from posassist.domain.picks import PickInput, effective, pick_id
from posassist.errors import InvalidInputError
from posassist.storage.orm import Outbox, Product, StaffPick
from tests.small_store import fill


def _pick(category: str, rank: int, sku: str, why: str = "great", **kw: object) -> PickInput:
    return PickInput(category, rank, sku, kw.pop("staff", "Ana"), why, **kw)  # type: ignore[arg-type]


def test_a_branch_pick_overrides_the_chain_only_at_its_rank(backend: Backend) -> None:
    store = fill(backend)
    here = backend.ctx.branch_id
    picks = backend.picks
    picks.set_pick(_pick("Audio", 1, "P2", "Best noise cancelling under $100"))
    picks.set_pick(_pick("Audio", 2, "P1", "Chain two"))
    picks.set_pick(_pick("audio ", 1, "P1", "Our own #1", staff="Bo", branch_id=here))
    picks.set_pick(_pick("Audio", 2, "P3", "Riverside only", branch_id=store.riverside))
    [audio] = picks.shown()
    assert audio.category == "Audio"
    assert [(p.rank, p.sku, p.why, p.branch_pick) for p in audio.picks] == [
        (1, "P1", "Our own #1", True),
        (2, "P1", "Chain two", False),  # Riverside's #2 is not shown here
    ]
    assert audio.picks[0].product == "Classic notebook"
    # Removing the branch's own pick brings the chain's #1 back, here only.
    picks.remove_pick("Audio", 1, branch_id=here)
    assert [p.why for p in picks.shown()[0].picks] == [
        "Best noise cancelling under $100",
        "Chain two",
    ]


def test_effective_rules_are_pure_and_per_branch() -> None:
    import uuid

    from posassist.domain.picks import Pick

    a, b = uuid.uuid4(), uuid.uuid4()
    chain = [Pick(uuid.uuid4(), "Games", r, f"G{r}", "x", "why", None) for r in (1, 2, 3)]
    own = Pick(uuid.uuid4(), "GAMES", 3, "A3", "x", "a's", a)
    shown_a = effective([own, *chain], a)["games"]
    shown_b = effective([own, *chain], b)["games"]
    assert [p.sku for p in shown_a] == ["G1", "G2", "A3"]
    assert [p.sku for p in shown_b] == ["G1", "G2", "G3"]
    assert pick_id(None, "Games ", 1) == pick_id(None, "games", 1) != pick_id(a, "games", 1)


def test_setting_a_slot_again_replaces_it_and_queues_one_row_each(backend: Backend) -> None:
    fill(backend)
    backend.picks.set_pick(_pick("Audio", 1, "P2"))
    backend.picks.set_pick(_pick("Audio", 1, "P1", "changed my mind"))
    backend.picks.set_pick(_pick("Audio", 1, "P1", "changed my mind"))  # nothing new
    backend.picks.remove_pick("Audio", 1, branch_id=None)
    backend.picks.set_pick(_pick("Audio", 1, "P2", "back again"))  # a removed slot refills
    with backend.db.read() as s:
        rows = s.scalars(select(StaffPick)).all()
        ops = s.execute(
            select(Outbox.op, Outbox.payload).where(Outbox.entity == "staff_pick")
        ).all()
    assert len(rows) == 1
    assert rows[0].id == pick_id(None, "Audio", 1)
    assert [op for op, _ in ops] == ["insert", "update", "update", "update"]
    assert ops[2][1]["removed"] is True
    assert ops[3][1]["why"] == "back again"
    assert backend.picks.shown()[0].picks[0].why == "back again"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (_pick("Audio", 4, "P2"), "rank"),
        (_pick("Audio", 1, "P2", "x" * 141), "why"),
        (_pick("Audio", 1, "P2", "two\nlines"), "why"),
        (_pick("Audio", 1, "P2", "bell\x07"), "why"),
        (_pick("Audio", 1, "P2", staff="  "), "staff"),
        (_pick("", 1, "P2"), "category"),
        (_pick("Audio", 1, "NOPE"), "sku"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    backend: Backend, data: PickInput, field: str
) -> None:
    fill(backend)
    with pytest.raises(InvalidInputError) as info:
        backend.picks.set_pick(data)
    assert info.value.field == field
    assert backend.picks.shown() == []


def test_removing_an_empty_slot_says_so(backend: Backend) -> None:
    with pytest.raises(InvalidInputError, match="no pick #2"):
        backend.picks.remove_pick("Audio", 2, branch_id=None)


def test_an_ask_finds_the_category_or_a_picked_product(backend: Backend) -> None:
    fill(backend)
    backend.picks.set_pick(_pick("Audio", 1, "P2", "Best noise cancelling"))
    backend.picks.set_pick(_pick("Stationery", 1, "P1", "Smooth paper"))
    assert [c.category for c in backend.picks.for_ask("headphone")] == ["Audio"]
    assert [c.category for c in backend.picks.for_ask("stationery please")] == ["Stationery"]
    assert backend.picks.for_ask("kite") == []
    assert backend.picks.badges() == {
        "P2": "★ Staff pick #1: Best noise cancelling",
        "P1": "★ Staff pick #1: Smooth paper",
    }


def test_a_generic_word_brings_up_no_unrelated_picks(backend: Backend) -> None:
    """The trial: "everyday" brought up Books and "special" Games, one shared word each."""
    fill(backend)
    with backend.db.write() as s:
        s.add_all([
            Product(sku="B1", name="Everyday paperback novel no. 12", category="Books"),
            Product(sku="G1", name="Special chess set", category="Games"),
            Product(sku="G2", name="Classic board game", category="Games"),
        ])  # fmt: skip
    for category, sku in (("Books", "B1"), ("Games", "G1"), ("Audio", "P2")):
        backend.picks.set_pick(_pick(category, 1, sku))
    backend.picks.set_pick(_pick("Games", 2, "G2"))
    asks = {
        "everyday": [],
        "special": [],
        "something special for everyday": [],
        "audio": ["Audio"],
        "headphones": ["Audio"],
        "do you have any wireless headphones": ["Audio"],
        "board game": ["Games"],
        "board games": ["Games"],
        "a paperback": ["Books"],
        "books": ["Books"],
        "12": [],
    }
    found = {ask: [c.category for c in backend.picks.for_ask(ask)] for ask in asks}
    assert found == asks

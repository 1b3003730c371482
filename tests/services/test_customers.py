"""Customer use cases on a real SQLite file."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from posassist.app import Backend
from posassist.errors import InvalidInputError
from posassist.services.customers import NewCustomer
from posassist.storage.orm import Customer, Outbox
from tests.conftest import MovableClock


def _add(backend: Backend, name: str, **kw: object) -> object:
    consent = bool(kw.get("phone") or kw.get("email"))
    return backend.customers.create(NewCustomer(display_name=name, consent_contact=consent, **kw))  # type: ignore[arg-type]


@pytest.fixture
def people(backend: Backend) -> dict[str, object]:
    return {
        "jane": _add(
            backend,
            "Jane Doe",
            phone="(212) 555-0123",
            email="Jane@Example.com",
            card_code="PA00000001",
        ),
        "john": _add(backend, "John Smith", phone="+1 646 555 9876"),
        "zoe": _add(backend, "Zoë O'Brien", phone="718 555 0123"),
        "eleni": _add(backend, "Ελένη Παπαδοπούλου"),
    }


@pytest.mark.parametrize("query", ["(212) 555-0123", "212.555.0123", "+12125550123", "2125550123"])
def test_phone_in_any_format_finds_the_customer(
    backend: Backend, people: dict[str, object], query: str
) -> None:
    hits = backend.customers.search(query)
    assert [h.id for h in hits] == [people["jane"]]
    assert hits[0].matched_by == "phone"


def test_card_email_last4_and_misspelled_name(backend: Backend, people: dict[str, object]) -> None:
    assert backend.customers.search("PA00000001", scanned=True)[0].id == people["jane"]
    assert backend.customers.search("pa00000001")[0].id == people["jane"]
    assert backend.customers.search("JANE@example.com")[0].id == people["jane"]
    last4 = {h.id for h in backend.customers.search("0123")}
    assert last4 == {people["jane"], people["zoe"]}
    assert backend.customers.search("jon smiht")[0].id == people["john"]
    assert backend.customers.search("zoe obrian")[0].id == people["zoe"]
    assert backend.customers.search("smith")[0].id == people["john"]
    assert backend.customers.search("ελενη")[0].id == people["eleni"]
    assert backend.customers.search("nobody like this at all") == []
    assert backend.customers.search("") == []


def test_most_recent_visitor_ranks_first_among_equal_matches(
    backend: Backend, people: dict[str, object], clock: MovableClock
) -> None:
    backend.interactions.log(people["zoe"], "question")  # type: ignore[arg-type]
    hits = backend.customers.search("0123")
    assert hits[0].id == people["zoe"]


def test_new_customer_is_findable_at_once_by_name(
    backend: Backend, people: dict[str, object]
) -> None:
    backend.customers.names.ensure_loaded()
    cid = _add(backend, "Priya Raman")
    assert backend.customers.search("priya raman")[0].id == cid


def test_card_already_in_use_is_refused(backend: Backend, people: dict[str, object]) -> None:
    with pytest.raises(InvalidInputError) as err:
        _add(backend, "Someone Else", card_code="pa-00000001")
    assert err.value.field == "card"
    with backend.db.read() as s:
        assert s.scalar(select(Customer).where(Customer.display_name == "Someone Else")) is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"display_name": ""}, "name"),
        ({"display_name": "A", "phone": "12", "consent_contact": True}, "phone"),
        ({"display_name": "A", "email": "nope", "consent_contact": True}, "email"),
        ({"display_name": "A", "phone": "(212) 555-0100"}, "consent"),
        ({"display_name": "A", "notes": "x" * 30_000}, "note"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    backend: Backend, kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInputError) as err:
        backend.customers.create(NewCustomer(**kwargs))  # type: ignore[arg-type]
    assert err.value.field == field
    assert err.value.message
    with backend.db.read() as s:
        assert s.scalars(select(Customer)).all() == []
        assert s.scalars(select(Outbox)).all() == []


@pytest.mark.parametrize("name", ["李小龙", "Zoë 🌻 Hart", "محمد علي", "Иван Петров"])
def test_names_in_any_script_and_emoji_are_stored_faithfully(backend: Backend, name: str) -> None:
    cid = _add(backend, name)
    assert backend.customers.card(cid).display_name == name  # type: ignore[arg-type]


def test_long_note_is_stored_faithfully(backend: Backend, people: dict[str, object]) -> None:
    note = ("Prefers vinyl. 🎶 " * 600)[:10_000]
    backend.customers.update_notes(people["john"], note, "jazz")  # type: ignore[arg-type]
    card = backend.customers.card(people["john"])  # type: ignore[arg-type]
    assert card.notes == note.strip()
    assert card.preferences == "jazz"


def test_every_write_appends_to_the_outbox_in_the_same_transaction(
    backend: Backend, people: dict[str, object]
) -> None:
    backend.customers.update_notes(people["jane"], "VIP", "")  # type: ignore[arg-type]
    backend.interactions.log(people["jane"], "service", note="found a gift")  # type: ignore[arg-type]
    with backend.db.read() as s:
        rows = s.scalars(select(Outbox).order_by(Outbox.seq)).all()
    assert [(r.entity, r.op) for r in rows][-2:] == [
        ("customer", "update"),
        ("interaction", "insert"),
    ]
    assert rows[-2].payload == {"notes": "VIP"}
    assert all(r.state == "pending" for r in rows)
    stamps = [r.hlc for r in rows]
    assert stamps == sorted(stamps)
    assert len({r.op_id for r in rows}) == len(rows)


def test_card_shows_contact_masked(backend: Backend, people: dict[str, object]) -> None:
    card = backend.customers.card(people["jane"])  # type: ignore[arg-type]
    assert card.phone_masked == "••• ••• 0123"
    assert card.email_masked == "j•••@example.com"
    assert card.visits.visit_days_total == 0
    assert card.greeting == "Welcome — first visit"


def test_mistyped_branch_code_is_a_clear_error(tmp_path: Path) -> None:
    from dataclasses import replace

    from posassist.config import load_settings
    from posassist.errors import ConfigError
    from posassist.services.context import open_context
    from posassist.storage.database import open_database

    db = open_database(tmp_path / "s")
    try:
        settings = load_settings(data_dir=tmp_path / "s", env={})
        open_context(db, replace(settings, store=replace(settings.store, branch_code="B01")))
        typo = replace(settings, store=replace(settings.store, branch_code="B0l"))
        with pytest.raises(ConfigError, match=r"B0l.*known: B01") as caught:
            open_context(db, typo)
        assert caught.value.hint is not None
        assert "Check the spelling" in caught.value.hint
    finally:
        db.close()


def test_a_branch_code_set_after_the_store_began_on_main_says_what_to_do(
    tmp_path: Path,
) -> None:
    """The usual cause: a first start before the settings named the branch."""
    from dataclasses import replace

    from posassist.config import load_settings
    from posassist.errors import ConfigError
    from posassist.services.context import open_context
    from posassist.storage.database import open_database

    db = open_database(tmp_path / "s")
    try:
        settings = load_settings(data_dir=tmp_path / "s", env={})
        open_context(db, settings)  # no branch_code: the store's branch is MAIN
        later = replace(settings, store=replace(settings.store, branch_code="B01"))
        with pytest.raises(ConfigError, match=r"'B01'.*known: MAIN") as caught:
            open_context(db, later)
        hint = caught.value.hint or ""
        assert f"move the data folder {tmp_path / 's'} aside" in hint
        assert "remove branch_code" in hint
    finally:
        db.close()


def test_two_letters_rank_the_word_itself_before_longer_words() -> None:
    """A one- or two-letter key is matched by name words, not scored as a whole name."""
    from posassist.services.name_index import NameIndex

    names = {
        "a" * 32: "jo march",
        "b" * 32: "john smith",
        "c" * 32: "mary jones",
        "d" * 32: "ann lee",
    }
    index = NameIndex(lambda: list(names.items()))
    hits, total = index.search_counted("jo", limit=10)
    assert total == 3
    assert hits[0][0].hex == "a" * 32  # the word "jo" itself first
    assert {h.hex for h, _ in hits} == {"a" * 32, "b" * 32, "c" * 32}
    index.remove(uuid.UUID(hex="b" * 32))
    assert index.search_counted("jo", limit=1)[1] == 2

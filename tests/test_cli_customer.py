"""``posassist customer add|show`` and ``posassist also-bought``, for store IT's scripts."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pypdf
import pytest

from posassist.cli import main
from posassist.services.customers import NewCustomer
from posassist.services.interactions import LineItem
from posassist.storage.orm import Branch, Product
from tests.conftest import MovableClock, make_backend
from tests.test_cli import _run


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A store with two buyers of coffee and oat milk, logged today (the commands count
    the 12 months up to the real today)."""
    path = tmp_path / "store"
    backend = make_backend(path, MovableClock(datetime.now(UTC)))
    try:
        with backend.db.write() as s:
            s.add_all(
                [Product(sku="COF", name="House coffee"), Product(sku="OAT", name="Oat milk")]
            )
        for name, phone, card in (("Ann Lee", "(212) 555-0101", "PA00000101"),
                                  ("Bob Lee", "(212) 555-0102", None),
                                  ("Bea Lee", "(212) 555-0102", None)):  # fmt: skip
            cid = backend.customers.create(
                NewCustomer(name, phone=phone, card_code=card or "", consent_contact=True)
            )
            for _ in range(2):
                backend.interactions.log(
                    cid,
                    "purchase",
                    items=[LineItem("coffee", sku="COF"), LineItem("oat", sku="OAT")],
                )
        backend.finder.log_unmet_demand("Vinyl records", customer_id=cid)
    finally:
        backend.close()
    return path


def test_customer_add_needs_consent_for_contact_details_and_refuses_a_taken_card(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = ["--data-dir", str(data_dir)]
    assert main(["customer", "add", "--name", "Cy New", "--phone", "(212) 555-0199", *d]) == 2
    err = capsys.readouterr().err
    assert "--consent" in err
    assert len(err.strip().splitlines()) == 1
    assert main(["customer", "add", "--name", "Cy", "--phone", "12", "--consent", *d]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1  # a bad phone: one line
    assert main(["customer", "add", "--name", "Cy", "--phone", "twelve", "--consent", *d]) == 2
    err = capsys.readouterr().err
    assert "“twelve” is not a phone number: type its digits" in err
    assert "string supplied" not in err
    assert main(["customer", "add", "--name", "Cy", "--card", "PA00000101", *d]) == 2
    assert "already belongs" in capsys.readouterr().err
    args = ["--name", "Cy New", "--phone", "(212) 555-0199", "--consent", "--card", "PA00000199"]
    assert main(["customer", "add", *args, "--json", *d]) == 0
    added = json.loads(capsys.readouterr().out)
    assert added["card_code"] == "PA00000199"
    assert main(["customer", "show", "PA00000199", "--json", *d]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["id"] == added["id"]
    assert shown["name"] == "Cy New"
    assert shown["visits"]["total"] == 0


def test_customer_show_json_has_visits_standing_and_favourites(data_dir: Path) -> None:
    done = _run("customer", "show", "(212) 555-0101", "--json", "--data-dir", str(data_dir))
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)  # exactly one JSON document
    assert doc["name"] == "Ann Lee"
    assert doc["card_code"] == "PA00000101"
    assert doc["phone"] != "+12125550101"  # masked, as on the card
    assert doc["visits"]["total"] == 1
    assert doc["standing"]["tier"] in {"new", "regular", "lapsing", "ambassador", "none"}
    fav = doc["favourites"]
    assert [(f["sku"], f["times"]) for f in fav["most_often"]] == [("COF", 2), ("OAT", 2)]
    assert fav["last_time"]["items"] == ["House coffee", "Oat milk"]
    # show only reads: "also bought" is empty until a build (window, import, also-bought).
    assert fav["also_bought"] == {"for": "House coffee", "items": []}
    assert done.stderr == ""  # nothing personal on stderr


def test_customer_show_refuses_unknown_ambiguous_and_non_numbers(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = ["--data-dir", str(data_dir)]
    for who, says in (
        ("PA00009999", "No customer"),
        ("(212) 555-0102", "2 customers share"),
        ("Ann", "card code or a full phone number"),
    ):
        assert main(["customer", "show", who, *d]) == 2
        captured = capsys.readouterr()
        assert says in captured.err
        assert len(captured.err.strip().splitlines()) == 1
        assert captured.out == ""
    assert main(["customer", "show", "PA00000101", *d]) == 0
    text = capsys.readouterr().out
    assert "Ann Lee" in text
    assert "Buys most often: House coffee (2×), Oat milk (2×)" in text


def test_also_bought_builds_then_answers_with_counts(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = ["--data-dir", str(data_dir)]
    assert main(["also-bought", "COF", "--json", *d]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["name"] == "House coffee"
    assert doc["counted"] == "customers"
    assert doc["also_bought"] == [{"sku": "OAT", "name": "Oat milk", "customers": 3}]
    assert main(["also-bought", "OAT", *d]) == 0
    assert "House coffee — 3 customers" in capsys.readouterr().out
    assert main(["also-bought", "NOPE", *d]) == 2
    assert "NOPE" in capsys.readouterr().err
    # The card read after the build offers them for the top favourite.
    assert main(["customer", "show", "PA00000101", "--json", *d]) == 0
    also = json.loads(capsys.readouterr().out)["favourites"]["also_bought"]
    assert also == {
        "for": "House coffee",
        "items": [{"sku": "OAT", "name": "Oat milk", "customers": 3}],
    }


def test_customer_show_lists_the_customers_holds_in_text_and_json(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backend = make_backend(data_dir, MovableClock(datetime.now(UTC)))
    try:
        with backend.db.write() as s:
            s.add(Branch(id=uuid.uuid4(), code="B02", name="Riverside", phone="555-0102"))
        hold = backend.holds.request_at("B02", "OAT", "PA00000101", relay=True)
        until = hold.expires_at.astimezone(backend.ctx.tz).date().isoformat()
    finally:
        backend.close()  # the command takes the instance lock
    d = ["--data-dir", str(data_dir)]
    assert main(["customer", "show", "PA00000101", "--json", *d]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["holds"] == [
        {
            "code": hold.code,
            "sku": "OAT",
            "product": "Oat milk",
            "holding_branch": "Riverside",
            "state": "requested",
            "relay": True,
            "until": until,
        }
    ]
    assert main(["customer", "show", "PA00000101", *d]) == 0
    text = capsys.readouterr().out
    assert (
        f"Hold {hold.code}: Oat milk at Riverside, requested (brought here), until {until}" in text
    )


def test_customer_export_writes_json_and_pdf_and_prints_only_the_paths(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = ["--data-dir", str(data_dir)]
    out = tmp_path / "ann.json"
    assert main(["customer", "export", "PA00000101", "-o", str(out), "--json", *d]) == 0
    printed = json.loads(capsys.readouterr().out)  # one JSON document, no data in it
    assert printed == {"json": str(out), "pdf": str(tmp_path / "ann.pdf")}
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["records"][0]["display_name"] == "Ann Lee"
    assert len(doc["interactions"]) == 2
    assert "Ann Lee" in pypdf.PdfReader(tmp_path / "ann.pdf").pages[0].extract_text()


@pytest.mark.parametrize(
    ("who", "output", "words"),
    [
        ("PA99999999", "ok.json", "No customer has that card code or phone number"),
        ("Ann Lee", "ok.json", "Give a card code or a full phone number"),
        ("(212) 555-0102", "ok.json", "2 customers share that phone number"),
        ("PA00000101", "missing/ann.json", "Cannot write"),
        ("PA00000101", "ann.pdf", "ends in .pdf"),
    ],
)
def test_customer_export_refusals_are_one_line_exit_2_and_leave_no_file(
    data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    who: str,
    output: str,
    words: str,
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    argv = ["customer", "export", who, "-o", str(out / output), "--data-dir", str(data_dir)]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert words in captured.err
    assert len(captured.err.strip().splitlines()) == 1
    if "missing" in output:
        assert str(out / output) in captured.err  # names the file
    assert list(out.rglob("*")) == []

"""``posassist holds``: list, request and mark, on a real store (one real process for JSON)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from posassist.cli import main
from posassist.services.customers import NewCustomer
from tests.conftest import MovableClock, make_backend
from tests.small_store import fill
from tests.test_cli import _run


@pytest.fixture
def data_dir(tmp_path: Path, clock: MovableClock) -> Path:
    folder = tmp_path / "store"
    backend = make_backend(folder, clock)
    try:
        fill(backend)
        backend.customers.create(
            NewCustomer("Maria Secret", phone="(212) 555-0142", card_code="C9990001",
                        consent_contact=True)
        )  # fmt: skip
    finally:
        backend.close()  # releases the instance lock for the commands
    return folder


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_request_then_list_as_json_in_a_real_process(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli(
        capsys, "holds", "request", "--at", "B02", "--sku", "P2", "--customer", "C9990001",
        "--relay", "--data-dir", str(data_dir),
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert "Asked Corner & Co. Riverside to hold Wireless headphones: code " in out
    assert "requested (bring it to" in out
    listed = _run("holds", "--json", "--data-dir", str(data_dir))
    assert listed.returncode == 0, listed.stderr
    doc = json.loads(listed.stdout)  # exactly one JSON document
    assert doc["waiting_here"] == 0
    assert doc["incoming"] == []
    (hold,) = doc["outgoing"]
    assert (hold["state"], hold["relay"], hold["holding_branch"], hold["customer"]) == (
        "requested", True, "Corner & Co. Riverside", "Maria Secret"
    )  # fmt: skip
    assert hold["code"] in out


def test_mark_by_code_and_the_errors_are_one_line_exit_2(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    where = ("--data-dir", str(data_dir))
    _cli(
        capsys,
        "holds",
        "request",
        "--at",
        "B02",
        "--sku",
        "P2",
        "--customer",
        "212-555-0142",
        *where,
    )
    code, out, _ = _cli(capsys, "holds", "--json", *where)
    hold = json.loads(out)["outgoing"][0]
    code, out, err = _cli(capsys, "holds", "mark", hold["code"], "cancelled", *where)
    assert (code, err) == (0, "")
    assert f"Hold {hold['code']} is cancelled now" in out
    for args, words in (
        (("mark", hold["code"], "cancelled"), "this hold is cancelled already"),
        (("mark", hold["id"][:8], "collected"), "this hold is cancelled already"),
        (("mark", "ZZZZ-ZZZZ", "accepted"), "No hold ZZZZ-ZZZZ here"),
        (("mark", hold["code"]), "needs HOLD_ID STATE"),
        (("request", "--at", "B9", "--sku", "P2", "--customer", "C9990001"), "No branch 'B9'"),
        (("request", "--at", "B02", "--sku", "P2", "--customer", "C1234567"), "No customer has"),
        (("request", "--at", "B02", "--sku", "P2"), "missing --customer"),
    ):  # fmt: skip
        code, out, err = _cli(capsys, "holds", *args, *where)
        assert code == 2, args
        assert words in err
        assert len(err.strip().splitlines()) == 1
        assert "Traceback" not in err
    code, out, _ = _cli(capsys, "holds", *where)
    assert code == 0
    assert "Asked of other branches:" in out
    assert "cancelled" in out


def test_asking_a_branch_without_a_count_warns_on_stderr_and_in_json(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ask = ("holds", "request", "--at", "B02", "--customer", "C9990001", "--data-dir")
    code, out, err = _cli(capsys, *ask, str(data_dir), "--sku", "P1")
    assert code == 0
    assert err == "Warning: Corner & Co. Riverside has no count of P1: ask them by phone first.\n"
    assert "Asked Corner & Co. Riverside to hold Classic notebook: code " in out
    code, out, err = _cli(capsys, *ask, str(data_dir), "--sku", "P2", "--json")
    assert (code, err) == (0, "")  # Riverside counted 4
    assert json.loads(out)["warning"] == ""
    code, out, err = _cli(capsys, *ask, str(data_dir), "--sku", "P3", "--json")
    assert code == 0
    assert json.loads(out)["warning"] == (
        "Corner & Co. Riverside has no count of P3: ask them by phone first."
    )
    assert "Warning: Corner & Co. Riverside has no count of P3" in err


def test_the_text_list_keeps_its_columns_apart_and_aligned(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    where = ("--data-dir", str(data_dir))
    for sku in ("P1", "P2"):
        _cli(capsys, "holds", "request", "--at", "B02", "--sku", sku, "--customer", "C9990001",
             *where)  # fmt: skip
    code, out, _ = _cli(capsys, "holds", "--json", *where)
    first = json.loads(out)["outgoing"][0]["code"]
    _cli(capsys, "holds", "mark", first, "cancelled", *where)
    code, out, _ = _cli(capsys, "holds", *where)
    assert code == 0
    lines = out.splitlines()
    start = lines.index("Asked of other branches:")
    header, *rows = lines[start + 1 : start + 3 + 1]
    headings = ("CODE", "STATE", "KIND", "AGE", "BRANCH", "ITEM", "CUSTOMER")
    starts = [header.index(h) for h in headings]
    assert starts == sorted(starts)
    for row in rows:
        for col, (a, b) in enumerate(zip(starts, [*starts[1:], None], strict=True)):
            cell = row[a:b]
            assert cell.strip(), (col, row)  # every column has its value under its heading
            assert row[a - 1] == " ", row
            assert b is None or row[b - 2 : b] == "  ", row  # columns never run together
    states = {row[starts[1] : starts[2]].strip() for row in rows}
    kinds = {row[starts[2] : starts[3]].strip() for row in rows}
    assert states == {"requested", "cancelled"}
    assert kinds == {"collect"}

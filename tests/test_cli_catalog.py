"""``posassist import products|stock FILE`` and ``posassist stock`` on a real store."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from posassist.cli import main
from tests.test_cli import _run


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    counted = (datetime.now(UTC) - timedelta(hours=3, minutes=5)).isoformat(timespec="seconds")
    out = {
        "products": "sku,name,category,keywords,carried,aisle\n"
        "K1,Blue kettle,Kitchen,kettle,yes,Aisle 3\nM1,Red mug,Kitchen,,no,\n",
        "stock": f"branch_code,sku,on_hand,as_of\nMAIN,K1,4,{counted}\nMAIN,M1,0,\n",
        "bad": "branch_code,sku,on_hand\nMAIN,K1,4\nMAIN,M1,-1\n",
    }
    paths = {}
    for name, text in out.items():
        paths[name] = tmp_path / f"{name}.csv"
        paths[name].write_text(text, encoding="utf-8")
    return paths


def test_imports_then_the_stock_list_with_ages(
    tmp_path: Path, files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    store = ["--data-dir", str(tmp_path / "store")]
    assert main(["import", "products", str(files["products"]), *store]) == 0
    assert capsys.readouterr().out == (
        "Imported products.csv: 2 products added, 0 updated, 0 unchanged.\n"
    )
    assert main(["import", "stock", str(files["stock"]), "--json", *store]) == 0
    doc = json.loads(capsys.readouterr().out)  # the one report shape of every kind
    assert doc.pop("seconds") >= 0
    assert doc == {
        "kind": "stock",
        "file": str(files["stock"]),
        "dry_run": False,
        "imported": True,
        "rows": 2,
        "customers_new": 0,
        "customers_matched": 0,
        "contacts_withheld": 0,
        "interactions": 0,
        "lines": 0,
        "anonymous": 0,
        "skipped": 0,
        "problems": 0,
        "first_problems": [],
        "encoding": "",
        "delimiter": "",
        "summary": "stock.csv: 2 stock counts for MAIN.",
        "error": None,  # read, not refused
    }
    assert main(["stock", *store]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "MAIN Our Store  (this branch): 2 products, oldest count as of 3 h ago"
    assert lines[1].split() == ["K1", "4", "as", "of", "3", "h", "ago", "Blue", "kettle"]
    assert lines[2].split()[:6] == ["M1", "0", "as", "of", "just", "now"]


def test_a_bad_file_is_one_line_on_stderr_and_exit_2(
    tmp_path: Path, files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    store = ["--data-dir", str(tmp_path / "store")]
    assert main(["import", "products", str(files["products"]), *store]) == 0
    capsys.readouterr()
    assert main(["import", "stock", str(files["bad"]), "--json", *store]) == 2
    captured = capsys.readouterr()
    problem = f"{files['bad']}, line 3: on_hand cannot be negative (-1)."
    doc = json.loads(captured.out)
    assert (doc["imported"], doc["problems"], doc["first_problems"]) == (False, 1, [problem])
    assert captured.err == f"posassist: {problem}\n"
    assert main(["stock", "--branch", "NOPE", *store]) == 2
    assert "No branch with code 'NOPE' (known: MAIN)" in capsys.readouterr().err
    assert main(["stock", "--json", *store]) == 0
    (branch,) = json.loads(capsys.readouterr().out)["branches"]
    assert branch["items"] == []  # the bad file wrote nothing


def test_stock_json_is_one_document_from_the_real_process(
    tmp_path: Path, files: dict[str, Path]
) -> None:
    store = ["--data-dir", str(tmp_path / "store")]
    assert main(["import", "products", str(files["products"]), *store]) == 0
    assert main(["import", "stock", str(files["stock"]), *store]) == 0
    done = _run("stock", "--branch", "main", "--json", *store)
    assert done.returncode == 0, done.stderr
    (branch,) = json.loads(done.stdout)["branches"]
    assert (branch["code"], branch["here"]) == ("MAIN", True)
    items = {i["sku"]: i for i in branch["items"]}
    assert items["K1"]["on_hand"] == 4
    assert items["K1"]["age"] == "as of 3 h ago"
    assert items["M1"]["name"] == "Red mug"

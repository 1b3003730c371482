"""``posassist import picks``, ``posassist picks [--json]`` and ``picks export`` on a real store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from posassist.cli import main
from tests.conftest import MovableClock, make_backend
from tests.small_store import fill


@pytest.fixture
def data_dir(tmp_path: Path, clock: MovableClock) -> Path:
    folder = tmp_path / "store"
    backend = make_backend(folder, clock)
    try:
        fill(backend)
    finally:
        backend.close()  # the commands below open the store themselves
    return folder


def test_import_list_json_and_export(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "picks.csv"
    csv.write_text(
        "category,rank,sku,staff,why\n"
        "Audio,1,P2,Ana K.,Best noise cancelling under $100\n"
        "Stationery,1,P1,Bo,Lies flat\n",
        encoding="utf-8",
    )
    assert main(["import", "picks", str(csv), "--data-dir", str(data_dir)]) == 0
    assert "2 picks set" in capsys.readouterr().out
    # --json like products and stock: one JSON document (the same file again: unchanged).
    assert main(["import", "picks", str(csv), "--json", "--data-dir", str(data_dir)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["kind"], report["file"], report["imported"]) == ("picks", str(csv), True)
    assert (report["rows"], report["skipped"]) == (2, 2)
    assert report["summary"] == "picks.csv: 0 picks set, 2 unchanged."
    assert main(["picks", "--json", "--data-dir", str(data_dir)]) == 0
    document = json.loads(capsys.readouterr().out)  # exactly one JSON document
    assert [c["category"] for c in document["categories"]] == ["Audio", "Stationery"]
    assert document["categories"][0]["picks"] == [
        {
            "rank": 1,
            "sku": "P2",
            "product": "Wireless headphones",
            "staff": "Ana K.",
            "why": "Best noise cancelling under $100",
            "scope": "chain",
        }
    ]
    assert main(["picks", "--data-dir", str(data_dir)]) == 0
    assert "#1  Wireless headphones  —  Best noise cancelling under $100  (Ana K.)" in (
        capsys.readouterr().out
    )
    out = tmp_path / "export.csv"
    assert main(["picks", "export", str(out), "--data-dir", str(data_dir)]) == 0
    assert "2 picks written" in capsys.readouterr().out
    assert out.read_text(encoding="utf-8-sig").splitlines()[1] == (
        "Audio,1,P2,Ana K.,Best noise cancelling under $100,"
    )


def test_a_bad_file_is_one_line_on_stderr_and_exit_2(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "picks.csv"
    csv.write_text("category,rank,sku,staff,why\nAudio,7,P2,Ana,x\n", encoding="utf-8")
    assert main(["import", "picks", str(csv), "--data-dir", str(data_dir)]) == 2
    err = capsys.readouterr().err
    assert f"{csv}, line 2: the rank must be 1, 2 or 3" in err
    assert len(err.strip().splitlines()) == 1
    assert main(["picks", "--json", "--data-dir", str(data_dir)]) == 0
    assert json.loads(capsys.readouterr().out)["categories"] == []
    assert main(["picks", "export", "--data-dir", str(data_dir)]) == 2
    assert "needs a FILE" in capsys.readouterr().err

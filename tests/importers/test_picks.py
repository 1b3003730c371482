"""``import picks``: a good file sets every slot; any bad line names file and line and
writes nothing; an export reads back as the same picks."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from posassist.app import Backend
from posassist.errors import InvalidInputError
from posassist.storage.orm import Outbox, StaffPick
from tests.small_store import fill

GOOD = (
    "category,rank,sku,staff,why,branch_code\n"
    "Audio,1,P2,Ana K.,Best noise cancelling under $100,\n"
    "Audio,2,P1,Ana K.,Doubles as a travel journal,\n"
    'Stationery,1,P1,Bo,"Smooth paper, lies flat",\n'
    "Audio,1,P1,Cy,Riverside swears by it,B02\n"
)


def _count(backend: Backend, model: type[object]) -> int:
    """Rows of ``model`` (outbox rows: the picks' only)."""
    query = select(func.count()).select_from(model)
    if model is Outbox:
        query = query.where(Outbox.entity == "staff_pick")
    with backend.db.read() as s:
        return int(s.scalar(query) or 0)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "picks.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_sets_every_pick(backend: Backend, tmp_path: Path) -> None:
    fill(backend)
    result = backend.picks.import_csv(_write(tmp_path, GOOD))
    assert (result.set, result.unchanged) == (4, 0)
    shown = {c.category: [(p.rank, p.sku, p.staff) for p in c.picks] for c in backend.picks.shown()}
    assert shown == {
        "Audio": [(1, "P2", "Ana K."), (2, "P1", "Ana K.")],
        "Stationery": [(1, "P1", "Bo")],
    }
    again = backend.picks.import_csv(_write(tmp_path, GOOD))
    assert (again.set, again.unchanged) == (0, 4)
    assert _count(backend, Outbox) == 4


BAD = {
    "rank": ("Audio,4,P2,Ana,fine,", 3, ": the rank must be 1, 2 or 3 (not “4”)."),
    "why too long": (
        "Audio,2,P2,Ana," + "x" * 141 + ",",
        3,
        ": the reason (“why”) is too long (141 characters; at most 140).",
    ),
    "unknown branch": ("Audio,2,P2,Ana,fine,B99", 3, "unknown branch code “B99”"),
    "same slot twice": ("audio ,1,P1,Ana,again,", 3, "already on line 2"),
    "empty staff": ("Audio,2,P2, ,fine,", 3, ": the staff member's name is empty."),
    "unknown sku": ("Audio,2,ZZZ,Ana,fine,", 3, "SKU ZZZ is not in the catalogue (import it"),
    "too few cells": ("Audio,2,P2", 3, "expected 6 cells"),
}


@pytest.mark.parametrize("case", BAD.values(), ids=BAD.keys())
def test_a_bad_line_names_file_and_line_and_writes_nothing(
    backend: Backend, tmp_path: Path, case: tuple[str, int, str]
) -> None:
    fill(backend)
    line_text, line, message = case
    text = "category,rank,sku,staff,why,branch_code\nAudio,1,P2,Ana,good,\n" + line_text + "\n"
    path = _write(tmp_path, text)
    with pytest.raises(InvalidInputError) as info:
        backend.picks.import_csv(path)
    assert info.value.field == f"{path}:{line}"
    assert f"{path}, line {line}:" in str(info.value)
    assert message in str(info.value)
    said = str(info.value).removeprefix(f"{path}, line {line}: ")
    assert not said.startswith(("why:", "rank:", "sku:", "staff:"))  # the field named once
    assert _count(backend, StaffPick) == 0
    assert _count(backend, Outbox) == 0


def test_a_header_without_a_required_column_is_refused(backend: Backend, tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="line 1: the header has no “why” column"):
        backend.picks.import_csv(_write(tmp_path, "category,rank,sku,staff\nAudio,1,P2,Ana\n"))


def test_without_a_catalog_any_sku_is_taken(backend: Backend, tmp_path: Path) -> None:
    path = _write(tmp_path, "category,rank,sku,staff,why\nKites,1,K-9,Ana,Flies in a breeze\n")
    assert backend.picks.import_csv(path).set == 1
    assert backend.picks.shown()[0].picks[0].product == ""


def test_export_round_trips_with_import(backend: Backend, tmp_path: Path) -> None:
    fill(backend)
    backend.picks.import_csv(_write(tmp_path, GOOD.replace("Bo,", "=Bo,")))
    out = tmp_path / "out.csv"
    assert backend.picks.export_csv(out) == 4
    text = out.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "category,rank,sku,staff,why,branch_code"
    assert "'=Bo" in text  # neutralised for spreadsheets, restored on import
    before = backend.picks.shown()
    with backend.db.write() as s:
        s.query(StaffPick).delete()
    result = backend.picks.import_csv(out)
    assert result.set == 4
    assert backend.picks.shown() == before
    backend.picks.export_csv(tmp_path / "again.csv")
    assert (tmp_path / "again.csv").read_bytes() == out.read_bytes()

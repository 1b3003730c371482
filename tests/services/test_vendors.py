"""The partner vendor directory: edits, CSV import/export, and all-or-nothing imports."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

from posassist.app import Backend
from posassist.errors import InvalidInputError
from posassist.services.vendors import CSV_COLUMNS, VendorInput
from posassist.storage.orm import Outbox, Vendor

HEADER = ",".join(CSV_COLUMNS)


def count(backend: Backend, model: type[object]) -> int:
    with backend.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_create_update_deactivate_with_outbox(backend: Backend) -> None:
    vid = backend.vendors.create(
        VendorInput(
            name="  Sound   Hut ",
            website="soundhut.example",
            hours="Mo-Fr 09:00-18:00; Sa 10:00-16:00",
            categories=("Audio", "Audio", "Repairs"),
            keywords=("speakers",),
        )
    )
    vendor = backend.vendors.get(vid)
    assert vendor.name == "Sound Hut"
    assert vendor.website == "https://soundhut.example"
    assert vendor.categories == ("Audio", "Repairs")
    backend.vendors.update(vid, VendorInput(name="Sound Hut", phone="555 0101"))
    backend.vendors.set_active(vid, False)
    assert backend.vendors.list(include_inactive=False) == []
    assert backend.vendors.get(vid).phone == "555 0101"
    with backend.db.read() as s:
        ops = s.execute(select(Outbox.entity, Outbox.op).order_by(Outbox.seq)).all()
    assert ops == [("vendor", "insert"), ("vendor", "update"), ("vendor", "update")]


def test_bad_hours_are_refused_naming_the_field(backend: Backend) -> None:
    with pytest.raises(InvalidInputError) as info:
        backend.vendors.create(VendorInput(name="X", hours="Mo-Fr 9 till late"))
    assert info.value.field == "hours"
    assert count(backend, Vendor) == 0


def test_csv_round_trip_keeps_everything(backend: Backend, tmp_path: Path) -> None:
    backend.vendors.create(
        VendorInput(
            name="=HYPERLINK(evil)",
            address="1 Elm St\nSecond line",
            phone="+1 555 0100",
            website="https://a.example/",
            hours="24/7",
            categories=("Books",),
            keywords=("comics", "novels"),
            notes="-call first",
        )
    )
    backend.vendors.create(VendorInput(name="Ελληνικά Βιβλία", active=False))
    out = tmp_path / "vendors.csv"
    assert backend.vendors.export_csv(out) == 2
    raw = out.read_text(encoding="utf-8-sig")
    assert raw.startswith(HEADER)
    rows = list(csv.reader(raw.splitlines()[1:]))
    names = [r[1] for r in rows if r]
    assert "'=HYPERLINK(evil)" in names  # neutralised for spreadsheets
    before = backend.vendors.list()
    # Importing our own export changes nothing and adds nothing.
    result = backend.vendors.import_csv(out)
    assert (result.added, result.updated) == (0, 0)
    assert backend.vendors.list() == before
    assert before[0].name == "=HYPERLINK(evil)"  # restored, not left with the quote
    assert before[0].notes == "-call first"


def test_import_adds_and_updates_by_name(backend: Backend, tmp_path: Path) -> None:
    backend.vendors.create(VendorInput(name="Paper Co.", phone="1", hours="24/7"))
    path = tmp_path / "in.csv"
    path.write_text(
        "name,phone,categories,active\n"
        "PAPER CO.,555 2,Stationery;Art,yes\n"
        "New Place,555 3,Games,no\n",
        encoding="utf-8",
    )
    result = backend.vendors.import_csv(path)
    assert (result.added, result.updated) == (1, 1)
    by_name = {v.name: v for v in backend.vendors.list()}
    assert by_name["PAPER CO."].phone == "555 2"  # the file is the newer truth, name too
    assert by_name["PAPER CO."].categories == ("Stationery", "Art")
    assert by_name["PAPER CO."].hours == "24/7"  # no hours column: hours kept
    assert by_name["New Place"].active is False


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        ("Good,24/7\nBad,Mo-Fr 9-5\n", 3, "9-5"),
        ("Good,24/7\n,24/7\n", 3, "needs a name"),
        ('Good,24/7\n"Multi\nline",24/7\nBad,PH off\n', 5, "PH"),
        ("Good,24/7,extra\n", 2, "expected 2 cells"),
    ],
)
def test_bad_file_names_file_and_line_and_writes_nothing(
    backend: Backend, tmp_path: Path, body: str, line: int, words: str
) -> None:
    path = tmp_path / "vendors.csv"
    path.write_text("name,hours\n" + body, encoding="utf-8")
    with pytest.raises(InvalidInputError) as info:
        backend.vendors.import_csv(path)
    message = str(info.value)
    assert f"{path}, line {line}:" in message
    assert words in message
    assert count(backend, Vendor) == 0
    assert count(backend, Outbox) == 0


def test_unknown_column_and_non_utf8_are_refused(backend: Backend, tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_text("name,colour\nA,red\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"line 1: unknown column “colour”"):
        backend.vendors.import_csv(path)
    path.write_bytes(b"name\nCaf\x81\n")  # 0x81: neither UTF-8 nor Windows-1252
    with pytest.raises(InvalidInputError, match=r"line 2: the file is not UTF-8"):
        backend.vendors.import_csv(path)


def test_semicolon_separated_excel_file(backend: Backend, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(
        "\ufeffname;hours;keywords\nBike Shed;Mo-Sa 10:00-18:00;bikes, repair\n".encode()
    )
    backend.vendors.import_csv(path)
    (vendor,) = backend.vendors.list()
    assert vendor.keywords == ("bikes", "repair")


def test_delete_refused_once_referred(backend: Backend) -> None:
    vid = backend.vendors.create(VendorInput(name="Used"))
    backend.referrals.issue_slip("thing", vendor_id=vid)
    with pytest.raises(InvalidInputError, match="inactive instead"):
        backend.vendors.delete(vid)
    spare = backend.vendors.create(VendorInput(name="Spare"))
    backend.vendors.delete(spare)
    assert [v.name for v in backend.vendors.list()] == ["Used"]


def test_resolve_id_by_prefix(backend: Backend) -> None:
    vid = backend.vendors.create(VendorInput(name="Prefix"))
    assert backend.vendors.resolve_id(vid.hex[:8]) == vid
    assert backend.vendors.resolve_id(str(vid)) == vid
    with pytest.raises(InvalidInputError, match="No vendor"):
        backend.vendors.resolve_id("zzzzzzzz")

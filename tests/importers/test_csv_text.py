"""The reference imports' reader (vendors, catalogue, stock, picks): the streaming imports'
encoding rule and delimiters, in its own words ("file, line N: ...")."""

from __future__ import annotations

import codecs
import io
import zipfile
from pathlib import Path

import pytest

from posassist.errors import InvalidInputError
from posassist.importers.csv_text import csv_rows, read_text

KNOWN = ("sku", "name", "category")


def write(tmp_path: Path, raw: bytes) -> Path:
    path = tmp_path / "products.csv"
    path.write_bytes(raw)
    return path


READABLE = {
    "utf-8": "sku,name\nC1,Crème brûlée\n".encode(),
    "utf-8 with BOM": codecs.BOM_UTF8 + "sku,name\nC1,Crème brûlée\n".encode(),
    "utf-16 with BOM": "sku,name\nC1,Crème brûlée\n".encode("utf-16"),
    "windows-1252": "sku,name\nC1,Crème brûlée\n".encode("cp1252"),
}


@pytest.mark.parametrize("case", READABLE, ids=list(READABLE))
def test_read_text_takes_each_encoding_of_the_rule(tmp_path: Path, case: str) -> None:
    assert read_text(write(tmp_path, READABLE[case])) == "sku,name\nC1,Crème brûlée\n"


def _workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b"<workbook/>")
    return buffer.getvalue()


REFUSED = {
    "neither encoding": (
        b"sku,name\nC1,Cr\x81me\n",
        2,
        "the file is not UTF-8 text, nor Windows-1252",
    ),
    "mixed encodings": (
        "sku,name\nC1,Crème\n".encode() + "C2,Brûlée\n".encode("cp1252"),
        3,
        "the file mixes two encodings",
    ),
    "NUL byte": (b"sku,name\nC1,Cr\x00me\n", 2, "is a NUL byte"),
    "an Excel workbook": (_workbook(), 1, "this is an Excel workbook (.xlsx), not a CSV file"),
}


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_read_text_refuses_with_file_line_and_byte(tmp_path: Path, case: str) -> None:
    raw, line, words = REFUSED[case]
    path = write(tmp_path, raw)
    with pytest.raises(InvalidInputError) as exc:
        read_text(path)
    assert str(exc.value).startswith(f"{path}, line {line}: ")
    assert words in str(exc.value)


def test_read_text_names_a_missing_file_and_a_folder(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="no such file"):
        read_text(tmp_path / "nope.csv")
    with pytest.raises(InvalidInputError, match="it is a folder, not a file"):
        read_text(tmp_path)


@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_csv_rows_reads_comma_semicolon_and_tab(tmp_path: Path, delimiter: str) -> None:
    text = delimiter.join(KNOWN) + "\n" + delimiter.join(("K1", "Kettle, blue", "Kitchen")) + "\n"
    if delimiter == ",":
        text = text.replace("Kettle, blue", '"Kettle, blue"')
    columns, rows = csv_rows(write(tmp_path, text.encode()), KNOWN, KNOWN, max_rows=10)
    assert columns == list(KNOWN)
    assert list(rows) == [(2, {"sku": "K1", "name": "Kettle, blue", "category": "Kitchen"})]


def test_csv_rows_says_a_file_cut_off_inside_a_quote(tmp_path: Path) -> None:
    path = write(tmp_path, b'sku,name,category\nK1,Kettle,Kitchen\nK2,"Mug,Kit')
    _, rows = csv_rows(path, KNOWN, KNOWN, max_rows=10)
    with pytest.raises(InvalidInputError) as exc:
        list(rows)
    assert str(exc.value) == (
        f'{path}, line 3: a quote (") opened in this row is still open at the end of the '
        "file: the file looks cut off, or a closing quote is missing."
    )

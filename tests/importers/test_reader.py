"""The streaming reader on messy files: each one read, or reported with file, line and column.

Every file is built here from bytes, the way a till, a spreadsheet or a damaged copy
writes it, so each test says exactly what the file holds.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from posassist.errors import InvalidInputError
from posassist.importers.reader import Column, Table, detect_encoding, open_table
from posassist.importers.records import Problems

COLUMNS = (Column("Name", required=True), Column("City"))


def write(tmp_path: Path, raw: bytes, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(raw)
    return path


def read(path: Path, columns: tuple[Column, ...] = COLUMNS) -> tuple[Table, list, Problems]:
    """The table, its rows as (line, cells), and its problems."""
    problems = Problems(path)
    with open_table(path, columns, problems) as table:
        rows = list(table.rows())
    return table, rows, problems


def refused(path: Path, columns: tuple[Column, ...] = COLUMNS) -> str:
    with pytest.raises(InvalidInputError) as exc:
        read(path, columns)
    return str(exc.value)


# -- encodings ---------------------------------------------------------------------------

TEXT = "Name,City\r\nZoë Brontë,Köln\r\n“Ana” – 5 €,Århus\r\n"
ENCODED = {
    "utf-8": (TEXT.encode("utf-8"), "utf-8"),
    "utf-8 with BOM": (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
    "utf-16 LE with BOM": (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16"),
    "utf-16 BE with BOM": (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
    "utf-32 LE with BOM": (codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"), "utf-32"),
    "windows-1252": (TEXT.encode("cp1252"), "cp1252"),
}


@pytest.mark.parametrize("case", ENCODED, ids=list(ENCODED))
def test_each_encoding_reads_the_same_rows(tmp_path: Path, case: str) -> None:
    raw, encoding = ENCODED[case]
    path = write(tmp_path, raw)
    assert detect_encoding(path) == encoding
    table, rows, problems = read(path)
    assert not problems, problems.texts()
    assert table.header == ["Name", "City"]
    assert rows == [(2, ["Zoë Brontë", "Köln"]), (3, ["“Ana” – 5 €", "Århus"])]
    assert table.bytes_read == table.size == len(raw)


def test_a_latin1_file_reads_as_windows_1252(tmp_path: Path) -> None:
    path = write(tmp_path, "Name,City\nFrançois,Besançon\n".encode("latin-1"))
    assert read(path)[1] == [(2, ["François", "Besançon"])]


UNDECIDABLE = {
    # 0x81 is text neither in UTF-8 nor in Windows-1252 (a C1 control in Latin-1).
    "undefined byte": (
        b"Name,City\nAna,Lyon\nBo,Li\x81ge\n",
        3,
        "byte 6 of the line (0x81, byte 25",
    ),
    # A real such file: a UTF-8 export with a Windows-1252 one pasted under it.
    "utf-8 then windows-1252": (
        "Name,City\nZoë,Köln\n".encode() + "Renée,Liège\n".encode("cp1252"),
        3,
        "is not UTF-8, but line 2 above is; the file mixes two encodings",
    ),
    "windows-1252 then utf-8": (
        "Name,City\nRenée,Liège\n".encode("cp1252") + "Zoë,Köln\n".encode(),
        3,
        "line 2 is Windows-1252, but byte 3 of the line (0xC3, byte 25",
    ),
    "utf-8 mark, then not utf-8": (
        codecs.BOM_UTF8 + b"Name,City\nRen\xe9e,Lyon\n",
        2,
        "though it starts with UTF-8's mark: byte 4 of the line (0xE9",
    ),
    "utf-16 mark, then a lone surrogate": (
        codecs.BOM_UTF16_LE + "Name,City\nAna,".encode("utf-16-le") + b"\x00\xdc" + b"x\x00",
        2,
        "byte 31 of the file is not UTF-16 text",
    ),
}


@pytest.mark.parametrize("case", UNDECIDABLE, ids=list(UNDECIDABLE))
def test_an_undecidable_file_is_refused_with_line_and_byte(tmp_path: Path, case: str) -> None:
    raw, line, words = UNDECIDABLE[case]
    path = write(tmp_path, raw)
    message = refused(path)
    assert message.startswith(f"{path}, line {line}: "), message
    assert words in message
    assert "save it as “CSV UTF-8”" in message


def test_a_bad_byte_past_the_first_megabyte_is_placed_exactly(tmp_path: Path) -> None:
    body = b"".join(b"Ana %06d,Lyon\n" % i for i in range(100_000))  # 1.6 MB of ASCII
    raw = b"Name,City\n" + body + b"Bo,Li\x8fge\n"
    path = write(tmp_path, raw)
    message = refused(path)
    offset = raw.index(b"\x8f") + 1
    assert message.startswith(f"{path}, line 100,002: the file is not UTF-8 text, nor Windows")
    assert f"byte 6 of the line (0x8F, byte {offset:,} of the file)" in message


def test_nul_bytes_are_refused_with_their_line(tmp_path: Path) -> None:
    path = write(tmp_path, b"Name,City\nAna,Lyon\nBo,Ly\x00on\n")
    message = refused(path)
    assert message.startswith(f"{path}, line 3: byte 6 of the line (0x00, byte 25 of the file)")
    assert "NUL byte: this is not a text file, or it is damaged" in message


def test_utf16_without_its_mark_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "Name,City\nAna,Lyon\n".encode("utf-16-le"))
    message = refused(path)
    assert message.startswith(f"{path}, line 1: byte 2 of the line (0x00")
    assert "looks like UTF-16 text without its byte-order mark" in message


# -- binary files and files that are not there ------------------------------------------


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


BINARY = {
    "xlsx renamed .csv": (
        _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}),
        "this is an Excel workbook (.xlsx), not a CSV file: open it in Excel or LibreOffice "
        "and save it as “CSV UTF-8”",
    ),
    "xls renamed .csv": (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500),
        "this is an Excel 97-2003 workbook (.xls), not a CSV file",
    ),
    "ods": (
        _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b""}),
        "this is an OpenDocument file (.ods), not a CSV file: open it in Excel or LibreOffice",
    ),
    "docx": (
        _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<document/>"}),
        "this is a Word document (.docx), not a CSV file: choose the CSV export instead",
    ),
    "zip": (_zip({"export.csv": b"Name\nAna\n"}), "a ZIP archive (unpack it and import the CSV"),
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(40), "this is a PNG image"),
    "random bytes": (bytes(range(256)) * 4, "NUL byte: this is not a text file"),
}


@pytest.mark.parametrize("case", BINARY, ids=list(BINARY))
def test_a_binary_file_is_refused_saying_what_it_is(tmp_path: Path, case: str) -> None:
    raw, words = BINARY[case]
    path = write(tmp_path, raw)
    message = refused(path)
    assert message.startswith(f"{path}, line 1: "), message
    assert words in message


def test_empty_missing_folder_and_blank_files_are_refused(tmp_path: Path) -> None:
    empty = ": the file is empty; the first line must be the header."
    assert refused(write(tmp_path, b"")) == f"{tmp_path / 'export.csv'}, line 1{empty}"
    blank = write(tmp_path, b"\r\n\n  \n", "blank.csv")
    assert refused(blank) == f"{blank}, line 1{empty}"
    missing = tmp_path / "nope.csv"
    assert refused(missing) == f"Cannot read {missing}: no such file."
    assert refused(tmp_path) == f"Cannot read {tmp_path}: it is a folder, not a file."
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    assert refused(fifo) == f"Cannot read {fifo}: it is not a regular file."


@contextmanager
def _as_nobody() -> Iterator[None]:
    """Root reads through chmod 000: the check is run with the effective uid of nobody
    (and put back), so the system, not the test, says no. As another user chmod is enough."""
    if os.geteuid() != 0:
        yield
        return
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)


def test_a_file_we_may_not_read_is_refused() -> None:
    with tempfile.TemporaryDirectory() as folder:
        os.chmod(folder, 0o755)  # nobody may enter the folder, not read the file
        path = Path(folder) / "locked.csv"
        path.write_bytes(b"Name\nAna\n")
        path.chmod(0)
        with _as_nobody():
            message = refused(path)
        assert message == f"Cannot read {path}: Permission denied."


# -- delimiters --------------------------------------------------------------------------

DELIMITED = {
    "comma": b"Name,City\nAna,Lyon\n",
    "semicolon": b"Name;City\nAna;Lyon\n",
    "tab": b"Name\tCity\nAna\tLyon\n",
    "semicolon, decimal commas": b"Name;City;Total\nAna;Lyon;12,50\n",
    "quoted delimiters in the header": b'"Name, as given";"City; town"\nAna;Lyon\n',
}


@pytest.mark.parametrize("case", DELIMITED, ids=list(DELIMITED))
def test_comma_semicolon_and_tab_files(tmp_path: Path, case: str) -> None:
    columns = (
        Column("Name", True, aliases=("Name, as given",)),
        Column("City", aliases=("City; town",)),
    )
    table, rows, problems = read(write(tmp_path, DELIMITED[case]), columns)
    assert not problems, problems.texts()
    assert rows[0][1][:2] == ["Ana", "Lyon"]
    assert table.delimiter == ("\t" if case == "tab" else "," if case == "comma" else ";")


def test_a_one_column_file_splits_no_row(tmp_path: Path) -> None:
    """Every delimiter gives a one-cell header; the one that splits no row is taken."""
    table, rows, problems = read(write(tmp_path, b"Name\nAna; Bo\nCy, Di\n"))
    assert (table.index, problems.count) == ({"Name": 0, "City": None}, 0)
    assert rows == [(2, ["Ana; Bo"]), (3, ["Cy, Di"])]


# -- rows: blank, duplicated, cut off, too wide, too long ----------------------------------


def test_blank_lines_are_skipped_and_duplicates_read_as_they_are(tmp_path: Path) -> None:
    """Whether a repeated line is a duplicate is the format's call (records.Skip)."""
    raw = b"\r\nName,City\r\nAna,Lyon\r\n\r\n,\r\n  ,  \r\nAna,Lyon\r\nBo,\r\n\r\n"
    _, rows, problems = read(write(tmp_path, raw))
    assert not problems, problems.texts()
    assert rows == [(3, ["Ana", "Lyon"]), (7, ["Ana", "Lyon"]), (8, ["Bo", ""])]


def test_a_line_number_is_the_first_line_of_its_row(tmp_path: Path) -> None:
    raw = b'Name,City\nAna,"Lyon\n3rd floor\n\nback door"\nBo,"x""y"\nCy\n"Di\nDo",Paris\n'
    _, rows, problems = read(write(tmp_path, raw))
    assert rows == [
        (2, ["Ana", "Lyon\n3rd floor\n\nback door"]),
        (6, ["Bo", 'x"y']),
        (8, ["Di\nDo", "Paris"]),
    ]
    assert [(p.line, p.message) for p in problems.first] == [
        (7, "expected 2 cells like the header, found 1")
    ]


def test_a_quote_open_at_the_end_says_the_file_looks_cut_off(tmp_path: Path) -> None:
    path = write(tmp_path, b'Name,City\nAna,Lyon\nBo,"Par')
    _, rows, problems = read(path)
    assert rows == [(2, ["Ana", "Lyon"])]
    assert problems.texts() == [
        f'{path}, line 3: a quote (") opened in this row is still open at the end of the '
        "file: the file looks cut off, or a closing quote is missing"
    ]


def test_a_short_last_line_says_the_file_looks_cut_off(tmp_path: Path) -> None:
    path = write(tmp_path, b"Name,City,Zip\nAna,Lyon,69001\nBo\nCy,Par")
    _, rows, problems = read(path)
    assert rows == [(2, ["Ana", "Lyon", "69001"])]
    assert [(p.line, p.column, p.message) for p in problems.first] == [
        (3, "", "expected 3 cells like the header, found 1"),
        (4, "", "the last row has 2 of the header's 3 cells and no line end: the file looks "
         "cut off (was it copied before it was fully saved?)"),
    ]  # fmt: skip


def test_empty_cells_past_the_header_are_dropped_other_extra_cells_are_a_problem(
    tmp_path: Path,
) -> None:
    _, rows, problems = read(write(tmp_path, b"Name,City\nAna,Lyon,,\nBo,Paris,x\nCy,Nice\n"))
    assert rows == [(2, ["Ana", "Lyon"]), (4, ["Cy", "Nice"])]
    assert [(p.line, p.message) for p in problems.first] == [
        (3, "expected 2 cells like the header, found 3")
    ]


def test_a_bad_quote_is_a_problem_and_reading_goes_on(tmp_path: Path) -> None:
    _, rows, problems = read(write(tmp_path, b'Name,City\n"Ana"x,Lyon\nBo,Paris\n'))
    assert rows == [(3, ["Bo", "Paris"])]
    assert [(p.line, p.message) for p in problems.first] == [
        (
            2,
            "a quoted cell has more text after its closing quote "
            '(write a quote inside a cell as "")',
        )
    ]


def test_a_header_only_file_has_nothing_to_import(tmp_path: Path) -> None:
    path = write(tmp_path, b"Name,City\n\n")
    _, rows, problems = read(path)
    assert rows == []
    assert problems.texts() == [
        f"{path}, line 2: the file has its header and no rows: nothing to import"
    ]


def test_a_10_mb_cell_is_a_clear_problem_and_the_next_row_is_read(tmp_path: Path) -> None:
    raw = b"Name,City\nAna," + b"x" * 10_000_000 + b"\nBo,Paris\n"
    _, rows, problems = read(write(tmp_path, raw))
    assert rows == [(3, ["Bo", "Paris"])]
    limit = csv.field_size_limit()
    assert [(p.line, p.message) for p in problems.first] == [
        (2, f"a cell is longer than {limit:,} characters, the most a cell may hold: a quote (\") "
         "opened here and never closed makes the lines after it one cell, or the file is not a "
         "CSV export"),
    ]  # fmt: skip


def test_a_line_longer_than_16_mb_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, b"Name,City\nAna," + b"x" * (17 << 20) + b"\n")
    message = refused(path)
    assert message.startswith(f"{path}, line 2: the line is longer than 16 MB without a line end")


# -- the header ---------------------------------------------------------------------------


def test_header_names_ignore_bom_spaces_case_and_line_ends(tmp_path: Path) -> None:
    """A CR inside a quoted name is a line end as an editor shows it: the row is on line 3."""
    raw = codecs.BOM_UTF8 + b'\xef\xbb\xbf  nAME ,"City\r"\nAna,Lyon\n'
    table, rows, _ = read(write(tmp_path, raw))
    assert table.index == {"Name": 0, "City": 1}
    assert table.has("City")
    assert rows == [(3, ["Ana", "Lyon"])]


def test_a_mac_file_with_cr_line_ends_counts_lines_like_the_reader(tmp_path: Path) -> None:
    """Excel for Mac's "CSV (Macintosh)" ends lines with a lone CR."""
    _, rows, _ = read(write(tmp_path, b"Name,City\rAna,Lyon\r\rBo,Nice\r"))
    assert rows == [(2, ["Ana", "Lyon"]), (4, ["Bo", "Nice"])]
    path = write(tmp_path, b"Name,City\rAna,Lyon\rBo,N\x81ce\r", "bad.csv")
    assert refused(path).startswith(f"{path}, line 3: the file is not UTF-8 text, nor Windows")


def test_the_name_is_read_before_an_alias(tmp_path: Path) -> None:
    columns = (Column("Email", aliases=("E-mail",)), Column("Name", True))
    table, _, _ = read(write(tmp_path, b"E-mail,Name,Email\na@x.org,Ana,b@y.org\n"), columns)
    assert table.index == {"Email": 2, "Name": 1}


def test_a_read_column_named_twice_is_refused_an_unread_one_is_not(tmp_path: Path) -> None:
    path = write(tmp_path, b"Notes,Name,City,Notes,name \nx,Ana,Lyon,y,Bo\n")
    assert refused(path) == (
        f"{path}, line 1, column “Name”: the header has this column 2 times (columns 2, 5); "
        "keep one and import again."
    )
    table, rows, _ = read(write(tmp_path, b"Notes,Name,Notes\nx,Ana,y\n"))
    assert (table.index, rows) == ({"Name": 1, "City": None}, [(2, ["x", "Ana", "y"])])


def test_a_missing_required_column_is_refused_on_the_header_line(tmp_path: Path) -> None:
    path = write(tmp_path, b"\nCity,Zip\nLyon,69001\n")
    assert refused(path) == (
        f"{path}, line 2: the header has no “Name” column (found: “City”, “Zip”)."
    )


def test_the_missing_columns_are_all_named_and_the_found_ones_cut_at_a_whole_name(
    tmp_path: Path,
) -> None:
    """An 80-column export must not give a message cut in the middle of a name."""
    found = [f"Custom field number {i}" for i in range(80)]
    path = write(tmp_path, (",".join(found) + "\n" + ",".join("x" * 80) + "\n").encode())
    both = (Column("Name", required=True), Column("Email", required=True), Column("City"))
    text = refused(path, both)
    assert text.startswith(f"{path}, line 1: the header has no “Name”, “Email” columns (found: ")
    listed = text.split("(found: ", 1)[1]
    shown = re.findall(r"“([^”]*)”", listed)
    assert shown == found[: len(shown)]  # each whole, in the file's order
    assert 3 <= len(shown) < 80
    assert listed.endswith(f" and {80 - len(shown)} more).")

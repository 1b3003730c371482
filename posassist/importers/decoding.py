"""How a file's bytes become text: the one encoding rule every import uses.

Both readers decide with this module: the streaming reader (``reader.py``, the till's
history, files of any size) and the reference imports' ``csv_text.read_text`` (vendors,
catalogue, stock, picks: small files read whole). So a file reads the same, or is refused
in the same words, whatever it is imported as.

The rule (README, *Files that are not quite right*), decided in one pass over the bytes:

1. A known binary format, told by its first bytes (an Excel workbook, a ZIP archive, an
   image, a PDF...), is refused, saying what the file is and what to do.
2. A byte-order mark decides: UTF-8, UTF-16 LE or BE, UTF-32 LE or BE.
3. Without one, the file is UTF-8 if all of it is UTF-8.
4. Else it is Windows-1252 (which reads Latin-1 text the same), if everything before its
   first non-UTF-8 byte is plain ASCII, none of its bytes is one of the five Windows-1252
   leaves undefined, and nothing after reads as UTF-8 accents or punctuation. A file that
   mixes the two is refused: reading it either way would garble one part without a word.
5. Else it is refused, naming the line, the byte in the line and the byte in the file.

Also refused, naming the line: a NUL character (a binary or damaged file) and a line over
:data:`MAX_LINE_BYTES` (no export writes one; reading it would cost its size in memory).

The rule is deterministic rather than a statistical guess (chardet, charset-normalizer):
it says exactly why a file is refused, and it costs one streaming pass.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from posassist.errors import FileInputError

__all__ = ["MAX_LINE_BYTES", "Scan", "cannot_read", "decode_bytes", "scan_file"]

MAX_LINE_BYTES = 16 << 20
_CHUNK = 1 << 20
_SAVE_AS = "save it as “CSV UTF-8”"

# Longest first: UTF-32 LE's mark starts with UTF-16 LE's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
_SIGNATURES = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel 97-2003 workbook (.xls)"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"\x1f\x8b", "a gzip-compressed file (unpack it first)"),
    (b"SQLite format 3\x00", "an SQLite database"),
)
_WORKBOOK = "an Excel workbook (.xlsx)"
_OPEN_DOCUMENT = "an OpenDocument file (.ods)"
# The bytes Windows-1252 leaves undefined; Latin-1 has C1 controls there, never text.
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
# UTF-8 for Latin-1 letters and signs, typographic punctuation and the euro sign: in a
# Windows-1252 file they would read as "Ã©", "Â£" or "â€™", never as words.
_UTF8_LOOKING = re.compile(rb"\xc3[\x80-\xbf]|\xc2[\xa0-\xbf]|\xe2\x80[\x90-\xbf]|\xe2\x82\xac")
_NON_ASCII = re.compile(rb"[\x80-\xff]")


@dataclass(frozen=True, slots=True)
class Scan:
    """What the pass over a file found: how to decode it, and how it ends."""

    encoding: str  # a Python codec name
    label: str  # as said to a manager: "UTF-8", "UTF-16", "Windows-1252"
    size: int
    ends_with_newline: bool  # False: the last line has no line end (cut off?)


def cannot_read(path: Path, exc: OSError) -> FileInputError:
    """The refusal for a file the system will not give us (missing, a folder, no right)."""
    if isinstance(exc, FileNotFoundError):
        return FileInputError(str(path), f"Cannot read {path}: no such file.")
    if isinstance(exc, IsADirectoryError):
        return FileInputError(str(path), f"Cannot read {path}: it is a folder, not a file.")
    return FileInputError(str(path), f"Cannot read {path}: {exc.strerror or exc}.")


def check_regular(path: Path) -> int:
    """The file's size; a missing file, a folder, a pipe or a device is refused before it is
    opened (a pipe would block the read forever)."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise cannot_read(path, exc) from exc
    if stat.S_ISDIR(info.st_mode):
        raise cannot_read(path, IsADirectoryError(path))
    if not stat.S_ISREG(info.st_mode):
        raise FileInputError(str(path), f"Cannot read {path}: it is not a regular file.")
    return info.st_size


def _refuse(path: Path, line: int, message: str, *, byte: int | None = None) -> FileInputError:
    """``byte``: the file offset (from 0) of the byte at fault, when there is one."""
    where = None if byte is None else byte + 1
    return FileInputError(str(path), f"{path}, line {line:,}: {message}", line=line, byte=where)


def _at(line_start: int, offset: int, byte: int) -> str:
    """``byte 7 of the line (0xE9, byte 1,234 of the file)``, counting from 1."""
    column = offset - line_start + 1
    return f"byte {column:,} of the line (0x{byte:02X}, byte {offset + 1:,} of the file)"


def scan_file(path: Path, fh: BinaryIO, size: int) -> Scan:
    """Decide ``fh``'s encoding by the rule (module docstring), reading it once, in
    chunks; anything else is refused with the line and byte where it fails."""
    head = fh.read(_CHUNK)
    _refuse_binary(path, fh, head)
    for bom, encoding, label in _BOMS:
        if head.startswith(bom):
            if encoding == "utf-8-sig":
                _Narrow(path, utf8_only=True).run(_chunks(fh, head))
                return Scan(encoding, label, size, _ends_with_newline(head, fh, size))
            ends = _scan_wide(path, _chunks(fh, head), encoding)
            return Scan(encoding, label, size, ends)
    encoding, label = _Narrow(path).run(_chunks(fh, head))
    return Scan(encoding, label, size, _ends_with_newline(head, fh, size))


def decode_bytes(path: Path, raw: bytes) -> str:
    """A small file read whole, as text by the same rule as a streamed one."""
    found = scan_file(path, io.BytesIO(raw), len(raw))
    return raw.decode(found.encoding)


def _chunks(fh: BinaryIO, head: bytes) -> Iterator[bytes]:
    yield head
    while chunk := fh.read(_CHUNK):
        yield chunk


def _ends_with_newline(head: bytes, fh: BinaryIO, size: int) -> bool:
    if size <= len(head):
        tail = head[-1:]
    else:
        fh.seek(size - 1)
        tail = fh.read(1)
    return tail in (b"\n", b"\r")


def _refuse_binary(path: Path, fh: BinaryIO, head: bytes) -> None:
    what = next((name for magic, name in _SIGNATURES if head.startswith(magic)), None)
    if head.startswith(b"PK\x03\x04"):
        what = _zip_kind(fh)
    if what is None:
        return
    advice = (
        f"open it in Excel or LibreOffice and {_SAVE_AS}"
        if what in (_WORKBOOK, _OPEN_DOCUMENT) or "Excel" in what
        else "choose the CSV export instead"
    )
    raise _refuse(path, 1, f"this is {what}, not a CSV file: {advice}.")


def _zip_kind(fh: BinaryIO) -> str:
    """What a ZIP file holds: an Excel workbook, an OpenDocument sheet, or an archive."""
    try:
        fh.seek(0)
        names = set(zipfile.ZipFile(fh).namelist())
    except (zipfile.BadZipFile, OSError, EOFError):
        return "a ZIP archive (damaged)"
    if any(name.startswith("xl/") for name in names):
        return _WORKBOOK
    if "word/document.xml" in names:
        return "a Word document (.docx)"
    if "content.xml" in names and "mimetype" in names:
        return _OPEN_DOCUMENT
    return "a ZIP archive (unpack it and import the CSV inside)"


class _Narrow:
    """The pass over a file without a wide byte-order mark: UTF-8, else Windows-1252.

    The file is taken in blocks that end at a line end, so no UTF-8 sequence is split and
    each refusal knows its line; a block that is plain ASCII (the usual export) costs one
    ``isascii`` call.
    """

    def __init__(self, path: Path, *, utf8_only: bool = False) -> None:
        self.path = path
        self.utf8_only = utf8_only
        self.line = 1  # the line the next block starts on
        self.offset = 0  # the file offset of the next block
        self.first_text: tuple[int, int] | None = None  # line and offset of a UTF-8 accent
        self.legacy: tuple[int, int] | None = None  # line and offset of the first non-UTF-8

    def run(self, chunks: Iterator[bytes]) -> tuple[str, str]:
        carry = b""
        for chunk in chunks:
            # Never after a CR that ends the chunk: its LF may start the next one.
            cut = max(chunk.rfind(b"\n"), chunk.rfind(b"\r", 0, len(chunk) - 1)) + 1
            if not cut:
                carry += chunk
                if len(carry) > MAX_LINE_BYTES:
                    raise _refuse(self.path, self.line, _too_long())
                continue
            self.block(carry + chunk[:cut])
            carry = chunk[cut:]
        if carry:
            self.block(carry)
        if self.legacy is None:
            return "utf-8", "UTF-8"
        return "cp1252", "Windows-1252"

    def block(self, data: bytes) -> None:
        self._no_nul(data)
        if data.isascii():
            pass
        elif self.legacy is None:
            self._utf8(data)
        else:
            self._cp1252(data, 0)
        self.line += _line_ends(data)
        self.offset += len(data)

    def _no_nul(self, data: bytes) -> None:
        nul = data.find(b"\x00")
        if nul < 0:
            return
        line, start = self._where(data, nul)
        what = (
            "the file looks like UTF-16 text without its byte-order mark"
            if data[1::2].count(0) > len(data) // 4 or data[0::2].count(0) > len(data) // 4
            else "this is not a text file, or it is damaged"
        )
        where = _at(start, self.offset + nul, 0)
        message = f"{where} is a NUL byte: {what}; {_SAVE_AS}."
        raise _refuse(self.path, line, message, byte=self.offset + nul)

    def _where(self, data: bytes, index: int) -> tuple[int, int]:
        """The line of ``data[index]`` and the file offset its line starts at."""
        return (
            self.line + _line_ends(data[:index]),
            self.offset + max(data.rfind(b"\n", 0, index), data.rfind(b"\r", 0, index)) + 1,
        )

    def _utf8(self, data: bytes) -> None:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = exc.start
        else:
            bad = -1
        before = data if bad < 0 else data[:bad]
        if self.first_text is None and not before.isascii():
            found = _NON_ASCII.search(before)
            assert found is not None
            self.first_text = self._where(data, found.start())[0], self.offset + found.start()
        if bad < 0:
            return
        line, start = self._where(data, bad)
        where = _at(start, self.offset + bad, data[bad])
        if self.utf8_only:
            raise _refuse(
                self.path,
                line,
                f"the file is not UTF-8 text, though it starts with UTF-8's mark: {where} "
                f"is not UTF-8; {_SAVE_AS}.",
                byte=self.offset + bad,
            )
        if self.first_text is not None:
            raise _refuse(
                self.path,
                line,
                f"the file is not UTF-8 text throughout: {where} is not UTF-8, but line "
                f"{self.first_text[0]:,} above is; the file mixes two encodings: {_SAVE_AS}.",
                byte=self.offset + bad,
            )
        self.legacy = (line, self.offset + bad)
        self._cp1252(data, bad)

    def _cp1252(self, data: bytes, begin: int) -> None:
        undefined = _CP1252_UNDEFINED.search(data, begin)
        if undefined is not None:
            index = undefined.start()
            line, start = self._where(data, index)
            where = _at(start, self.offset + index, data[index])
            raise _refuse(
                self.path,
                line,
                f"the file is not UTF-8 text, nor Windows-1252: {where} is neither; {_SAVE_AS}.",
                byte=self.offset + index,
            )
        looking = _UTF8_LOOKING.search(data, begin)
        if looking is not None:
            index = looking.start()
            line, start = self._where(data, index)
            assert self.legacy is not None
            raise _refuse(
                self.path,
                line,
                f"the file is not UTF-8 text throughout: line {self.legacy[0]:,} is "
                f"Windows-1252, but {_at(start, self.offset + index, data[index])} starts "
                f"UTF-8 text; the file mixes two encodings: {_SAVE_AS}.",
                byte=self.offset + index,
            )


def _line_ends(data: bytes) -> int:
    """Line ends as the CSV reader counts them (so line numbers agree): LF, CR LF, and a
    lone CR (Excel for Mac's "CSV (Macintosh)")."""
    lf = data.count(b"\n")
    cr = data.count(b"\r")
    return lf + cr - data.count(b"\r\n") if cr else lf


def _text_line_ends(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _too_long() -> str:
    return (
        f"the line is longer than {MAX_LINE_BYTES >> 20} MB without a line end: this is not a "
        f"CSV export, or it is damaged."
    )


def _scan_wide(path: Path, chunks: Iterator[bytes], encoding: str) -> bool:
    """A UTF-16 or UTF-32 file (its mark said so): it must decode, hold no NUL and no
    overlong line. Whether its last line ends is returned."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line, offset, since_newline, last = 1, 0, 0, ""
    for chunk in chunks:
        state = decoder.getstate()
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            at = offset - len(state[0]) + exc.start
            decoder.setstate(state)
            before = decoder.decode(chunk[: max(0, at - offset)])
            raise _refuse(
                path,
                line + _text_line_ends(last + before) - _text_line_ends(last),
                f"byte {at + 1:,} of the file is not {encoding.upper()} text, though the "
                f"file starts with its mark; {_SAVE_AS}.",
                byte=at,
            ) from exc
        offset += len(chunk)
        _wide_no_nul(path, text, line, since_newline)
        last_end = max(text.rfind("\n"), text.rfind("\r"))
        if last_end >= 0:
            since_newline = len(text) - last_end - 1
        else:
            since_newline += len(text)
        if since_newline > MAX_LINE_BYTES:
            raise _refuse(path, line + _text_line_ends(text), _too_long())
        # A CR LF split between two chunks is one line end.
        line += _text_line_ends(last + text) - _text_line_ends(last)
        last = text[-1:] or last
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        message = f"the file ends inside a character: it looks cut off; {_SAVE_AS}."
        raise _refuse(path, line, message) from exc
    return last in ("\n", "\r")


def _wide_no_nul(path: Path, text: str, line: int, since_newline: int) -> None:
    nul = text.find("\x00")
    if nul < 0:
        return
    line_start = max(text.rfind("\n", 0, nul), text.rfind("\r", 0, nul))
    column = nul - line_start if line_start >= 0 else since_newline + nul + 1
    raise _refuse(
        path,
        line + _text_line_ends(text[:nul]),
        f"character {column:,} of the line is a NUL: the file is damaged; {_SAVE_AS}.",
    )

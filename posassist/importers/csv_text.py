"""Reading a manager's CSV file as text: the one decoding and the one line error.

Every import (vendors, the catalogue, stock) reads its file through :func:`read_text`
(UTF-8 with or without a BOM; anything else is refused, naming the line of the first
bad byte) and refuses a line with :func:`bad_line`, so each message names the file and
the line the manager must fix.
"""

from __future__ import annotations

from pathlib import Path

from posassist.errors import InvalidInputError

__all__ = ["bad_line", "read_text"]


def bad_line(path: Path, line: int, message: str) -> InvalidInputError:
    """The error for one line of the file, naming the file and the line."""
    return InvalidInputError(f"{path}:{line}", f"{path}, line {line}: {message}")


def read_text(path: Path) -> str:
    """The file as text; a file that is not UTF-8 names the line the bad byte is on."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInputError("file", f"Cannot read {path}: {exc.strerror or exc}.") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise bad_line(path, line, "the file is not UTF-8 text (save it as “CSV UTF-8”).") from exc

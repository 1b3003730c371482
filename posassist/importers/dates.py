"""Reading the date column of a generic file: one date format for the whole file.

A manager's own CSV (the ``transactions`` kind, a ``mapped`` file, the old
``importers/transactions.py``) writes its dates however the spreadsheet that made it
liked: ``2024-04-03``, ``03/04/2024``, ``04/03/2024``, ``45385``. The format is chosen per
file, never per row, so "03/04/2024" means the same thing on every line: the format is the
one that reads every date of the file. A file whose day-month dates read both ways (every
day 12 or less) is refused rather than guessed, naming the first line whose two readings
differ; so is a file that mixes formats, naming the line that breaks the pattern.

The choice streams: :func:`choose_day_format` takes a function that reads the date cells
from the start (a second pass over the file, a few seconds for millions of rows) and keeps
only a few counters, whatever the file's size. A format that no longer fits is no longer
tried, so an ISO file costs one ``date.fromisoformat`` a row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from posassist.importers.cells import excel_serial_date

__all__ = [
    "DAY_FIRST",
    "DAY_FORMATS",
    "EXCEL_SERIAL",
    "ISO",
    "MONTH_FIRST",
    "DayFormat",
    "LineError",
    "choose_day_format",
    "future_message",
    "is_a_date",
    "spoken",
]

# Day-month dates, with '/', '.' or '-' between the parts and an optional time after.
_DAY_MONTH = re.compile(
    r"(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)


class LineError(ValueError):
    """A problem of the whole date column that is seen at one line (named in ``line``)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def _iso(value: str) -> date | None:
    """YYYY-MM-DD, an ISO date-time (the date as written), or YYYYMMDD."""
    n = len(value)
    try:
        if n == 10 and value[4] == "-":
            return date.fromisoformat(value)
        if n > 10 and value[4] == "-":
            return datetime.fromisoformat(value).date()
        if n == 8 and value.isdigit() and value.isascii():
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return None
    return None


def _day_month(value: str, day_first: bool) -> date | None:
    m = _DAY_MONTH.fullmatch(value)
    if m is None:
        return None
    a, b = int(m[1]), int(m[3])
    day, month = (a, b) if day_first else (b, a)
    try:
        return date(int(m[4]), month, day)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class DayFormat:
    """One way of writing dates; ``read`` gives None for a text not written this way."""

    label: str
    read: Callable[[str], date | None]

    def parse(self, text: str) -> date:
        """The date, or ValueError for a text not written this way."""
        day = self.read(text)
        if day is None:
            raise ValueError(text)
        return day


ISO = DayFormat("YYYY-MM-DD", _iso)
DAY_FIRST = DayFormat("DD/MM/YYYY", lambda text: _day_month(text, True))
MONTH_FIRST = DayFormat("MM/DD/YYYY", lambda text: _day_month(text, False))
EXCEL_SERIAL = DayFormat("an Excel date number", excel_serial_date)
DAY_FORMATS = (ISO, DAY_FIRST, MONTH_FIRST, EXCEL_SERIAL)


def is_a_date(text: str) -> bool:
    """The text is a date in at least one of the accepted formats."""
    return any(fmt.read(text) is not None for fmt in DAY_FORMATS)


_MONTHS = (
    "January February March April May June July August September October November December"
).split()


def spoken(day: date) -> str:
    """``3 April``: how a manager reads a date back."""
    return f"{day.day} {_MONTHS[day.month - 1]}"


def future_message(text: str, day: date, today: date) -> str | None:
    """Why a date after the store's tomorrow is refused, or None (a till a few hours
    ahead of the store's clock is fine)."""
    if day <= today + timedelta(days=1):
        return None
    return f"“{text[:30]}” is in the future (the store's date is {today.isoformat()})"


Rows = Callable[[], Iterable[tuple[int, str]]]


def choose_day_format(rows: Rows) -> DayFormat:
    """The one date format that reads every ``(line, text)`` that ``rows()`` yields;
    raises :class:`LineError` otherwise.

    Texts that are no date at all are left out of the choice (each is its row's own
    problem). When only day-month dates appear and every one of them could be read either
    way, the file is refused rather than guessed, naming the first line whose two readings
    differ. ``rows`` is called a second time only to word the refusal of a mixed file.
    """
    alive = list(DAY_FORMATS)
    failed_at: dict[str, int] = {}  # label → index among the dates of its first miss
    broken: tuple[int, str] | None = None  # the (line, text) where the last format failed
    differ: tuple[int, str] | None = None  # first day-month date whose readings differ
    index = 0
    only = None  # the one format left, once there is one: then a row costs one read
    for line, text in rows():
        if only is not None and only.read(text) is not None:
            index += 1
            continue
        readings = [(fmt, fmt.read(text)) for fmt in alive]
        fits = [fmt for fmt, day in readings if day is not None]
        if not fits:
            if not is_a_date(text):
                continue
            broken = (line, text)
        if len(fits) != len(alive):
            failed_at.update((fmt.label, index) for fmt in alive if fmt not in fits)
            alive = fits
            if not alive:
                break
            only = alive[0] if len(alive) == 1 else None
        if differ is None and len(readings) > 1 and DAY_FIRST in alive and MONTH_FIRST in alive:
            by = dict(readings)
            if by[DAY_FIRST] != by[MONTH_FIRST]:
                differ = (line, text)
        index += 1
    if alive == [DAY_FIRST, MONTH_FIRST]:
        if differ is not None:
            line, text = differ
            a, b = DAY_FIRST.parse(text), MONTH_FIRST.parse(text)
            raise LineError(
                line,
                f"dates like “{text[:30]}” could be {spoken(a)} or {spoken(b)}, and no "
                f"date in the file settles which; write them as YYYY-MM-DD",
            )
        return DAY_FIRST  # every day equals its month: both readings agree
    if alive:
        return alive[0]
    assert broken is not None
    raise _mixed(rows, failed_at, index, broken)


def _mixed(
    rows: Rows, failed_at: dict[str, int], longest: int, broken: tuple[int, str]
) -> LineError:
    """Every row is a date in some format, but no one format reads them all: name the row
    that breaks the longest run, and a row above it that shows the format of the run."""
    runs = [fmt for fmt in DAY_FORMATS if failed_at[fmt.label] == longest]
    others = [fmt for fmt in DAY_FORMATS if fmt not in runs]
    shown: tuple[int, str] | None = None
    first: tuple[int, str] | None = None
    index = 0
    for line, text in rows():
        if index >= longest:
            break
        if not is_a_date(text):
            continue
        first = first or (line, text)
        if not any(fmt.read(text) is not None for fmt in others):
            shown = (line, text)
            break
        index += 1
    shown_line, shown_text = shown or first or broken
    line, text = broken
    labels = " or ".join(fmt.label for fmt in runs)
    return LineError(
        line,
        f"“{text[:30]}” is not written like the dates above it ({labels}, as "
        f"“{shown_text[:30]}” on line {shown_line}); write every date the same way, best as "
        f"YYYY-MM-DD",
    )

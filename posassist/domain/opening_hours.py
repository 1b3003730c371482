"""Opening hours of partner vendors, in a small OpenStreetMap-like text format.

Vendor hours are typed by store staff or imported from a directory, so they are text; the
finder needs one answer from them: *is this place open right now?*  Sending a customer
across town to a closed shop costs more goodwill than not referring at all, so the finder
ranks open places first and shows "hours unknown" rather than guessing.

Format (a subset of OSM ``opening_hours``, case-insensitive)::

    hours  := rule ( ";" rule )*
    rule   := "24/7"  |  [ days ] times
    days   := day [ "-" day ] ( "," day [ "-" day ] )*     day: Mo Tu We Th Fr Sa Su
    times  := "closed" | "off" | span ( "," span )*
    span   := HH:MM "-" HH:MM

Examples: ``Mo-Fr 09:00-18:00; Sa 10:00-16:00; Su closed``, ``24/7``,
``Mo,We,Fr 09:00-12:00,13:00-18:00``, ``Fr-Sa 20:00-02:00`` (past midnight: open Friday
20:00 until Saturday 02:00), ``Fr-Mo 10:00-14:00`` (day ranges wrap round the week).

Rules:

* A rule without days applies to every day.
* A later rule replaces the hours of the days it names, as in OSM:
  ``Mo-Sa 09:00-18:00; Sa 10:00-14:00`` means Saturday 10-14.  A comma followed by a day
  name also starts a new rule, because people write ``Mo-Fr 09:00-18:00, Sa 10:00-14:00``.
* A span is half-open: ``09:00-18:00`` is closed at 18:00.  ``24:00`` is allowed as an end.
  An end at or before the start runs past midnight into the next day; that spill stays
  even if the next day has its own rule (a Friday night shift is not cancelled by
  ``Sa closed``).
* Times are the vendor's local wall-clock time; :func:`is_open` reads ``at`` the same way.

Anything else (public holidays ``PH``, months, week numbers, "by appointment") is rejected
by :func:`parse`; :func:`is_open` then answers ``None`` ("unknown") rather than a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from posassist.errors import InvalidInputError

__all__ = ["DAY_NAMES", "OpeningHours", "OpeningHoursError", "is_open", "parse"]

DAY_NAMES = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
"""Day abbreviations in :meth:`datetime.weekday` order."""

_DAY_INDEX = {name.casefold(): i for i, name in enumerate(DAY_NAMES)}
_MINUTES_PER_DAY = 24 * 60
_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-",
                         "\u2014": "-", "\u2212": "-"})  # fmt: skip
_CLOSED_WORDS = frozenset({"closed", "off"})
_DAY_RE = r"(?:mo|tu|we|th|fr|sa|su)"
# "..., Sa 10:00-14:00": a comma after a time or closed/off, followed by a day, opens a rule.
_RULE_COMMA_RE = re.compile(
    rf"(?:(?<=[0-9])|(?<=closed)|(?<=off)),\s*(?={_DAY_RE}\b)", re.IGNORECASE
)
_RULE_RE = re.compile(r"^(?P<days>[^0-9]*?)\s*(?P<times>(?:[0-9].*|closed|off))$", re.IGNORECASE)
_SPAN_RE = re.compile(r"^(\d{1,2})[:.](\d{2})\s*-\s*(\d{1,2})[:.](\d{2})$")

Span = tuple[int, int]
"""``(start, end)`` in minutes after the day's midnight; ``end`` may exceed 1440 (spill)."""


class OpeningHoursError(InvalidInputError, ValueError):
    """The hours text is not in the documented format; ``part`` is the piece at fault.

    Naming the part lets the vendor editor highlight "PH off" instead of saying
    "invalid hours" about a 60-character string.
    """

    def __init__(self, part: str, message: str) -> None:
        super().__init__(
            "hours",
            message,
            hint="Write hours like “Mo-Fr 09:00-18:00; Sa 10:00-16:00; Su closed”.",
        )
        self.part = part


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """Parsed weekly hours: for each weekday (Monday first), the spans that start that day."""

    week: tuple[tuple[Span, ...], ...]
    source: str

    def spans_on(self, weekday: int) -> tuple[Span, ...]:
        """Spans that start on ``weekday`` (0 = Monday); an end past 1440 spills over."""
        return self.week[weekday]

    @property
    def always_open(self) -> bool:
        """True for ``24/7`` and equivalents, so the UI can say so instead of listing days."""
        return all(day == ((0, _MINUTES_PER_DAY),) for day in self.week)

    def is_open(self, at: datetime) -> bool:
        """Whether the place is open at the wall-clock time ``at`` (its tzinfo is ignored)."""
        minute = at.hour * 60 + at.minute
        today = at.weekday()
        if any(start <= minute < end for start, end in self.week[today]):
            return True
        yesterday = (today - 1) % 7
        return any(
            end > _MINUTES_PER_DAY and minute < end - _MINUTES_PER_DAY
            for _, end in self.week[yesterday]
        )


def _parse_days(text: str) -> list[int]:
    days: list[int] = []
    for item in text.split(","):
        item = item.strip()
        bounds = [b.strip() for b in item.split("-")]
        if not item or len(bounds) > 2 or not all(b.casefold() in _DAY_INDEX for b in bounds):
            raise OpeningHoursError(
                item or text,
                f"“{item or text}” is not a day or day range (use Mo Tu We Th Fr Sa Su, "
                "e.g. Mo-Fr).",
            )
        first = _DAY_INDEX[bounds[0].casefold()]
        last = _DAY_INDEX[bounds[-1].casefold()]
        length = (last - first) % 7 + 1
        days.extend((first + k) % 7 for k in range(length))
    return days


def _parse_span(text: str) -> Span:
    m = _SPAN_RE.match(text.strip())
    if m is None:
        raise OpeningHoursError(text, f"“{text}” is not a time range like 09:00-18:00.")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2 != 0):
        raise OpeningHoursError(text, f"“{text}” has a time that does not exist.")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end <= start:
        end += _MINUTES_PER_DAY  # past midnight (also "00:00-00:00": a full 24 hours)
    return start, end


def _parse_rule(rule: str) -> tuple[list[int], tuple[Span, ...]]:
    if rule.casefold() == "24/7":
        return list(range(7)), ((0, _MINUTES_PER_DAY),)
    m = _RULE_RE.match(rule)
    if m is None:
        raise OpeningHoursError(rule, f"“{rule}” has no times (add e.g. 09:00-18:00, or “closed”).")
    days_text, times_text = m.group("days").strip(), m.group("times").strip()
    days = _parse_days(days_text) if days_text else list(range(7))
    if times_text.casefold() in _CLOSED_WORDS:
        return days, ()
    spans = tuple(sorted(_parse_span(part) for part in times_text.split(",")))
    return days, spans


def parse(text: str) -> OpeningHours:
    """Parse hours text in the format above, or raise :class:`OpeningHoursError`."""
    cleaned = " ".join(text.translate(_DASHES).split())
    if not cleaned:
        raise OpeningHoursError(text, "No opening hours given.")
    week: list[tuple[Span, ...]] = [() for _ in range(7)]
    for raw_rule in _RULE_COMMA_RE.sub(";", cleaned).split(";"):
        rule = raw_rule.strip()
        if not rule:
            continue  # tolerate "…; " and ";;" – a trailing separator is not an error
        days, spans = _parse_rule(rule)
        for day in days:
            week[day] = spans
    return OpeningHours(week=tuple(week), source=text)


def is_open(hours: OpeningHours | str | None, at: datetime) -> bool | None:
    """Open at ``at`` (vendor-local wall clock)?  ``None`` means *we do not know*.

    Accepting raw text and answering ``None`` for missing or unparseable hours is
    deliberate: vendor records are hand-typed, and the finder must still list a vendor
    whose hours say "ring first" - just without claiming it is open or closed.  Use
    :func:`parse` where a bad format should be reported instead.
    """
    if hours is None:
        return None
    if isinstance(hours, str):
        if not hours.strip():
            return None
        try:
            hours = parse(hours)
        except OpeningHoursError:
            return None
    return hours.is_open(at)

"""What every importer produces, whatever the file: people, sales and problems.

A format (``square.py``, ``shopify.py``, ``generic.py``) reads rows through
:mod:`posassist.importers.reader` and yields :class:`Person` (a customer row of a
customer export) and :class:`Sale` (a visit with its lines) records, and reports each bad
cell to a :class:`Problems` sink. The loader (``load.py``) matches people to customers and
writes everything in bulk inside one transaction; it never sees a CSV cell. So the
matching, the all-or-nothing rule and the speed are written once, and a new export format
is a parser and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Literal

__all__ = [
    "KEEP_PROBLEMS",
    "ParseContext",
    "Person",
    "Problem",
    "Problems",
    "Sale",
    "SaleItem",
    "SaleKind",
    "Skip",
]

KEEP_PROBLEMS = 50  # problems kept with their place; the rest are only counted


@dataclass(frozen=True, slots=True)
class Problem:
    """One bad line or cell: where it is, and what the manager must change."""

    line: int
    column: str  # the header's name of the column, "" for the whole line
    message: str

    def where(self, path: Path) -> str:
        """``file, line N, column “X”``: the words every message starts with."""
        at = f"{path}, line {self.line:,}"
        return f"{at}, column “{self.column}”" if self.column else at

    def text(self, path: Path) -> str:
        return f"{self.where(path)}: {self.message}"


class Problems:
    """The problems of one file: all counted, the first :data:`KEEP_PROBLEMS` kept.

    Any problem blocks the import (all or nothing): the report lists the first ones so
    the manager can fix the file, and the total says how much is left to fix.
    """

    def __init__(self, path: Path, keep: int = KEEP_PROBLEMS) -> None:
        self.path = path
        self.keep = keep
        self.count = 0
        self.first: list[Problem] = []

    def add(self, line: int, column: str, message: str) -> None:
        self.count += 1
        if len(self.first) < self.keep:
            self.first.append(Problem(line, column, message))

    def __bool__(self) -> bool:
        return self.count > 0

    def texts(self) -> list[str]:
        return [p.text(self.path) for p in self.first]


@dataclass(frozen=True, slots=True)
class ParseContext:
    """What a parser needs to know about the store: its zone for times written without
    one, its region for phone numbers written without a country code, and its date (no
    sale may be dated after tomorrow)."""

    tz_name: str
    region: str
    today: date


@dataclass(slots=True)
class Person:
    """Who a row is about, as the file says it. The loader matches them in this order:
    ``(source, external_id)``, then ``card``, ``phone``, ``email`` (each normalised by the
    parser already); only then is a new customer made.

    ``source`` names the id space of ``external_id``: ``square``, ``shopify``,
    ``transactions``, or ``mapped:<mapping name>``. ``other_ids`` are further ids of the
    same person in other spaces (Square's ``Reference ID`` as ``square-reference``).
    """

    source: str
    external_id: str | None
    line: int = 0
    card: str | None = None  # normalised (domain.identifiers.normalise_card)
    phone: str | None = None  # E.164 (domain.identifiers.normalise_phone)
    email: str | None = None  # normalised (domain.identifiers.normalise_email)
    display_name: str | None = None  # None: the loader names them from what it has
    consent: bool | None = None  # None: the file does not say (an existing value stays)
    notes: str = ""
    first_seen: date | None = None
    last_seen: date | None = None
    other_ids: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class SaleItem:
    description: str
    quantity: int = 1
    unit_minor: int | None = None  # the price of one, in cents
    sku: str | None = None
    category: str | None = None  # None also for Square's literal "None"


SaleKind = Literal["purchase", "refund", "void"]


@dataclass(slots=True)
class Sale:
    """One visit with a sale (or a refund) and its lines.

    ``key`` is unique within ``source`` (Square's transaction id, Shopify's order name,
    a generic row's content) so the interaction id derived from it is the same on every
    import of the file: a second import adds nothing. ``person`` None is an anonymous
    sale: counted, never made into a customer.
    """

    source: str
    key: str
    line: int
    person: Person | None
    occurred_at: datetime  # aware
    local_day: date  # the store's calendar day of the visit
    # "void": an order whose payment never happened (Shopify's voided / expired): still a
    # visit, never a purchase; its items are kept here (they count as the file's rows)
    # but written as no lines, like a refund's.
    kind: SaleKind = "purchase"
    basket_minor: int | None = None
    items: list[SaleItem] = field(default_factory=list)
    note: str = ""  # "Refund of payment …", "refunded $3.00 in Shopify", "voided in Shopify"


@dataclass(frozen=True, slots=True)
class Skip:
    """A row read and deliberately left out (a duplicated line, a non-sale event):
    counted as skipped, never a problem."""

    line: int
    reason: str

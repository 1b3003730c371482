"""Reading an amount of money typed by a person or found in a till export.

One parser for the whole app, so the basket field and the CSV import agree. Amounts are
whole minor units (cents) from here on; nothing downstream sees a float or a Decimal.

Accepted (result in cents):

- ``12``, ``12.5``, ``12.50``, ``.50`` and the same with a decimal comma: ``12,50``;
- thousands grouped by the other mark: ``1,234.56`` and ``1.234,56``, also ``1,234,567``;
- thousands grouped by a space (also a no-break or thin space) or an apostrophe:
  ``1 234,56``, ``1 234.56``, ``1'234.56``;
- one currency symbol (``€ $ £ ¥``) before or after the number: ``€12.50``, ``12.50 €``.

Refused with a plain :class:`AmountError`: words (``twelve``), ``nan``, ``Infinity``,
exponents (``1e30``), negative amounts (``-4``, ``(4.00)``), more than two decimals
(``12.3456``), badly grouped thousands (``1,23,4.00``), anything above ``max_minor``.

**The one ambiguous case is refused, never guessed:** a single ``.`` or ``,`` followed by
exactly three digits (``1,234``, ``1.234``, ``12.345``) could be a thousands separator or
a decimal mark; the message asks for the amount written with two decimals (``1234.00``).
Money has two decimals, so writing the cents always settles it.
"""

from __future__ import annotations

import re

DEFAULT_MAX_MINOR = 100_000_000  # 1,000,000.00
CURRENCY_SYMBOLS = "€$£¥"
_MINUS = "-\u2212"  # hyphen-minus and the minus sign
_SPACES = " \u00a0\u202f\u2009"  # space, no-break space, narrow no-break space, thin space
_APOSTROPHES = "'\u2019"
_MAX_LENGTH = 40
_BODY = re.compile(r"[0-9., '\u00a0\u202f\u2009\u2019]+")


class AmountError(ValueError):
    """The text is not an amount this app accepts; the message says why in plain words."""


def parse_amount(text: str, *, max_minor: int = DEFAULT_MAX_MINOR) -> int | None:
    """Read ``text`` as an amount of zero or more; return cents, or None when empty.

    See the module docstring for what is accepted. Raises :class:`AmountError` (a
    ``ValueError``) for everything else, including ``1,234``-style amounts where the
    separator could mean thousands or decimals.
    """
    value = text.strip()
    if not value:
        return None
    shown = value[:20]
    not_an_amount = AmountError(f"“{shown}” is not an amount (write it like 12.50)")
    if len(value) > _MAX_LENGTH:
        raise not_an_amount
    body, negative = _strip_sign_and_currency(value)
    if not body or not _BODY.fullmatch(body) or not any(c.isdigit() for c in body):
        raise not_an_amount
    minor = _read_number(body, shown)
    if negative and minor != 0:
        raise AmountError(f"“{shown}” is not an amount of zero or more")
    if minor > max_minor:
        raise AmountError(
            f"“{shown}” is more than the largest amount accepted ({format_minor(max_minor)})"
        )
    return minor


def format_minor(minor: int, *, decimal: str = ".", group: str = "") -> str:
    """Cents as text: ``123456`` → ``1234.56``; ``group=","`` → ``1,234.56``."""
    if minor < 0:
        raise ValueError("format_minor takes an amount of zero or more")
    whole, cents = divmod(minor, 100)
    digits = str(whole)
    if group:
        head = len(digits) % 3 or 3
        parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
        digits = group.join(parts)
    return f"{digits}{decimal}{cents:02d}"


def _strip_sign_and_currency(value: str) -> tuple[str, bool]:
    """Peel off one sign (leading/trailing minus, accounting brackets) and one symbol."""
    negative = False
    body = value
    if len(body) >= 2 and body[0] == "(" and body[-1] == ")":
        negative, body = True, body[1:-1].strip()
    if body and body[0] in _MINUS:
        negative, body = True, body[1:].strip()
    elif body and body[-1] in _MINUS:
        negative, body = True, body[:-1].strip()
    if body and body[0] in CURRENCY_SYMBOLS:
        body = body[1:].strip()
    elif body and body[-1] in CURRENCY_SYMBOLS:
        body = body[:-1].strip()
    if body and body[0] in _MINUS:  # "$-12.50"
        negative, body = True, body[1:].strip()
    return body, negative


def _read_number(body: str, shown: str) -> int:
    """Digits with at most one decimal mark and one kind of thousands grouping → cents."""
    for ch in _SPACES[1:] + _APOSTROPHES[1:]:
        body = body.replace(ch, _SPACES[0] if ch in _SPACES else _APOSTROPHES[0])
    marks = [c for c in (".", ",") if c in body]
    spaced = [c for c in (" ", "'") if c in body]
    not_an_amount = AmountError(f"“{shown}” is not an amount (write it like 12.50)")
    if len(spaced) > 1:
        raise not_an_amount
    if len(marks) == 2:
        decimal = body[max(body.rfind("."), body.rfind(","))]
        group = "," if decimal == "." else "."
        if spaced or body.count(decimal) != 1:
            raise not_an_amount
    elif len(marks) == 1:
        mark = marks[0]
        after = body.rsplit(mark, 1)[1]
        if body.count(mark) > 1:
            decimal, group = "", mark  # "1,234,567": only grouping
            if spaced:
                raise not_an_amount
        elif spaced:
            decimal, group = mark, spaced[0]  # "1 234,56": the space groups
        elif len(after) == 3 and _could_be_thousands(body.split(mark)[0]):
            name = "comma" if mark == "," else "point"
            raise AmountError(
                f"“{shown}” is unclear: the {name} could separate thousands or decimals; "
                f"write the amount with two decimals, like {body.replace(mark, '')}.00"
            )
        else:
            decimal, group = mark, ""
    else:
        decimal, group = "", spaced[0] if spaced else ""
    whole, _, cents = body.partition(decimal) if decimal else (body, "", "")
    if decimal and not cents:
        raise not_an_amount  # "12." or "12,": a mark with no cents after it
    if cents and not cents.isdigit():
        raise not_an_amount
    if len(cents) > 2:
        raise AmountError(f"“{shown}” has more than two decimals (write it like 12.50)")
    digits = _ungroup(whole, group) if whole else "0"
    if digits is None:
        raise not_an_amount
    return int(digits) * 100 + int(cents.ljust(2, "0"))


def _could_be_thousands(whole: str) -> bool:
    """Is ``whole`` a possible first group before a thousands separator ('1', '12', '123')?"""
    return 1 <= len(whole) <= 3 and whole.isdigit() and whole.lstrip("0") != ""


def _ungroup(whole: str, group: str) -> str | None:
    """'1,234,567' → '1234567'; None when the groups are not 1-3 digits then threes."""
    if not group:
        return whole if whole.isdigit() and whole.isascii() else None
    parts = whole.split(group)
    head, rest = parts[0], parts[1:]
    if not (1 <= len(head) <= 3) or any(len(p) != 3 for p in rest):
        return None
    joined = "".join(parts)
    return joined if joined.isdigit() and joined.isascii() else None

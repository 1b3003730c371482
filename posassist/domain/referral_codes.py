"""Short referral codes that a person can read aloud, type back, and get right.

A code is printed on a referral slip; the customer hands it over at a partner vendor or
another branch, and somebody types it back in, often from a crumpled thermal slip.  So the
code is built for humans rather than machines:

* **Alphabet** - Crockford's base32 (``0-9`` and ``A-Z`` without ``I L O U``), because it
  has no look-alike pairs and reading errors are forgiven: ``O`` is read as ``0`` and
  ``I``/``L`` as ``1``, lower case is accepted, and dashes/spaces are ignored.
* **Shape** - 8 symbols shown as two groups of four (``K7Q2-M9XD``): 7 random symbols
  (32**7, about 3.4e10 codes, so collisions across a chain's lifetime are negligible and
  codes cannot be guessed by counting) followed by 1 check symbol.
* **Check symbol** - the Damm algorithm over a quasigroup of order 32 built from the finite
  field GF(32) (``x * y = 2x + y``, reduction polynomial ``x^5 + x^2 + 1``).  That
  quasigroup is *totally anti-symmetric*, which guarantees that **every** single-symbol
  substitution and **every** swap of two adjacent symbols (including the check symbol) is
  detected.  We chose it over Crockford's own mod-37 check because mod 37 needs five extra
  symbols (``* ~ $ = U``) that are awkward to say aloud and to type on a register keypad;
  Damm keeps the check symbol inside the same 32-symbol alphabet.
"""

from __future__ import annotations

import random
import secrets

from posassist.errors import InvalidInputError

__all__ = [
    "ALPHABET",
    "CODE_LENGTH",
    "ReferralCodeError",
    "check_symbol",
    "is_valid",
    "new_code",
    "normalise",
    "parse",
]

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford base32 symbols in value order."""

CODE_LENGTH = 8
"""Symbols in a code, check symbol included (the dash is not counted)."""

_PAYLOAD_LENGTH = CODE_LENGTH - 1
_GROUP = 4

_VALUE = {symbol: value for value, symbol in enumerate(ALPHABET)}
# Crockford's decoding aliases: what people write when they mean 0 and 1.
_VALUE.update({"O": 0, "I": 1, "L": 1})
# Characters a person may type between groups; Crockford says hyphens are ignored and we
# extend that to the spaces and dashes word processors and phones produce.
_SEPARATORS = frozenset(" \t-_\u2010\u2011\u2012\u2013\u2014\u2212")

_GF_MODULUS = 0b100101  # x^5 + x^2 + 1, irreducible over GF(2)


def _gf32_double(x: int) -> int:
    """Multiply by the field element ``x`` (i.e. 2) in GF(32)."""
    x <<= 1
    if x & 0b100000:
        x ^= _GF_MODULUS
    return x


# Damm table: row = interim value, column = next symbol.  ``2a + b`` in GF(32) is a Latin
# square (so one wrong symbol always changes the result) and totally anti-symmetric because
# 2 != 1 (so swapping neighbours changes it too).
_DAMM: tuple[tuple[int, ...], ...] = tuple(
    tuple(_gf32_double(a) ^ b for b in range(32)) for a in range(32)
)


class ReferralCodeError(InvalidInputError, ValueError):
    """A typed referral code is not a code we could have issued.

    It is an :class:`InvalidInputError` so the UI shows the message next to the code field,
    and a :class:`ValueError` so plain Python callers can catch it the usual way.
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__("referral_code", message, hint=hint)


def _interim(values: list[int]) -> int:
    acc = 0
    for v in values:
        acc = _DAMM[acc][v]
    return acc


def check_symbol(payload: str) -> str:
    """Return the check symbol for a payload of canonical Crockford symbols.

    The check symbol is the one that brings the Damm interim value back to zero; exposed
    so that tests and other issuers (e.g. a central server) agree on the rule.
    """
    acc = _interim([_VALUE[c] for c in payload])
    # Solve _DAMM[acc][c] == 0  ->  2*acc + c == 0  ->  c == 2*acc (characteristic 2).
    return ALPHABET[_gf32_double(acc)]


def _group(symbols: str) -> str:
    return f"{symbols[:_GROUP]}-{symbols[_GROUP:]}"


def new_code(rng: random.Random | None = None) -> str:
    """Issue a fresh code in its printed form, e.g. ``"K7Q2-M9XD"``.

    Uses the OS CSPRNG by default so that codes are not predictable from earlier ones
    (a partner could otherwise claim referrals nobody made); pass a seeded
    :class:`random.Random` for reproducible demo data and tests.
    """
    source: random.Random = rng if rng is not None else secrets.SystemRandom()
    payload = "".join(source.choice(ALPHABET) for _ in range(_PAYLOAD_LENGTH))
    return _group(payload + check_symbol(payload))


def normalise(text: str) -> str:
    """Map what a person typed to canonical symbols, without judging it.

    Upper-cases, drops separators, reads ``O`` as ``0`` and ``I``/``L`` as ``1`` (Crockford),
    and regroups as ``XXXX-XXXX`` when exactly 8 symbols remain.  It never raises, so the UI
    can normalise as the cashier types; use :func:`parse` to decide whether it is a code.
    """
    out: list[str] = []
    for ch in text.strip().upper():
        if ch in _SEPARATORS:
            continue
        value = _VALUE.get(ch)
        out.append(ALPHABET[value] if value is not None else ch)
    symbols = "".join(out)
    return _group(symbols) if len(symbols) == CODE_LENGTH else symbols


def parse(text: str) -> str:
    """Return the canonical code for ``text`` or raise :class:`ReferralCodeError`.

    The messages are written for the person typing: they say which character is wrong or
    that the code has a typo, rather than "checksum mismatch".
    """
    symbols = normalise(text).replace("-", "")
    if not symbols:
        raise ReferralCodeError("The referral code is empty.")
    for ch in symbols:
        if ch not in _VALUE:
            if ch == "U":
                hint = "Referral codes never contain the letter U; check the slip again."
            else:
                hint = "Referral codes use only digits and the letters A-Z."
            raise ReferralCodeError(f"{ch!r} is not used in referral codes.", hint=hint)
    if len(symbols) != CODE_LENGTH:
        raise ReferralCodeError(
            f"A referral code has {CODE_LENGTH} characters, like K7Q2-M9XD; "
            f"this one has {len(symbols)}."
        )
    if _interim([_VALUE[c] for c in symbols]) != 0:
        raise ReferralCodeError(
            f"{_group(symbols)} is not a valid referral code.",
            hint="A character is probably mistyped; check each one against the slip.",
        )
    return _group(symbols)


def is_valid(code: str) -> bool:
    """Whether ``code`` (in any form :func:`normalise` accepts) is a code we could issue."""
    try:
        parse(code)
    except ReferralCodeError:
        return False
    return True

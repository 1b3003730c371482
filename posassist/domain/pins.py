"""Staff PINs: what a valid PIN is, how it is kept (a slow salted hash) and the lockout.

A PIN of 4–8 digits is a small secret: anyone with the store file could try all 10⁸ of
them. scrypt (hashlib, no extra package) makes each try cost tens of milliseconds and
megabytes of memory, so an offline search is slow and the register's own tries are
limited by :func:`lockout_after`. The PIN itself is never stored, logged or synced: only
``scrypt$…`` strings, each with its own random salt, leave this module.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from datetime import timedelta

from posassist.errors import InvalidInputError

PIN_MIN, PIN_MAX = 4, 8
WRONG_PINS_BEFORE_LOCK = 5
FIRST_LOCK = timedelta(seconds=30)
LONGEST_LOCK = timedelta(minutes=15)

# scrypt cost: 2**14 × 8 × 128 bytes = 16 MiB and about 0.05–0.15 s per check on a
# register PC; the lockout, not the cost, is what stops guessing at the register.
_N, _R, _P = 2**14, 8, 1
_SALT_BYTES = 16
_KEY_BYTES = 32
_SCHEME = "scrypt"


def check_pin(pin: str, field: str = "pin") -> str:
    """The PIN if it is 4–8 digits, else a message for the field (never echoing it)."""
    if not pin.isascii() or not pin.isdigit():
        raise InvalidInputError(field, "A PIN is digits only (0–9).")
    if not PIN_MIN <= len(pin) <= PIN_MAX:
        raise InvalidInputError(field, f"A PIN has {PIN_MIN} to {PIN_MAX} digits.")
    return pin


def _derive(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        pin.encode(), salt=salt, n=n, r=r, p=p, maxmem=2 * 128 * n * r + 1024**2, dklen=_KEY_BYTES
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_pin(pin: str) -> str:
    """``scrypt$n$r$p$salt$key``: the cost travels with the hash, so it can be raised later
    without breaking the PINs already set."""
    check_pin(pin)
    salt = os.urandom(_SALT_BYTES)
    key = _derive(pin, salt, _N, _R, _P)
    return "$".join((_SCHEME, str(_N), str(_R), str(_P), _b64(salt), _b64(key)))


# What a synced hash may ask of a register (a damaged or hostile row must not make every
# register spend gigabytes or minutes per sign-in): at most 2**17 x 16 x 128 bytes
# = 256 MiB, 16 times today's memory. pin_matches refuses more before deriving anything.
_MAX_N, _MAX_R, _MAX_P = 2**17, 16, 4


def is_pin_hash(stored: object) -> bool:
    """Whether ``stored`` is a hash :func:`hash_pin` could have made (any cost up to a
    bound): how a staff row from another register is checked before it is kept."""
    if not isinstance(stored, str):
        return False
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != _SCHEME or not all(p.isdigit() for p in parts[1:4]):
        return False
    n, r, p = (int(x) for x in parts[1:4])
    if not (1 < n <= _MAX_N and n & (n - 1) == 0 and 0 < r <= _MAX_R and 0 < p <= _MAX_P):
        return False
    try:
        salt = base64.b64decode(parts[4], validate=True)
        key = base64.b64decode(parts[5], validate=True)
    except ValueError:
        return False
    return len(salt) >= 8 and len(key) == _KEY_BYTES


def pin_matches(pin: str, stored: str | None) -> bool:
    """Whether ``pin`` is the one ``stored`` was made from; False for no or a broken hash
    (a damaged row from another register must not sign anyone in, nor crash), and False
    for a hash asking more than the cost bound of :func:`is_pin_hash` (a hostile synced
    row must not make each check take a gigabyte)."""
    if not stored or not is_pin_hash(stored):
        return False
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != _SCHEME:
            return False
        expected = base64.b64decode(key, validate=True)
        got = _derive(pin, base64.b64decode(salt, validate=True), int(n), int(r), int(p))
    except (ValueError, TypeError, MemoryError):
        return False
    return hmac.compare_digest(got, expected)


def lockout_after(lockouts: int) -> timedelta:
    """How long the account stays locked the ``lockouts``-th time in a row (1, 2, …):
    30 s, then twice as long each time, at most 15 minutes."""
    lock: timedelta = FIRST_LOCK * (2 ** min(max(lockouts - 1, 0), 16))
    return min(lock, LONGEST_LOCK)

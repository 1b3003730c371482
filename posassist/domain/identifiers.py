"""Turn whatever the cashier typed into something we can look up.

The search box takes one string and has to decide what it is: a phone number in any
common format, a loyalty card typed by a scanner, an email, the last four digits of a
phone, or part of a name (possibly misspelled).  Classification is a pure function so
the same rules serve the UI, imports and tests.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum
from functools import cache

import phonenumbers

CARD_PATTERN = re.compile(r"^[A-Z0-9]{6,20}$")
_EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LAST4_PATTERN = re.compile(r"^\d{4}$")
_PHONEISH = re.compile(r"^[+(]?[\d\s().\-/]{6,}$")

MAX_NAME_LENGTH = 200
MAX_NOTE_LENGTH = 20_000
# Control characters: C0 (U+0000–U+001F), DEL and C1 (U+007F–U+009F). PostgreSQL
# refuses NUL in any text, the others garble slips and screens; a multi-line field
# (a note) keeps only tab and newline of them.
_CONTROL_CODES = (*range(0x20), *range(0x7F, 0xA0))
MULTILINE_ALLOWED = "\t\n"


class QueryKind(Enum):
    """What a search string was recognised as."""

    PHONE = "phone"
    CARD = "card"
    EMAIL = "email"
    LAST4 = "last4"
    NAME = "name"
    EMPTY = "empty"


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A classified search string, with the normalised value to look up."""

    kind: QueryKind
    value: str
    raw: str


class IdentifierError(ValueError):
    """A contact detail that cannot be stored as given; the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


_NOT_A_NUMBER = phonenumbers.NumberParseException.NOT_A_NUMBER
# phonenumbers' own text ("(1) The string supplied did not seem to be …") is for
# programmers; a cashier reads what to type instead.
_PARSE_PROBLEMS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: (
        "no country has the code after the +. Check it, or type the number without it."
    ),
    _NOT_A_NUMBER: "type its digits, with the area code or +country code.",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: (
        "too few digits after the international prefix."
    ),
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "too few digits.",
    phonenumbers.NumberParseException.TOO_LONG: "too many digits.",
}


def normalise_phone(text: str, default_region: str) -> str:
    """Return the E.164 form of ``text`` or raise :class:`IdentifierError`.

    phonenumbers does the real work; we only insist the result is a *possible* number so
    that "12" or a mistyped card code is not stored as a phone.
    """
    raw = text.strip()
    if not raw:
        raise IdentifierError("phone", "The phone number is empty.")
    try:
        number = phonenumbers.parse(raw, default_region.upper())
    except phonenumbers.NumberParseException as exc:
        why = _PARSE_PROBLEMS.get(exc.error_type, _PARSE_PROBLEMS[_NOT_A_NUMBER])
        raise IdentifierError("phone", f"“{raw[:40]}” is not a phone number: {why}") from exc
    # IS_POSSIBLE_LOCAL_ONLY ("555-0100" without its area code) is not enough: stored
    # as E.164 it would be a wrong number that the customer's full number never finds.
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        raise IdentifierError(
            "phone",
            f"“{raw[:40]}” does not look like a complete phone number for region "
            f"{default_region.upper()}. Include the area code, or +country code.",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def try_normalise_phone(text: str, default_region: str) -> str | None:
    """Like :func:`normalise_phone`, but ``None`` when the text is not a phone.

    Used only by query classification, where "not a phone" is an ordinary answer.
    """
    try:
        return normalise_phone(text, default_region)
    except IdentifierError:
        return None


def phone_last4(e164: str | None) -> str | None:
    """The last four digits, which customers often give instead of the whole number."""
    if not e164:
        return None
    digits = re.sub(r"\D", "", e164)
    return digits[-4:] if len(digits) >= 4 else None


def normalise_email(text: str) -> str:
    """Lower-case and trim an email, or raise :class:`IdentifierError`.

    Only the shape is checked: deliverability is not our business at the register.
    """
    value = check_text(text.strip().lower(), "email", "email address")
    if not _EMAIL_PATTERN.match(value) or len(value) > 254:
        raise IdentifierError("email", f"“{text.strip()[:60]}” is not an email address.")
    return value


def normalise_card(text: str) -> str:
    """Upper-case a loyalty card code and strip scanner noise, or raise.

    Scanners may add spaces or dashes depending on their configuration.
    """
    value = re.sub(r"[\s\-]", "", text).upper()
    if not CARD_PATTERN.match(value):
        raise IdentifierError(
            "card", f"“{text.strip()[:40]}” is not a card code (6–20 letters and digits)."
        )
    return value


def name_key(name: str) -> str:
    """A search key for a name: case-folded, accents removed, spaces collapsed.

    "Zoë  O'Brien" and "zoe obrien" should meet; scripts without decomposable accents
    (Greek, Cyrillic, CJK) pass through case-folded.
    """
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    cleaned = " ".join(re.sub(r"[^\w\s]", "", stripped.casefold()).split())
    # A name made only of symbols or emoji ("🎸🎸") keeps them, or it could never be found.
    return cleaned or " ".join(stripped.casefold().split())


@cache
def _control_pattern(allow: str) -> re.Pattern[str]:
    codes = "".join(re.escape(chr(c)) for c in _CONTROL_CODES if chr(c) not in allow)
    return re.compile(f"[{codes}]")


def find_control(text: str, allow: str = "") -> str | None:
    """The first control character of ``text`` not in ``allow``, or None."""
    found = _control_pattern(allow).search(text)
    return None if found is None else found.group()


def strip_controls(text: str, allow: str = MULTILINE_ALLOWED) -> str:
    """``text`` without its control characters (but those in ``allow``): for old rows."""
    return _control_pattern(allow).sub("", text)


def check_text(value: str, field: str, label: str, *, multiline: bool = False) -> str:
    """Refuse text holding a control character; the one rule for every text field.

    Refused rather than stripped: a NUL or an escape code in a name is a scanner or
    copy-paste accident the cashier should see, and silently changed text would be
    stored as something nobody typed. ``label`` names the field for the message.
    """
    bad = find_control(value, MULTILINE_ALLOWED if multiline else "")
    if bad is not None:
        raise IdentifierError(
            field,
            f"The {label} contains a control character (U+{ord(bad):04X}), which cannot "
            "be stored. Please retype it.",
        )
    return value


def clean_display_name(name: str) -> str:
    """Validate a customer's display name; raise :class:`IdentifierError` when unusable.

    Any script and emoji are kept exactly as typed (NFC-normalised so that the same
    name typed on two registers compares equal).
    """
    value = unicodedata.normalize("NFC", " ".join(name.split()))
    if not value:
        raise IdentifierError("name", "Please enter the customer's name.")
    if len(value) > MAX_NAME_LENGTH:
        raise IdentifierError(
            "name", f"The name is too long (at most {MAX_NAME_LENGTH} characters)."
        )
    return check_text(value, "name", "name")


def clean_note(text: str, field: str = "note", label: str = "note") -> str:
    """Validate free text (notes, preferences). Long text is refused, not cut silently."""
    value = unicodedata.normalize("NFC", text.replace("\r\n", "\n")).strip()
    check_text(value, field, label, multiline=True)
    if len(value) > MAX_NOTE_LENGTH:
        raise IdentifierError(
            field,
            f"The {label} is {len(value):,} characters long; the limit is {MAX_NOTE_LENGTH:,}. "
            "Please shorten it.",
        )
    return value


def parse_query(text: str, default_region: str, *, scanned: bool = False) -> ParsedQuery:
    """Classify what the cashier typed into the one search box.

    ``scanned`` is true when the keystrokes came as fast as a barcode scanner's, which
    decides the ambiguous case of an all-digit string (card vs phone).
    """
    raw = text.strip()
    if not raw:
        return ParsedQuery(QueryKind.EMPTY, "", text)
    if "@" in raw:
        return ParsedQuery(QueryKind.EMAIL, raw.lower(), text)
    compact = re.sub(r"[\s\-]", "", raw).upper()
    # Card codes always carry digits; a fast-typed name is still a name.
    looks_like_card = bool(CARD_PATTERN.match(compact)) and any(c.isdigit() for c in compact)
    if scanned and looks_like_card:
        return ParsedQuery(QueryKind.CARD, compact, text)
    if _LAST4_PATTERN.match(raw):
        return ParsedQuery(QueryKind.LAST4, raw, text)
    if _PHONEISH.match(raw):
        phone = try_normalise_phone(raw, default_region)
        if phone is not None:
            return ParsedQuery(QueryKind.PHONE, phone, text)
    if looks_like_card:
        return ParsedQuery(QueryKind.CARD, compact, text)
    return ParsedQuery(QueryKind.NAME, name_key(raw), text)


MASK = "•••"


def mask_phone(e164: str | None) -> str:
    """Only the last four digits (``••• ••• 0142``): a screen facing a queue, or a list
    of look-alikes, shows enough to tell two people apart and no number to call."""
    if not e164:
        return ""
    return f"{MASK} {MASK} {e164[-4:]}"


def mask_email(email: str | None) -> str:
    """Mask an email to its first letter and domain (``m•••@example.com``)."""
    if not email or "@" not in email:
        return ""
    local, domain = email.split("@", 1)
    return f"{local[:1]}{MASK}@{domain}"


def mask_card(card_code: str | None) -> str:
    """A loyalty card's last four characters (``•••0101``): the cashier checks the card
    in the customer's hand against it; the full code is a reveal away."""
    if not card_code:
        return ""
    return f"{MASK}{card_code[-4:]}"

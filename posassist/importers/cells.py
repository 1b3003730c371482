"""Reading one cell of a till export: money, ids, dates, times, zones, quantities.

Pure functions, no I/O, shared by every streaming format (``square.py``, ``shopify.py``,
``generic.py``) so that ``$1,204.50`` or ``Eastern Time (US & Canada)`` means the same in
every export. Each raises :class:`ValueError` with a message a manager can act on; the
format adds the file, line and column (``table.problems.add``).

Cells are only ever read as text: a cell such as ``=HYPERLINK("x")`` is kept as those
characters, never evaluated. Anything posassist writes back out to a spreadsheet passes
through :func:`posassist.domain.spreadsheet.neutralise_cell`.

Speed matters (the loader reads ≥ 50,000 rows/s): the common shapes (``$8.00``,
``2026-07-18``, ``12:59:30``, a zone label already seen) take a short path without a
regular expression; the rarer ones fall back to the full readers.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from posassist.domain.money import parse_amount

__all__ = [
    "ACTIVE_SUPPORT_ZONES",
    "category",
    "day",
    "excel_serial_date",
    "money_minor",
    "offset_timestamp",
    "quantity",
    "strip_apostrophe",
    "time_of_day",
    "timestamp",
    "zone",
]

# Exports carry totals well above what a cashier types into the basket field.
_MAX_EXPORT_MINOR = 100_000_000_000  # 1,000,000,000.00
_MINUS = "-\u2212"

# Square labels zones with Rails' ActiveSupport::TimeZone names; the common ones (the
# Americas, Europe, Asia-Pacific) mapped to IANA. An IANA name is accepted as it is.
ACTIVE_SUPPORT_ZONES: dict[str, str] = {
    "International Date Line West": "Etc/GMT+12",
    "American Samoa": "Pacific/Pago_Pago",
    "Midway Island": "Pacific/Midway",
    "Hawaii": "Pacific/Honolulu",
    "Alaska": "America/Juneau",
    "Pacific Time (US & Canada)": "America/Los_Angeles",
    "Tijuana": "America/Tijuana",
    "Arizona": "America/Phoenix",
    "Mountain Time (US & Canada)": "America/Denver",
    "Chihuahua": "America/Chihuahua",
    "Mazatlan": "America/Mazatlan",
    "Central Time (US & Canada)": "America/Chicago",
    "Saskatchewan": "America/Regina",
    "Guadalajara": "America/Mexico_City",
    "Mexico City": "America/Mexico_City",
    "Monterrey": "America/Monterrey",
    "Central America": "America/Guatemala",
    "Eastern Time (US & Canada)": "America/New_York",
    "Indiana (East)": "America/Indiana/Indianapolis",
    "Bogota": "America/Bogota",
    "Lima": "America/Lima",
    "Quito": "America/Lima",
    "Atlantic Time (Canada)": "America/Halifax",
    "Caracas": "America/Caracas",
    "La Paz": "America/La_Paz",
    "Santiago": "America/Santiago",
    "Newfoundland": "America/St_Johns",
    "Brasilia": "America/Sao_Paulo",
    "Buenos Aires": "America/Argentina/Buenos_Aires",
    "Montevideo": "America/Montevideo",
    "Georgetown": "America/Guyana",
    "Puerto Rico": "America/Puerto_Rico",
    "Greenland": "America/Godthab",
    "Mid-Atlantic": "Atlantic/South_Georgia",
    "Azores": "Atlantic/Azores",
    "Cape Verde Is.": "Atlantic/Cape_Verde",
    "Dublin": "Europe/Dublin",
    "Edinburgh": "Europe/London",
    "Lisbon": "Europe/Lisbon",
    "London": "Europe/London",
    "Casablanca": "Africa/Casablanca",
    "Monrovia": "Africa/Monrovia",
    "UTC": "Etc/UTC",
    "Amsterdam": "Europe/Amsterdam",
    "Belgrade": "Europe/Belgrade",
    "Berlin": "Europe/Berlin",
    "Bern": "Europe/Zurich",
    "Bratislava": "Europe/Bratislava",
    "Brussels": "Europe/Brussels",
    "Budapest": "Europe/Budapest",
    "Copenhagen": "Europe/Copenhagen",
    "Ljubljana": "Europe/Ljubljana",
    "Madrid": "Europe/Madrid",
    "Paris": "Europe/Paris",
    "Prague": "Europe/Prague",
    "Rome": "Europe/Rome",
    "Sarajevo": "Europe/Sarajevo",
    "Skopje": "Europe/Skopje",
    "Stockholm": "Europe/Stockholm",
    "Vienna": "Europe/Vienna",
    "Warsaw": "Europe/Warsaw",
    "West Central Africa": "Africa/Algiers",
    "Zagreb": "Europe/Zagreb",
    "Zurich": "Europe/Zurich",
    "Athens": "Europe/Athens",
    "Bucharest": "Europe/Bucharest",
    "Cairo": "Africa/Cairo",
    "Harare": "Africa/Harare",
    "Helsinki": "Europe/Helsinki",
    "Jerusalem": "Asia/Jerusalem",
    "Kaliningrad": "Europe/Kaliningrad",
    "Kyiv": "Europe/Kiev",
    "Pretoria": "Africa/Johannesburg",
    "Riga": "Europe/Riga",
    "Sofia": "Europe/Sofia",
    "Tallinn": "Europe/Tallinn",
    "Vilnius": "Europe/Vilnius",
    "Baghdad": "Asia/Baghdad",
    "Istanbul": "Europe/Istanbul",
    "Kuwait": "Asia/Kuwait",
    "Minsk": "Europe/Minsk",
    "Moscow": "Europe/Moscow",
    "Nairobi": "Africa/Nairobi",
    "Riyadh": "Asia/Riyadh",
    "St. Petersburg": "Europe/Moscow",
    "Tehran": "Asia/Tehran",
    "Abu Dhabi": "Asia/Muscat",
    "Baku": "Asia/Baku",
    "Muscat": "Asia/Muscat",
    "Tbilisi": "Asia/Tbilisi",
    "Yerevan": "Asia/Yerevan",
    "Kabul": "Asia/Kabul",
    "Karachi": "Asia/Karachi",
    "Tashkent": "Asia/Tashkent",
    "Chennai": "Asia/Kolkata",
    "Kolkata": "Asia/Kolkata",
    "Mumbai": "Asia/Kolkata",
    "New Delhi": "Asia/Kolkata",
    "Kathmandu": "Asia/Kathmandu",
    "Dhaka": "Asia/Dhaka",
    "Colombo": "Asia/Colombo",
    "Almaty": "Asia/Almaty",
    "Rangoon": "Asia/Rangoon",
    "Bangkok": "Asia/Bangkok",
    "Hanoi": "Asia/Bangkok",
    "Jakarta": "Asia/Jakarta",
    "Beijing": "Asia/Shanghai",
    "Chongqing": "Asia/Chongqing",
    "Hong Kong": "Asia/Hong_Kong",
    "Kuala Lumpur": "Asia/Kuala_Lumpur",
    "Perth": "Australia/Perth",
    "Singapore": "Asia/Singapore",
    "Taipei": "Asia/Taipei",
    "Osaka": "Asia/Tokyo",
    "Sapporo": "Asia/Tokyo",
    "Seoul": "Asia/Seoul",
    "Tokyo": "Asia/Tokyo",
    "Adelaide": "Australia/Adelaide",
    "Darwin": "Australia/Darwin",
    "Brisbane": "Australia/Brisbane",
    "Canberra": "Australia/Melbourne",
    "Guam": "Pacific/Guam",
    "Hobart": "Australia/Hobart",
    "Melbourne": "Australia/Melbourne",
    "Sydney": "Australia/Sydney",
    "Auckland": "Pacific/Auckland",
    "Fiji": "Pacific/Fiji",
    "Wellington": "Pacific/Auckland",
    "Chatham Is.": "Pacific/Chatham",
    "GMT": "Etc/UTC",
    "Etc/UTC": "Etc/UTC",
}
_ZONES_FOLDED = {k.casefold(): v for k, v in ACTIVE_SUPPORT_ZONES.items()}

# Excel's 1900 date system counts days from 1899-12-30 (its phantom 29 Feb 1900 is
# before any plausible sale). Serials from 1990-01-01 to 2099-12-31 are taken as dates.
_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_FIRST = 32874  # 1990-01-01
_EXCEL_LAST = 73415  # 2099-12-31


def money_minor(text: str) -> int | None:
    """An export's amount in cents, signed; None for an empty cell.

    ``$8.00`` → 800, ``"$1,204.50"`` → 120450, ``1204.5`` → 120450, ``-$0.49`` and
    ``$-0.49`` → -49, ``($33.62)`` (accounting brackets) → -3362. The number itself is
    read by :func:`posassist.domain.money.parse_amount` (grouping, decimal comma,
    currency symbol, the ``1,234`` ambiguity refused), which refuses negatives for the
    register's basket field; here the sign is taken off first and put back after.
    """
    value = text.strip()
    if not value:
        return None
    fast = _plain_money(value)
    if fast is not None:
        return fast
    not_an_amount = ValueError(f"“{value[:20]}” is not an amount (write it like $12.50)")
    negative = False
    body = value
    if len(body) >= 2 and body[0] == "(" and body[-1] == ")":
        negative, body = True, body[1:-1].strip()
    minus = False
    if body[:1] and body[0] in _MINUS:
        minus, body = True, body[1:].strip()
    elif body[:1] == "$" and body[1:2] and body[1] in _MINUS:  # "$-0.49"
        minus, body = True, "$" + body[2:].strip()
    elif body[-1:] and body[-1] in _MINUS:  # "0.49-"
        minus, body = True, body[:-1].strip()
    if minus and negative:  # "(-$1.00)": two signs
        raise not_an_amount
    negative = negative or minus
    try:
        minor = parse_amount(body, max_minor=_MAX_EXPORT_MINOR)
    except ValueError as exc:
        if "zero or more" in str(exc):  # a sign left inside: "$(1.00)"
            raise not_an_amount from exc
        raise
    if minor is None:
        raise not_an_amount
    return -minor if negative else minor


def _plain_money(value: str) -> int | None:
    """The short path for ``$8.00``, ``$1,204.50``, ``12.50``, ``-$3.00``: cents, or None
    to fall back to the full reader."""
    negative = value[0] == "-"
    body = value[1:] if negative else value
    if body[:1] == "$":
        body = body[1:]
    whole, dot, cents = body.partition(".")
    if not dot or len(cents) != 2 or not cents.isdigit() or not cents.isascii():
        return None
    if "," in whole:
        groups = whole.split(",")
        if not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:]):
            return None
        whole = "".join(groups)
    if not whole.isdigit() or not whole.isascii() or len(whole) > 9:
        return None
    minor = int(whole) * 100 + int(cents)
    return -minor if negative else minor


def strip_apostrophe(text: str) -> str:
    """An id or phone cell without the spreadsheet's text guard: ``'+15035550142`` →
    ``+15035550142``, ``'00123`` → ``00123``. Only for ids and phones: a name that truly
    starts with an apostrophe (``'t Hooftje``) is not passed through this."""
    value = text.strip()
    return value[1:].strip() if value[:1] in ("'", "\u2019") else value


def category(text: str) -> str | None:
    """A line's category; None for an empty cell and for Square's literal ``None``."""
    value = text.strip()
    if not value or value.casefold() == "none":
        return None
    return value


def quantity(text: str) -> int:
    """How many of a line were bought: ``1``, ``2.0``, ``-1`` (a refund row) → 1, 2, 1.

    A quantity is a count, its sign is the sale's kind (a refund), so the result is the
    absolute value. An empty cell is one. **A fractional quantity** (weighed goods, ``1.5``
    kg; ``0.25``) is one line bought once: the result is 1, and the format takes the whole
    line's amount as its price, so the money stays exact and only the weight is lost
    (posassist counts visits and favourite items, not kilograms). Zero is refused: a line
    of nothing is a damaged row.
    """
    value = text.strip()
    if not value or value in ("1", "1.0"):
        return 1
    if value.isdigit() and value.isascii():
        count = int(value)
    else:
        try:
            number = float(value.replace(",", ".") if value.count(",") == 1 else value)
        except ValueError:
            raise ValueError(f"“{value[:20]}” is not a quantity (write it like 1 or 2)") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError(f"“{value[:20]}” is not a quantity (write it like 1 or 2)")
        number = abs(number)
        count = int(number) if number == int(number) else 1
        if 0 < number < 1:
            count = 1
    if count == 0:
        raise ValueError("the quantity is 0: a line must be at least one item")
    if count > 1_000_000:
        raise ValueError(f"the quantity {value[:20]} is too large for one line")
    return count


@lru_cache(maxsize=256)
def zone(label: str, default: str) -> tzinfo:
    """The zone named by ``label`` (Square's ``Eastern Time (US & Canada)``, or an IANA
    name such as ``America/New_York``); ``default`` (an IANA name, the store's zone) when
    the cell is empty. An unknown label is refused, naming it: a time read in the wrong
    zone would put a late sale on the wrong day."""
    value = label.strip()
    if not value:
        return ZoneInfo(default)
    name = _ZONES_FOLDED.get(value.casefold(), value)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"“{value[:40]}” is not a time zone posassist knows (use a name such as "
            "“Eastern Time (US & Canada)” or “America/New_York”)"
        ) from None


def excel_serial_date(text: str) -> date | None:
    """A date written as Excel's day number (``45123`` or ``45123.5``, the 1900 system),
    when a spreadsheet reformatted a date column; None when the text is not such a number
    (not a number, or outside 1990–2099: too far to be a sale of this store)."""
    value = text.strip()
    whole, _, fraction = value.partition(".")
    if not (whole.isdigit() and whole.isascii()) or (fraction and not fraction.isdigit()):
        return None
    serial = int(whole)
    if not _EXCEL_FIRST <= serial <= _EXCEL_LAST:
        return None
    return _EXCEL_EPOCH + timedelta(days=serial)


@lru_cache(maxsize=4096)  # an export's dates repeat: one day has many rows
def day(text: str, *, month_first: bool = True) -> date:
    """A calendar date: ``2026-07-18`` (also the date of an ISO date-time), ``7/18/2026``
    (month first, as Square's US dashboard writes it; ``month_first=False`` reads
    ``18/07/2026``), or an Excel serial (:func:`excel_serial_date`)."""
    value = text.strip()
    if len(value) >= 10 and value[4] == "-":
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            pass
    elif "/" in value:
        parts = value.split("/")
        if len(parts) == 3 and all(p.isdigit() for p in parts) and len(parts[2]) == 4:
            first, second, year = (int(p) for p in parts)
            month, dom = (first, second) if month_first else (second, first)
            try:
                return date(year, month, dom)
            except ValueError:
                pass
    else:
        serial = excel_serial_date(value)
        if serial is not None:
            return serial
    shape = "MM/DD/YYYY" if month_first else "DD/MM/YYYY"
    raise ValueError(f"“{value[:30]}” is not a date (write it as YYYY-MM-DD or {shape})")


def time_of_day(text: str) -> time:
    """``12:59:30``, ``12:59``, ``12:59:30.250``, ``12:59 PM`` → a time; empty → midnight."""
    value = text.strip()
    if not value:
        return time(0, 0)
    if len(value) == 8 and value[2] == ":" and value[5] == ":" and value.isascii():
        try:  # the short path: Square's "12:59:30"
            return time(int(value[:2]), int(value[3:5]), int(value[6:]))
        except ValueError:
            pass
    upper = value.upper()
    meridiem = upper[-2:] if upper.endswith(("AM", "PM")) else ""
    clock = upper[:-2].strip() if meridiem else value
    try:
        parsed = time.fromisoformat(clock if clock[1:2] != ":" else "0" + clock)
    except ValueError:
        raise ValueError(f"“{value[:20]}” is not a time of day (write it like 14:05:00)") from None
    if meridiem:
        if not 1 <= parsed.hour <= 12:
            raise ValueError(f"“{value[:20]}” is not a time of day (write it like 2:05 PM)")
        hour = parsed.hour % 12 + (12 if meridiem == "PM" else 0)
        parsed = parsed.replace(hour=hour)
    return parsed.replace(tzinfo=None)


def timestamp(
    date_text: str, time_text: str, zone_label: str, default_tz: str, *, month_first: bool = True
) -> datetime:
    """The aware moment of a row written as separate Date, Time and Time Zone cells
    (Square); ``default_tz`` (the store's IANA zone) when the zone cell is empty."""
    tz = zone(zone_label, default_tz)
    when = datetime.combine(day(date_text, month_first=month_first), time_of_day(time_text))
    return when.replace(tzinfo=tz)


def offset_timestamp(text: str, default_tz: str) -> datetime:
    """An aware moment from one cell: Shopify's ``2026-05-12 12:54:07 -0700``, ISO forms
    (``2026-05-12T12:54:07-07:00``, ``…Z``), or a time stamp with no offset (then in
    ``default_tz``, the store's zone); a bare date is midnight in ``default_tz``."""
    value = text.strip()
    head, sep, tail = value.rpartition(" ")
    if sep and len(tail) == 5 and tail[0] in "+-" and tail[1:].isdigit():
        value = f"{head}{tail[:3]}:{tail[3:]}"  # "-0700" → "-07:00" for fromisoformat
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        serial = excel_serial_date(value)
        if serial is None:
            raise ValueError(
                f"“{text.strip()[:30]}” is not a time stamp (write it like "
                "2026-05-12 12:54:07 -0700)"
            ) from None
        when = datetime.combine(serial, time(0, 0))
    if when.tzinfo is None:
        when = when.replace(tzinfo=zone("", default_tz))
    return when

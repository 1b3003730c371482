"""The fields of the two entities registers edit and sync: customers and partner vendors.

Each field is declared here once, with what every use of it needs: sync (which fields
travel and carry their own clock), last-writer-wins, erasure (which fields are personal
and what they become), defaults of a new row, and the vendor spreadsheet and JSON
listing. Those uses read these tuples instead of spelling the names again, so a new
field is one line here (plus its columns: the local ORM with a migration, the central
schema with a central migration; ``tests/sync/test_field_declarations.py`` checks that
both schemas agree with this file).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from posassist.domain import identifiers as ids

# What a customer field holds, which decides how a synced value is checked:
# "name" non-empty text, "text" text, "optional_text" text or empty (None),
# "flag" true/false, "ref" another customer's id or None.
CustomerKind = Literal["name", "text", "optional_text", "flag", "ref"]

ERASED_NAME = "Erased customer"


@dataclass(frozen=True, slots=True)
class CustomerField:
    """One field a register may write; each has its own last-writer-wins clock."""

    name: str
    kind: CustomerKind
    default: Any
    personal: bool
    # What erasure writes (personal fields only); None means "the default".
    erased: Any = None

    @property
    def erased_value(self) -> Any:
        return self.default if self.erased is None else self.erased


CUSTOMER = (
    CustomerField("display_name", "name", None, personal=True, erased=ERASED_NAME),
    CustomerField("phone_e164", "optional_text", None, personal=True),
    CustomerField("email", "optional_text", None, personal=True),
    CustomerField("card_code", "optional_text", None, personal=True),
    CustomerField("consent_contact", "flag", False, personal=True),
    CustomerField("notes", "text", "", personal=True),
    CustomerField("preferences", "text", "", personal=True),
    CustomerField("referred_by_id", "ref", None, personal=False),
)
CUSTOMER_BY_NAME = {f.name: f for f in CUSTOMER}
CUSTOMER_FIELDS = tuple(f.name for f in CUSTOMER)
# A new customer's fields where an insert does not give them.
CUSTOMER_DEFAULTS: dict[str, Any] = {f.name: f.default for f in CUSTOMER}
# What an erased customer's personal fields become, on every register and centrally.
ERASED_VALUES: dict[str, Any] = {f.name: f.erased_value for f in CUSTOMER if f.personal}


def customer_derived(fields: Mapping[str, Any], *, erased: bool = False) -> dict[str, Any]:
    """Columns computed from fields (never sent), identical on every register and centrally.

    An erased customer keeps no search key, so nobody can find the tombstone by name.
    """
    name = fields.get("display_name") or ""
    return {
        "name_key": "" if erased else ids.name_key(name),
        "phone_last4": ids.phone_last4(fields.get("phone_e164")),
    }


CUSTOMER_DERIVED = tuple(customer_derived({}))
# Every column erasure writes: the personal fields and what is derived from them.
ERASED_COLUMNS: dict[str, Any] = {**ERASED_VALUES, **customer_derived(ERASED_VALUES, erased=True)}

# How a vendor field is written in the spreadsheet and the JSON listing: "text" as it
# is, "list" entries joined with "; " (stored so too), "flag" yes/no (JSON true/false).
VendorKind = Literal["text", "list", "flag"]


@dataclass(frozen=True, slots=True)
class VendorField:
    """One column of the partner directory; a vendor row syncs as a whole (last writer wins)."""

    name: str
    kind: VendorKind = "text"
    max_length: int | None = None

    @property
    def default(self) -> str | bool:
        return True if self.kind == "flag" else ""


VENDOR = (
    VendorField("name", max_length=200),
    VendorField("address", max_length=500),
    VendorField("phone", max_length=40),
    VendorField("website", max_length=300),
    VendorField("hours", max_length=300),
    VendorField("categories", "list"),
    VendorField("keywords", "list"),
    VendorField("notes"),
    VendorField("active", "flag"),
)
VENDOR_FIELDS = tuple(f.name for f in VENDOR)
# The spreadsheet's columns, in the order exports write them: the id, then every field.
VENDOR_CSV_COLUMNS = ("id", *VENDOR_FIELDS)

# The shared catalogue (issue 11): each row syncs as a whole, last writer wins per row.
# ``price_minor`` stays local (no file sets it); ``location`` is the CSV's "aisle".
PRODUCT_FIELDS = ("sku", "name", "category", "keywords", "carried", "location")
# A branch's stock snapshot: how many it had, counted when (an older count never wins).
STOCK_FIELDS = ("branch_id", "sku", "on_hand", "as_of")


# A hold between branches travels whole (it is a fact); its ``state`` is derived from the
# applied steps at both ends. A step is a fact too, decided centrally (``sync/central/holds.py``).
HOLD_FIELDS = (
    "code",
    "requesting_branch_id",
    "requesting_register_id",
    "holding_branch_id",
    "sku",
    "product_name",
    "customer_id",
    "relay",
    "created_at",
    "expires_at",
    "state",
)
HOLD_STEP_FIELDS = ("hold_id", "from_state", "to_state", "at", "register_id", "branch_id")


@dataclass(frozen=True, slots=True)
class SharedEntity:
    """What one kind of shared row must be, checked at both ends (``protocol.check_shared``)."""

    required: tuple[str, ...]  # an insert carries each, not empty (0 is a value)
    key: tuple[str, ...] = ()  # the id is ``domain.catalog.catalog_id`` of these: one row per key
    counts: tuple[str, ...] = ()  # whole numbers, not negative
    not_older: str | None = None  # a time: a row holding a later one is not replaced


# A staff account syncs as a whole (issue 12), last writer wins per row: disabling it
# on one register disables it on every register after one sync. ``pin_hash`` is the salted
# scrypt string (``domain/pins.py``), never the PIN. The wrong-PIN counters
# (``pin_attempt``) are not here on purpose: a lockout belongs to the register it
# happened at, and counters merged across registers would lock people out for typos made
# elsewhere.
STAFF_FIELDS = ("branch_id", "name", "role", "pin_hash", "active")
# The roles a staff row may hold ("admin": older stores; it acts as a manager).
STAFF_ROLES = ("cashier", "manager", "admin")
STAFF_NAME_MAX = 100


# The shared rows any register may edit (last writer wins per row); another kind joins
# with one line here, plus its tables at both ends (``sync/schema.py``, ``sync/pull.py``).
SHARED_ENTITIES: dict[str, SharedEntity] = {
    "vendor": SharedEntity(required=("name",)),
    "product": SharedEntity(required=("sku", "name"), key=("sku",)),
    "branch_stock": SharedEntity(
        required=STOCK_FIELDS, key=("branch_id", "sku"), counts=("on_hand",), not_older="as_of"
    ),
    # A pick's id is its slot's (``domain/picks.py pick_id``), checked by ``pick_problem``.
    "staff_pick": SharedEntity(required=("category", "rank", "sku")),
    # A staff row's own rules (role, name, PIN hash) are ``domain/staff.py row_problem``.
    "staff": SharedEntity(required=("name", "role")),
}

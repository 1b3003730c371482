"""The central PostgreSQL schema: the registers' shared facts plus the sync log.

Defined here on its own (not derived from the local ORM) so the central database
changes only through its own Alembic chain (``posassist/sync/migrations``): a local
SQLite migration never silently changes what ``central init`` builds. A column a
register sends that the central table lacks is dropped on arrival, so a newer
register can talk to an older central schema. The customer and vendor columns are
the fields declared in ``domain/fields.py`` (spelled out here because a schema
changes only with a migration; ``tests/sync/test_field_declarations.py`` checks the two
agree).

Sync tables:

- ``change_log``: every accepted change, in commit order (``server_seq``); registers
  pull from it with a cursor. Appends are serialised by an advisory lock.
- ``applied_ops``: every op id ever applied, so a resent op is recognised and applied
  once, however often the connection broke.
- ``central_info``: this central database's identity; a register that finds a new id
  (the database was rebuilt) starts pulling from the beginning again.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    column,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TIMESTAMP, UUID

from posassist.domain.staff import LEGACY_ROW_HLC
from posassist.storage.base import NAMING_CONVENTION

metadata = MetaData(naming_convention=NAMING_CONVENTION)
# Alembic's version table of the central chain, kept apart from the registers' chain.
# Alembic owns it, so it is not part of ``metadata``; this is only its shape, to read it.
VERSION_TABLE = "central_alembic_version"
alembic_version = table(VERSION_TABLE, column("version_num", Text))
TS = TIMESTAMP(timezone=True)
ID = UUID(as_uuid=True)

central_info = Table(
    "central_info",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

branch = Table(
    "branch",
    metadata,
    Column("id", ID, primary_key=True),
    Column("code", String(60), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("address", Text, nullable=False, server_default=""),
    Column("phone", Text, nullable=False, server_default=""),
    Column("timezone", Text, nullable=False, server_default="UTC"),
    Column("hours", Text, nullable=False, server_default=""),
)

register = Table(
    "register",
    metadata,
    Column("id", ID, primary_key=True),
    Column("branch_id", ID, ForeignKey("branch.id"), nullable=False),
    Column("name", Text, nullable=False),
)

# Staff accounts (central migration c0006): shared rows, last writer wins per row, so a
# disable reaches every register and no register's old copy undoes it. ``pin_hash`` is
# the salted scrypt string, never the PIN; the wrong-PIN counters stay on each register.
# A row only announced (before c0006, or a placeholder) carries ``LEGACY_ROW_HLC``.
staff = Table(
    "staff",
    metadata,
    Column("id", ID, primary_key=True),
    Column("branch_id", ID, ForeignKey("branch.id")),
    Column("name", Text, nullable=False),
    Column("role", Text, nullable=False, server_default="cashier"),
    Column("pin_hash", Text),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("row_hlc", Text, nullable=False, server_default=LEGACY_ROW_HLC),
    Column("deleted_at", TS),
)

customer = Table(
    "customer",
    metadata,
    Column("id", ID, primary_key=True),
    Column("display_name", Text, nullable=False),
    Column("name_key", Text, nullable=False),
    Column("phone_e164", String(20)),
    Column("phone_last4", String(4)),
    Column("email", Text),
    Column("card_code", String(20), unique=True),
    Column("consent_contact", Boolean, nullable=False, server_default=text("false")),
    Column("notes", Text, nullable=False, server_default=""),
    Column("preferences", Text, nullable=False, server_default=""),
    Column("referred_by_id", ID, ForeignKey("customer.id")),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("erased_at", TS),
    Column("field_clocks", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Index("ix_customer_phone_e164", "phone_e164"),
)

interaction = Table(
    "interaction",
    metadata,
    Column("id", ID, primary_key=True),
    Column("customer_id", ID, ForeignKey("customer.id")),
    Column("branch_id", ID, ForeignKey("branch.id"), nullable=False),
    Column("register_id", ID, ForeignKey("register.id")),
    Column("staff_id", ID, ForeignKey("staff.id")),
    Column("occurred_at", TS, nullable=False),
    Column("local_day", Date, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("basket_minor", BigInteger),
    Column("note", Text, nullable=False, server_default=""),
    CheckConstraint(
        "kind IN ('purchase','service','question','referral_given','hold',"
        "'feedback','referral_arrived')",
        name="kind",
    ),
    Index("ix_interaction_customer_time", "customer_id", "occurred_at"),
)

purchase_line = Table(
    "purchase_line",
    metadata,
    Column("id", ID, primary_key=True),
    Column("interaction_id", ID, ForeignKey("interaction.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False, server_default="0"),
    Column("sku", String(64)),
    Column("description", Text, nullable=False),
    Column("quantity", Integer, nullable=False, server_default="1"),
    Column("unit_minor", BigInteger),
)

referral = Table(
    "referral",
    metadata,
    Column("id", ID, primary_key=True),
    Column("direction", String(3), nullable=False),
    # Vendors are a per-chain directory not synced yet: no foreign key on purpose.
    Column("vendor_id", ID),
    Column("branch_id", ID, ForeignKey("branch.id")),
    Column("item_asked", Text, nullable=False, server_default=""),
    Column("code", String(20), unique=True),
    Column("customer_id", ID, ForeignKey("customer.id")),
    Column("created_at", TS, nullable=False),
    CheckConstraint("direction IN ('out','in')", name="direction"),
)

unmet_demand = Table(
    "unmet_demand",
    metadata,
    Column("id", ID, primary_key=True),
    Column("item_asked", Text, nullable=False),
    Column("item_key", Text, nullable=False, index=True),
    Column("branch_id", ID, ForeignKey("branch.id")),
    Column("customer_id", ID, ForeignKey("customer.id")),
    Column("created_at", TS, nullable=False),
)

# Corrections are facts too (central migration c0002): a void makes an interaction not
# count; an alias says a merged customer is the survivor from now on.
interaction_void = Table(
    "interaction_void",
    metadata,
    Column("id", ID, primary_key=True),
    Column("interaction_id", ID, ForeignKey("interaction.id"), nullable=False, index=True),
    Column("reason", Text, nullable=False),
    Column("voided_at", TS, nullable=False),
    Column("register_id", ID, ForeignKey("register.id")),
)

customer_alias = Table(
    "customer_alias",
    metadata,
    Column("id", ID, primary_key=True),
    Column("merged_id", ID, ForeignKey("customer.id"), nullable=False, index=True),
    Column("survivor_id", ID, ForeignKey("customer.id"), nullable=False, index=True),
    Column("merged_at", TS, nullable=False),
    Column("register_id", ID, ForeignKey("register.id")),
)

# The id a customer has in another system (Square, Shopify, a manager's own file), per
# source (central migration c0008): a fact, so a re-import on any register matches the
# customer instead of making a second one. One row per (source, external_id): the first in
# server order wins (``sync/central/external_ids.py``). Kept through an erasure on purpose.
customer_external_id = Table(
    "customer_external_id",
    metadata,
    Column("id", ID, primary_key=True),
    Column("source", String(60), nullable=False),
    Column("external_id", String(200), nullable=False),
    Column("customer_id", ID, ForeignKey("customer.id"), nullable=False, index=True),
    Column("created_at", TS, nullable=False),
    UniqueConstraint("source", "external_id"),
)

# The partner directory: edited by managers on any register, last writer wins per row
# (``row_hlc``); a deletion is a tombstone so a late edit cannot bring the row back.
vendor = Table(
    "vendor",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", Text, nullable=False),
    Column("address", Text, nullable=False, server_default=""),
    Column("phone", Text, nullable=False, server_default=""),
    Column("website", Text, nullable=False, server_default=""),
    Column("hours", Text, nullable=False, server_default=""),
    Column("categories", Text, nullable=False, server_default=""),
    Column("keywords", Text, nullable=False, server_default=""),
    Column("notes", Text, nullable=False, server_default=""),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("row_hlc", Text, nullable=False),
    Column("deleted_at", TS),
)

# Staff picks (issue 11): one row per slot (branch or chain, category, rank), the id
# derived from the slot; shared like the vendors, a removal is ``removed`` (a slot can be
# filled again), never a tombstone. No foreign keys: a pick names a branch by id only.
staff_pick = Table(
    "staff_pick",
    metadata,
    Column("id", ID, primary_key=True),
    Column("category", Text, nullable=False),
    Column("rank", Integer, nullable=False),
    Column("sku", Text, nullable=False),
    Column("staff_name", Text, nullable=False),
    Column("why", Text, nullable=False, server_default=""),
    Column("branch_id", ID),
    Column("staff_id", ID),
    Column("removed", Boolean, nullable=False, server_default=text("false")),
    Column("row_hlc", Text, nullable=False),
    Column("deleted_at", TS),
    CheckConstraint("rank BETWEEN 1 AND 3", name="rank"),
)

# Holds between branches (central migration c0005): the hold is inserted once; its
# ``state`` changes only when a step is applied, under the row's lock, so the first step
# in server order wins (``sync/central/holds.py``). Steps are facts.
hold_request = Table(
    "hold_request",
    metadata,
    Column("id", ID, primary_key=True),
    Column("code", String(20), nullable=False, unique=True),
    Column("requesting_branch_id", ID, ForeignKey("branch.id"), nullable=False),
    Column("requesting_register_id", ID, ForeignKey("register.id")),
    Column("holding_branch_id", ID, ForeignKey("branch.id"), nullable=False),
    Column("sku", Text, nullable=False),
    Column("product_name", Text, nullable=False, server_default=""),
    Column("customer_id", ID, ForeignKey("customer.id")),
    Column("relay", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    Column("state", Text, nullable=False, server_default="requested"),
    CheckConstraint(
        "state IN ('requested','accepted','ready','on_its_way','collected','cancelled','expired')",
        name="state",
    ),
)

hold_step = Table(
    "hold_step",
    metadata,
    Column("id", ID, primary_key=True),
    Column("hold_id", ID, ForeignKey("hold_request.id"), nullable=False, index=True),
    Column("from_state", Text, nullable=False),
    Column("to_state", Text, nullable=False),
    Column("at", TS, nullable=False),
    Column("register_id", ID, ForeignKey("register.id")),
    Column("branch_id", ID, ForeignKey("branch.id"), nullable=False),
)

# The shared catalogue (central migration c0003), rows like the vendors'. Ids come from
# the content (``domain/catalog.py``), so one SKU is one row however many registers
# imported it. Stock has no foreign key to its branch on purpose: a count for a branch
# not announced yet must not fail the batch it came in; it is checked where it is typed.
product = Table(
    "product",
    metadata,
    Column("id", ID, primary_key=True),
    Column("sku", Text, nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("category", Text, nullable=False, server_default=""),
    Column("keywords", Text, nullable=False, server_default=""),
    Column("carried", Boolean, nullable=False, server_default=text("true")),
    Column("location", Text, nullable=False, server_default=""),
    Column("row_hlc", Text, nullable=False),
    Column("deleted_at", TS),
)

branch_stock = Table(
    "branch_stock",
    metadata,
    Column("id", ID, primary_key=True),
    Column("branch_id", ID, nullable=False),
    Column("sku", Text, nullable=False),
    Column("on_hand", Integer, nullable=False),
    Column("as_of", TS, nullable=False),
    Column("row_hlc", Text, nullable=False),
    Column("deleted_at", TS),
    Index("ix_branch_stock_branch_id", "branch_id"),
)

# The registers' audit trails (central migration c0007): kept exactly as received, one
# row per (register, seq); never updated (a trigger refuses UPDATE and DELETE), never in
# the change log (no register pulls another's trail). No foreign keys on purpose: an
# entry is evidence and is kept even when what it names is not here.
audit_entry = Table(
    "audit_entry",
    metadata,
    Column("register_id", ID, primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", TS, nullable=False),
    Column("staff_id", ID),
    Column("action", Text, nullable=False),
    Column("entity", Text, nullable=False),
    Column("entity_id", Text, nullable=False),
    Column("detail", Text, nullable=False),
    Column("prev_hash", Text, nullable=False),
    Column("entry_hash", Text, nullable=False),
    Column("received_at", TS, nullable=False, server_default=text("now()")),
)

change_log = Table(
    "change_log",
    metadata,
    Column("server_seq", BigInteger, primary_key=True, autoincrement=True),
    Column("op_id", ID, nullable=False),
    Column("entity", Text, nullable=False),
    Column("entity_id", Text, nullable=False),
    Column("op", Text, nullable=False),
    Column("payload", JSONB, nullable=False),
    Column("hlc", Text, nullable=False),
    Column("origin", ID, nullable=False),
    Column("committed_at", TS, nullable=False, server_default=text("now()")),
    Index("ix_change_log_entity", "entity", "entity_id"),
)

applied_ops = Table(
    "applied_ops",
    metadata,
    Column("op_id", ID, primary_key=True),
    Column("origin", ID, nullable=False),
    Column("entity", Text, nullable=False),
    Column("outcome", Text, nullable=False),
    Column("applied_at", TS, nullable=False, server_default=text("now()")),
)

# Facts: immutable rows, inserted once with ON CONFLICT (id) DO NOTHING.
FACT_TABLES = {
    "interaction": interaction,
    "referral": referral,
    "unmet_demand": unmet_demand,
    "interaction_void": interaction_void,
    "customer_alias": customer_alias,
    "customer_external_id": customer_external_id,
    "hold": hold_request,
}
# Reference rows each register announces about itself (upserted).
REF_TABLES = {"branch": branch, "register": register}
# Shared rows any register may edit: insert / update / delete, last writer wins per row.
MUTABLE_TABLES = {
    "vendor": vendor,
    "product": product,
    "branch_stock": branch_stock,
    "staff_pick": staff_pick,
    "staff": staff,
}

"""The local store's tables.

Ids are UUIDs generated where a row is born so that rows from different registers
never collide and a row sent twice is recognisably the same row. Money is integer
minor units and is never read by the repeat-visitor model.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from posassist.storage.base import Base, UTCDateTime, new_id, utcnow

INTERACTION_KINDS = (
    "purchase",
    "service",
    "question",
    "referral_given",
    "hold",
    "feedback",
    "referral_arrived",
)


class Branch(Base):
    __tablename__ = "branch"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    hours: Mapped[str] = mapped_column(String(300), default="")


class Register(Base):
    __tablename__ = "register"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"))
    name: Mapped[str] = mapped_column(String(100))


class Staff(Base):
    __tablename__ = "staff"
    __table_args__ = (CheckConstraint("role IN ('cashier','manager','admin')", name="role"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    branch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("branch.id"))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="cashier")
    pin_hash: Mapped[str | None] = mapped_column(String(200))  # domain/pins.py, never the PIN
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    row_hlc: Mapped[str | None] = mapped_column(String(40))  # see Vendor.row_hlc


class PinAttempt(Base):
    """Wrong PINs typed for one account at this register: local, never synced.

    Kept apart from ``staff`` so the synced row carries no register's counters; a
    success deletes the row. ``lockouts`` counts locks in a row, so each is longer.
    """

    __tablename__ = "pin_attempt"

    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    lockouts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Customer(Base):
    __tablename__ = "customer"
    __table_args__ = (
        Index("ix_customer_phone_e164", "phone_e164"),
        Index("ix_customer_phone_last4", "phone_last4"),
        Index("ix_customer_email", "email"),
        Index("ix_customer_name_key", "name_key"),
        Index("ix_customer_referred_by_id", "referred_by_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    display_name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))
    phone_e164: Mapped[str | None] = mapped_column(String(20))
    phone_last4: Mapped[str | None] = mapped_column(String(4))
    email: Mapped[str | None] = mapped_column(String(254))
    card_code: Mapped[str | None] = mapped_column(String(20), unique=True)
    consent_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    preferences: Mapped[str] = mapped_column(Text, default="")
    referred_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customer.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Hybrid logical clock of the last write to each field, for last-writer-wins per
    # field when registers edit the same customer offline (see posassist/sync).
    field_clocks: Mapped[dict[str, str]] = mapped_column(
        JSON, default=dict, server_default=text("'{}'")
    )


class Product(Base):
    __tablename__ = "product"
    __table_args__ = (Index("ix_product_category", "category"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(100), default="")
    keywords: Mapped[str] = mapped_column(Text, default="")
    carried: Mapped[bool] = mapped_column(Boolean, default=True)
    price_minor: Mapped[int | None] = mapped_column(Integer)
    location: Mapped[str] = mapped_column(String(100), default="")
    row_hlc: Mapped[str | None] = mapped_column(String(40))  # see Vendor.row_hlc


class Interaction(Base):
    __tablename__ = "interaction"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('purchase','service','question','referral_given','hold',"
            "'feedback','referral_arrived')",
            name="kind",
        ),
        Index("ix_interaction_customer_time", "customer_id", "occurred_at"),
        Index("ix_interaction_customer_day", "customer_id", "local_day"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customer.id"))
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"))
    register_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("register.id"))
    staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    local_day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    basket_minor: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")

    lines: Mapped[list[PurchaseLine]] = relationship(
        back_populates="interaction", order_by="PurchaseLine.position"
    )


class InteractionVoid(Base):
    """A correction: the interaction it names no longer counts.

    A new fact, never an edit of the interaction: the timeline shows the entry struck
    through with the reason, and visit counts and the value model skip it. An undo at
    the register is a void with the reason ``UNDONE_REASON``. Two registers may void the
    same interaction offline; both rows sync and the entry is simply voided.
    """

    __tablename__ = "interaction_void"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    interaction_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("interaction.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    voided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    register_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("register.id"))


class CustomerAlias(Base):
    """A merge: ``merged_id`` is the same person as ``survivor_id`` from now on.

    Readers resolve it (the merged customer's visits show on the survivor, a log on the
    old id lands there), so no interaction is rewritten. Should one id carry several
    aliases (two registers merged it offline), the latest ``merged_at`` wins.
    """

    __tablename__ = "customer_alias"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    merged_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), index=True)
    survivor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), index=True)
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    register_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("register.id"))


class CustomerExternalId(Base):
    """The id a customer has in another system (Square's customer id, Shopify's, a
    generic file's customer column), per ``source``, so a re-import or a later file of
    the same source matches them instead of making a second customer.

    A fact: never edited, synced to every register. Its ``id`` is derived from
    ``(source, external_id)`` (``importers/load.py``), so two registers importing the same
    export offline make the same row. It outlives an erasure on purpose: a later import
    of that person's rows is then skipped, not made into a new customer.
    """

    __tablename__ = "customer_external_id"
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    source: Mapped[str] = mapped_column(String(60))
    external_id: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImportMapping(Base):
    """A manager's column mapping for a CSV of their own, chosen once and reused by
    name (``posassist import mapped FILE --mapping NAME``). This register's only."""

    __tablename__ = "import_mapping"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    fields: Mapped[dict[str, str]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PurchaseLine(Base):
    __tablename__ = "purchase_line"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    interaction_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("interaction.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    sku: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_minor: Mapped[int | None] = mapped_column(Integer)

    interaction: Mapped[Interaction] = relationship(back_populates="lines")


class BranchStock(Base):
    __tablename__ = "branch_stock"
    __table_args__ = (UniqueConstraint("branch_id", "sku", name="uq_branch_stock_branch_sku"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"))
    sku: Mapped[str] = mapped_column(String(64), index=True)
    on_hand: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    row_hlc: Mapped[str | None] = mapped_column(String(40))  # see Vendor.row_hlc


class Vendor(Base):
    __tablename__ = "vendor"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    hours: Mapped[str] = mapped_column(String(300), default="")
    categories: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The clock of the central version this row holds (a shared row: sync/pull.py); a
    # pulled change no later than it is older news and is not applied.
    row_hlc: Mapped[str | None] = mapped_column(String(40))


class Referral(Base):
    __tablename__ = "referral"
    __table_args__ = (
        CheckConstraint("direction IN ('out','in')", name="direction"),
        Index("ix_referral_vendor_time", "vendor_id", "created_at"),
        Index("ix_referral_customer_id", "customer_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    direction: Mapped[str] = mapped_column(String(3))
    vendor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("vendor.id"))
    branch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("branch.id"))
    item_asked: Mapped[str] = mapped_column(String(300), default="")
    code: Mapped[str | None] = mapped_column(String(20), unique=True)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customer.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UnmetDemand(Base):
    __tablename__ = "unmet_demand"
    # By customer: the card's "asked before, we didn't have" reads a person's asks.
    __table_args__ = (Index("ix_unmet_demand_customer_id", "customer_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    item_asked: Mapped[str] = mapped_column(String(300))
    item_key: Mapped[str] = mapped_column(String(300), index=True)
    branch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("branch.id"))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customer.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HoldRequest(Base):
    """A hold: one branch asks another to set an item aside for a customer.

    Inserted once (a fact) by the requesting register; ``state`` is the current state
    as this register knows it, always recomputed from the hold's steps
    (``storage/holds.py``), never written by hand.
    """

    __tablename__ = "hold_request"
    __table_args__ = (
        CheckConstraint(
            "state IN ('requested','accepted','ready','on_its_way','collected',"
            "'cancelled','expired')",
            name="state",
        ),
        Index("ix_hold_request_holding_state", "holding_branch_id", "state"),
        Index("ix_hold_request_requesting_state", "requesting_branch_id", "state"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    requesting_branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"))
    requesting_register_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("register.id"))
    holding_branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"))
    sku: Mapped[str] = mapped_column(String(64))
    product_name: Mapped[str] = mapped_column(String(300), default="")
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customer.id"), index=True)
    relay: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(20), default="requested")


class HoldStep(Base):
    """One transition of a hold: an immutable fact that syncs.

    ``outcome`` and ``reason`` are this register's own bookkeeping (not synced): a step
    written here is ``pending`` until the central database decides; ``applied`` when it
    was accepted (or came from elsewhere: only accepted steps are ever pulled);
    ``ignored`` when another register acted first, with the words it was told.
    """

    __tablename__ = "hold_step"
    __table_args__ = (
        CheckConstraint("outcome IN ('pending','applied','ignored')", name="outcome"),
        Index("ix_hold_step_register_outcome", "register_id", "outcome"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    hold_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hold_request.id"), index=True)
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    register_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("register.id"))
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"))
    outcome: Mapped[str] = mapped_column(String(10), default="pending")
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StaffPick(Base):
    """One slot of a category's top three: chain-wide (``branch_id`` NULL) or a branch's own.

    The id is the slot's (``domain/picks.py pick_id``), so registers filling the same slot
    converge; ``removed`` empties a slot without a tombstone that would forbid it for
    ever. Synced as a shared row (last writer wins per row), like the vendor directory.
    """

    __tablename__ = "staff_pick"
    __table_args__ = (CheckConstraint("rank BETWEEN 1 AND 3", name="rank"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    category: Mapped[str] = mapped_column(String(100), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    rank: Mapped[int] = mapped_column(Integer, default=1)
    why: Mapped[str] = mapped_column(Text, default="")
    staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    staff_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    branch_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    removed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("0"))
    row_hlc: Mapped[str | None] = mapped_column(String(40))  # see Vendor.row_hlc


class CoPurchase(Base):
    """Derived, local, never synced: "customers who bought ``sku`` also bought ``other_sku``".

    Rebuilt whole from this store's purchase lines (every register's, pulled) by
    ``services/also_bought.py`` in the background; a query is a primary-key range read.
    ``customers`` is how many distinct buyers had both in one basket in the window.
    """

    __tablename__ = "co_purchase"

    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    other_sku: Mapped[str] = mapped_column(String(64))
    customers: Mapped[int] = mapped_column(Integer)


class AuditLog(Base):
    """The audit trail: append-only (triggers refuse UPDATE and DELETE), hash-chained per
    register (``domain/audit_chain.py``), ids and kinds only. Written by
    ``storage/audit.py append`` alone."""

    __tablename__ = "audit_log"
    __table_args__ = (UniqueConstraint("register_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")
    register_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    seq: Mapped[int] = mapped_column(Integer)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class ModelFit(Base):
    __tablename__ = "model_fit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    fitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    as_of: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(20))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    n_customers: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)


class Outbox(Base):
    """Every local change, appended in the same transaction as the change itself.

    This is the only queue: a process killed after commit loses nothing, because the
    change and its outbox row were committed together.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint("state IN ('pending','acked','dead')", name="state"),
        Index("ix_outbox_state_seq", "state", "seq"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    op_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=new_id)
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str] = mapped_column(String(64))
    op: Mapped[str] = mapped_column(String(20))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    hlc: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    last_error: Mapped[str | None] = mapped_column(Text)


class SyncState(Base):
    __tablename__ = "sync_state"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SyncProblem(Base):
    """A change pulled from the central database that this register could not apply.

    Kept (not retried in a loop, not dropped) so the pull cursor never sticks behind
    one bad row and a manager can see what is missing here.
    """

    __tablename__ = "sync_problem"

    server_seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    op_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

"""Customer use cases: find, show, add, edit (notes; name and contact details), merge.

A merged customer is the survivor everywhere here: search answers with the survivor,
the survivor's card shows both histories (``storage/corrections.py`` resolves it).

Every method is one user action and opens exactly one session.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from posassist.domain import identifiers as ids
from posassist.domain.fields import CUSTOMER_DEFAULTS, CUSTOMER_FIELDS, customer_derived
from posassist.domain.flags import Flag, Tier, greeting
from posassist.domain.identifiers import IdentifierError, QueryKind
from posassist.domain.lww import stamp_fields
from posassist.domain.visits import VisitStats
from posassist.errors import InvalidInputError
from posassist.services import audit_trail
from posassist.services.access import require
from posassist.services.context import StoreContext
from posassist.services.favourites import Favourites, read_favourites
from posassist.services.name_index import NameIndex
from posassist.services.standing import StandingService
from posassist.storage import corrections as fixes
from posassist.storage import queries as q
from posassist.storage.orm import Customer
from posassist.storage.outbox import append_change


@dataclass(frozen=True, slots=True)
class CustomerHit:
    """One search result row: enough to pick the right person, little else on screen."""

    id: uuid.UUID
    display_name: str
    phone_masked: str
    card_code: str | None
    matched_by: str
    score: float
    last_visit: date | None
    tier: Tier | None = None
    standing_reasons: str = ""

    @property
    def card_masked(self) -> str:
        """The card as a list shows it: its last four characters."""
        return ids.mask_card(self.card_code)


@dataclass(frozen=True, slots=True)
class HitPage:
    """The hits shown and how many matched in all (more than shown when capped)."""

    hits: list[CustomerHit]
    total: int

    @property
    def capped(self) -> bool:
        return self.total > len(self.hits)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    id: uuid.UUID
    kind: str
    occurred_at: datetime
    branch_name: str
    staff_name: str
    basket_minor: int | None
    items: tuple[str, ...]
    note: str
    # Why the entry was voided (struck through, not counted); None: it counts.
    void_reason: str | None = None


@dataclass(frozen=True, slots=True)
class CustomerCard:
    id: uuid.UUID
    display_name: str
    phone_masked: str
    email_masked: str
    card_code: str | None
    consent_contact: bool
    customer_since: date
    visits: VisitStats
    greeting: str
    flag: Flag
    flag_method_note: str
    notes: str
    preferences: str
    timeline: tuple[TimelineEntry, ...]
    favourites: Favourites = field(default_factory=Favourites)

    @property
    def card_masked(self) -> str:
        """The card as the card view shows it until a reveal (Ctrl+I)."""
        return ids.mask_card(self.card_code)


@dataclass(frozen=True, slots=True)
class NewCustomer:
    display_name: str
    phone: str = ""
    email: str = ""
    card_code: str = ""
    consent_contact: bool = False
    notes: str = ""


@dataclass(frozen=True, slots=True)
class ContactDetails:
    """What the edit dialog shows and sends back: name, contact details and card, unmasked."""

    display_name: str
    phone: str = ""
    email: str = ""
    card_code: str = ""
    consent_contact: bool = False


# The fields an edit of contact details may write (each synced last-writer-wins).
_CONTACT_FIELDS = ("display_name", "phone_e164", "email", "card_code", "consent_contact")
# No card code in it: a script's stderr may end in a log (the field says which card).
_CARD_TAKEN = "That card already belongs to another customer."


def _to_invalid(exc: IdentifierError) -> InvalidInputError:
    return InvalidInputError(exc.field, str(exc))


class CustomerService:
    def __init__(self, ctx: StoreContext, standing: StandingService) -> None:
        self._ctx = ctx
        self.standing = standing
        self.names = NameIndex(self._load_names)

    def _load_names(self) -> list[tuple[str, str]]:
        with self._ctx.db.read() as s:
            return q.all_name_keys(s)

    # ----------------------------------------------------------------- search
    def search(self, text: str, *, scanned: bool = False, limit: int = 20) -> list[CustomerHit]:
        """Ranked matches for whatever was typed or scanned into the search box."""
        return self.search_page(text, scanned=scanned, limit=limit).hits

    def search_page(self, text: str, *, scanned: bool = False, limit: int = 20) -> HitPage:
        """:meth:`search`, saying how many matched in all when the list is capped.

        A scanned all-digit code is tried as a card first, then as a phone: a phone
        number typed at scanner speed (or read from a phone-number barcode) still finds
        its customer.
        """
        total = 0
        parsed = ids.parse_query(text, self._ctx.settings.store.region, scanned=scanned)
        if parsed.kind is QueryKind.EMPTY:
            return HitPage([], 0)
        region = self._ctx.settings.store.region
        scored: list[tuple[q.HitRow, str, float]] = []
        with self._ctx.db.read() as s:
            if parsed.kind is QueryKind.CARD:
                scored += [(r, "card", 100.0) for r in q.hits_by_card(s, parsed.value)]
                if not scored:
                    # Not a card: it may be a phone number without separators, or (typed,
                    # not scanned) a name with a digit in it ("Customer 42").
                    phone = ids.try_normalise_phone(parsed.raw, region)
                    if phone:
                        scored += [(r, "phone", 100.0) for r in q.hits_by_phone(s, phone, limit)]
                    if not scored and not scanned:
                        named, total = self._by_name(s, ids.name_key(parsed.raw), limit)
                        scored += named
            elif parsed.kind is QueryKind.PHONE:
                scored += [(r, "phone", 100.0) for r in q.hits_by_phone(s, parsed.value, limit)]
            elif parsed.kind is QueryKind.EMAIL:
                scored += [(r, "email", 100.0) for r in q.hits_by_email(s, parsed.value, limit)]
            elif parsed.kind is QueryKind.LAST4:
                scored += [
                    (r, "last 4 digits", 90.0) for r in q.hits_by_last4(s, parsed.value, limit)
                ]
            else:
                named, total = self._by_name(s, parsed.value, limit)
                scored += named
            scored = _as_survivors(s, scored)
        flags = [self.standing.flag_as_of_refit(r.id) for r, _how, _score in scored]
        hits = [
            CustomerHit(
                id=r.id,
                display_name=r.display_name,
                phone_masked=ids.mask_phone(r.phone_e164),
                card_code=r.card_code,
                matched_by=how,
                score=score,
                last_visit=r.last_visit,
                tier=flag.tier if flag else None,
                standing_reasons=flag.reasons if flag else "",
            )
            for (r, how, score), flag in zip(scored, flags, strict=True)
        ]
        # Best score first; among equals, the customer seen most recently is likelier.
        hits.sort(key=lambda h: (-h.score, -(h.last_visit.toordinal() if h.last_visit else 0)))
        return HitPage(hits[:limit], max(total, min(len(hits), limit)))

    def find_by_card_or_phone(self, text: str) -> uuid.UUID:
        """The one customer with this card code or phone number (for scripts: no names,
        no guessing). Refused when it is neither, nobody has it, or several share it."""
        parsed = ids.parse_query(text, self._ctx.settings.store.region, scanned=True)
        if parsed.kind not in (QueryKind.CARD, QueryKind.PHONE):
            raise InvalidInputError("customer", "Give a card code or a full phone number.")
        hits = [h for h in self.search(text, scanned=True) if h.matched_by in ("card", "phone")]
        if not hits:
            raise InvalidInputError("customer", "No customer has that card code or phone number.")
        if len(hits) > 1:
            raise InvalidInputError(
                "customer",
                f"{len(hits)} customers share that phone number; give the card code instead.",
            )
        return hits[0].id

    def _by_name(
        self, s: Session, key: str, limit: int
    ) -> tuple[list[tuple[q.HitRow, str, float]], int]:
        matches, total = self.names.search_counted(key, limit=limit)
        by_id = q.hits_by_ids(s, [cid for cid, _ in matches])
        return [(by_id[cid], "name", score) for cid, score in matches if cid in by_id], total

    # ------------------------------------------------------------------- card
    def card(self, customer_id: uuid.UUID) -> CustomerCard:
        """The person's card; a merged customer's id opens the survivor's."""
        with self._ctx.db.read() as s:
            ids_of_person = fixes.person(s, customer_id)
            customer = s.get(Customer, ids_of_person[0])
            if customer is None or customer.erased_at is not None:
                raise InvalidInputError("customer", "That customer no longer exists.")
            rows = q.timeline(s, ids_of_person)
            lines = q.lines_of_customer(s, ids_of_person)
            entries = tuple(
                TimelineEntry(
                    id=r.id,
                    kind=r.kind,
                    occurred_at=r.occurred_at,
                    branch_name=r.branch_name or "",
                    staff_name=r.staff_name or "",
                    basket_minor=r.basket_minor,
                    items=tuple(
                        f"{line.quantity} × {line.description}"
                        if line.quantity != 1
                        else line.description
                        for line in lines.get(r.id, ())
                    ),
                    note=r.note,
                    void_reason=r.void_reason,
                )
                for r in rows
            )
            entries = _with_holds(s, entries, ids_of_person)
            days = [r.local_day for r in rows if r.void_reason is None]
            brought = q.referrals_brought(s, ids_of_person)
            today = self._ctx.today()
            visits = VisitStats.from_visit_days(days, today, referrals_brought=brought)
            flag = self.standing.flag(visits)
            return CustomerCard(
                id=customer.id,
                display_name=customer.display_name,
                phone_masked=ids.mask_phone(customer.phone_e164),
                email_masked=ids.mask_email(customer.email),
                card_code=customer.card_code,
                consent_contact=customer.consent_contact,
                customer_since=min([customer.created_at.astimezone(self._ctx.tz).date(), *days]),
                visits=visits,
                greeting=greeting(visits, today),
                flag=flag,
                flag_method_note=self.standing.method_note(flag),
                notes=customer.notes,
                preferences=customer.preferences,
                timeline=entries,
                favourites=read_favourites(s, ids_of_person, rows, lines, self._ctx.tz),
            )

    # ----------------------------------------------------------------- writes
    def create(self, new: NewCustomer) -> uuid.UUID:
        """Add a customer; contact details are stored only with consent."""
        contact = self._clean_contact(
            ContactDetails(
                new.display_name, new.phone, new.email, new.card_code, new.consent_contact
            )
        )
        try:
            notes = ids.clean_note(new.notes, label="notes")
        except IdentifierError as exc:
            raise _to_invalid(exc) from exc
        customer = new_customer(self._ctx.now(), **contact, notes=notes)
        card = contact["card_code"]
        try:
            with self._ctx.db.write() as s:
                if card and q.card_in_use(s, card) is not None:
                    raise InvalidInputError("card", _CARD_TAKEN)
                add_customer(s, self._ctx, customer)
        except IntegrityError as exc:  # a concurrent register took the card first
            raise InvalidInputError("card", _CARD_TAKEN) from exc
        self.names.upsert(customer.id, customer.name_key)
        return customer.id

    def _clean_contact(self, given: ContactDetails) -> dict[str, Any]:
        """The checked column values of a name and contact details, as a new customer's
        and an edit's (same rules: the same validators, consent for phone or email)."""
        region = self._ctx.settings.store.region
        try:
            name = ids.clean_display_name(given.display_name)
            phone = ids.normalise_phone(given.phone, region) if given.phone.strip() else None
            email = ids.normalise_email(given.email) if given.email.strip() else None
            card = ids.normalise_card(given.card_code) if given.card_code.strip() else None
        except IdentifierError as exc:
            raise _to_invalid(exc) from exc
        if (phone or email) and not given.consent_contact:
            raise InvalidInputError(
                "consent",
                "Ask the customer whether we may keep their phone or email, and tick "
                "the consent box — or leave those fields empty.",
            )
        return {
            "display_name": name,
            "phone_e164": phone,
            "email": email,
            "card_code": card,
            "consent_contact": given.consent_contact,
        }

    def contact_details(self, customer_id: uuid.UUID) -> ContactDetails:
        """The current name, contact details and card, unmasked and *not* audited: for
        code that needs a value back (a script reading the card it just added), never for
        showing a person's details on screen — that is :meth:`reveal_contact`."""
        with self._ctx.db.read() as s:
            return _details(_live(s, customer_id))

    def reveal_contact(self, customer_id: uuid.UUID) -> ContactDetails:
        """The open customer's details in full, for the cashier who asked (Ctrl+I, or the
        edit dialog): a deliberate act, so it is written to the audit trail (who, which
        customer; never the details themselves) in the same transaction as the read.

        Any signed-in staff may reveal; the entry is what keeps it honest.
        """
        with self._ctx.db.write() as s:
            customer = _live(s, customer_id)
            audit_trail.record(s, self._ctx, "reveal", "customer", str(customer.id))
            return _details(customer)

    def edit(self, customer_id: uuid.UUID, given: ContactDetails) -> bool:
        """Correct a customer's name, phone, email or card; False if nothing changed.

        Only the fields that changed are written and sent, each with this write's
        clock, so an edit of the phone here and of the name elsewhere both survive.
        """
        values = self._clean_contact(given)
        card = values["card_code"]
        try:
            with self._ctx.db.write() as s:
                customer = _live(s, customer_id)
                changed = {f: v for f, v in values.items() if getattr(customer, f) != v}
                if not changed:
                    return False
                owner = q.card_in_use(s, card) if "card_code" in changed and card else None
                if owner is not None and owner.id != customer.id:
                    raise InvalidInputError("card", _CARD_TAKEN)
                for name, value in {**changed, **customer_derived(values)}.items():
                    setattr(customer, name, value)
                self._record_update(s, customer, changed)
        except IntegrityError as exc:  # a concurrent register took the card first
            raise InvalidInputError("card", _CARD_TAKEN) from exc
        self.names.upsert(customer_id, ids.name_key(values["display_name"]))
        return True

    def merge(self, merged_id: uuid.UUID, survivor_id: uuid.UUID) -> None:
        """Make two records of one person one: ``merged_id`` becomes an alias of the survivor.

        See ``services/corrections.py``; the merged name stays in the name index, where
        search answers it with the survivor.
        """
        require(self._ctx, "merge")
        from posassist.services.corrections import merge_customers

        with self._ctx.db.write() as s:
            merge_customers(s, self._ctx, merged_id, survivor_id)

    def _record_update(self, s: Session, customer: Customer, changed: dict[str, Any]) -> None:
        """Stamp the changed fields and queue the update op (last writer wins per field)."""
        customer.updated_at = self._ctx.now()
        stamp = self._ctx.stamp()
        customer.field_clocks = stamp_fields(customer.field_clocks or {}, changed, stamp)
        append_change(
            s, entity="customer", entity_id=customer.id, op="update", payload=changed, hlc=stamp
        )

    def update_notes(self, customer_id: uuid.UUID, notes: str, preferences: str) -> None:
        try:
            clean_notes = ids.clean_note(notes, label="notes")
            clean_prefs = ids.clean_note(preferences, label="preferences")
        except IdentifierError as exc:
            raise _to_invalid(exc) from exc
        with self._ctx.db.write() as s:
            customer = _live(s, customer_id)
            changed = {}
            if customer.notes != clean_notes:
                customer.notes = clean_notes
                changed["notes"] = clean_notes
            if customer.preferences != clean_prefs:
                customer.preferences = clean_prefs
                changed["preferences"] = clean_prefs
            if not changed:
                return
            self._record_update(s, customer, changed)


def _with_holds(
    s: Session, entries: tuple[TimelineEntry, ...], ids_of_person: list[uuid.UUID]
) -> tuple[TimelineEntry, ...]:
    """The timeline with the person's holds and their steps in it, newest first."""
    from posassist.services.hold_timeline import hold_entries

    held = hold_entries(s, ids_of_person)
    if not held:
        return entries
    return tuple(sorted((*entries, *held), key=lambda e: e.occurred_at, reverse=True))


def _details(customer: Customer) -> ContactDetails:
    return ContactDetails(
        customer.display_name,
        customer.phone_e164 or "",
        customer.email or "",
        customer.card_code or "",
        customer.consent_contact,
    )


def _live(s: Session, customer_id: uuid.UUID) -> Customer:
    """The customer (a merged id resolves to the survivor); refused if gone or erased."""
    customer = s.get(Customer, fixes.survivor_of(s, customer_id))
    if customer is None or customer.erased_at is not None:
        raise InvalidInputError("customer", "That customer no longer exists.")
    return customer


def _as_survivors(
    s: Session, scored: list[tuple[q.HitRow, str, float]]
) -> list[tuple[q.HitRow, str, float]]:
    """Hits on a merged customer become hits on the survivor; one row per person."""
    moved = fixes.survivors(s, [r.id for r, _how, _score in scored])
    rows = q.hits_by_ids(s, list(set(moved.values()))) if moved else {}
    best: dict[uuid.UUID, tuple[q.HitRow, str, float]] = {}
    for row, how, score in scored:
        if row.id in moved:
            if moved[row.id] not in rows:  # the survivor was erased
                continue
            row = rows[moved[row.id]]
        if row.id not in best or score > best[row.id][2]:
            best[row.id] = (row, how, score)
    return list(best.values())


def new_customer(now: datetime, **fields: Any) -> Customer:
    """A customer row not stored yet: the declared defaults, then ``fields``, then what
    derives from them (search key, last four digits)."""
    values = {**CUSTOMER_DEFAULTS, **fields}
    return Customer(
        id=uuid.uuid4(), **values, **customer_derived(values), created_at=now, updated_at=now
    )


def add_customer(s: Session, ctx: StoreContext, customer: Customer) -> None:
    """Store a new customer and the op that announces it, in the caller's transaction.

    Every synced field gets this write's clock. The cashier's "new customer", the sync
    bench and the sync tests all come through here, so what they queue is exactly what
    a register sends.
    """
    stamp = ctx.stamp()
    customer.field_clocks = dict.fromkeys(CUSTOMER_FIELDS, stamp)
    s.add(customer)
    append_change(
        s,
        entity="customer",
        entity_id=customer.id,
        op="insert",
        payload=customer_payload(customer),
        hlc=stamp,
    )


def customer_payload(c: Customer) -> dict[str, object]:
    """A new customer's insert op: the id, every synced field and when it was created."""
    return {"id": c.id, **{f: getattr(c, f) for f in CUSTOMER_FIELDS}, "created_at": c.created_at}

"""Matching one chunk's people to the store's customers (``load.py`` writes the result).

The order, for each person: their ``(source, external_id)`` and ``other_ids`` on record,
then their card, phone (E.164) and e-mail, then the customer whose id is derived from
their first key (a customer made by an earlier import of the same source, even if their
contact details were not kept), else a new customer with that derived id. Each kind of
key is asked of the store once per chunk (one ``IN (…)`` query), then the chunk is
matched in memory.

What a match changes (README, *How an import matches and writes*): only EMPTY fields of
the customer, never what the register already has: the card if none (and nobody else
holds it), the notes if none, and the phone and e-mail if none and the customer's own
consent is on record. The file never changes a name or a consent. A new customer keeps
the file's phone and e-mail only when the file records their consent (the register's
rule: contact details only with consent).

A phone or e-mail the customer's row does not hold (no consent on record, or the row
already has another) is still a key: it is recorded as a match-only key
(:mod:`posassist.domain.match_keys`, an external id of source ``phone-key`` /
``email-key``), never in clear, so the customer's next row from any export (a Shopify
order carrying the e-mail the customers export withheld) matches them instead of making
a second customer. Each such key recorded is counted as ``contacts_withheld``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import ColumnElement, bindparam, func, select, update
from sqlalchemy.orm import Session

from posassist.domain.lww import stamp_fields
from posassist.domain.match_keys import MATCH_SOURCES, match_key
from posassist.importers.load_rows import uuid5_hex
from posassist.importers.records import Person
from posassist.storage.corrections import survivors
from posassist.storage.orm import Customer, CustomerExternalId

__all__ = ["ERASED", "Known", "PeopleChunk", "one_of", "person_keys"]

ERASED = uuid.UUID(int=0)  # the "customer" of a person whose record was erased
Key = tuple[str, ...]  # ("ext", source, id) | ("card", c) | ("phone", p) | ("email", e)
# The customer column that holds each kind of key (a key counts once the row holds it).
_COLUMN = {"card": "card_code", "phone": "phone_e164", "email": "email"}
_PHONE_KEY, _EMAIL_KEY = MATCH_SOURCES["phone"], MATCH_SOURCES["email"]
_INFO = (
    Customer.id,
    Customer.erased_at,
    Customer.updated_at,
    Customer.phone_e164,
    Customer.email,
    Customer.card_code,
    Customer.notes,
    Customer.consent_contact,
    Customer.created_at,
)

_INFO_NAMES = tuple(c.key for c in _INFO)


class _Counts(Protocol):
    customers_new: int
    customers_matched: int
    contacts_withheld: int


def one_of(column: Any, values: Iterable[str]) -> ColumnElement[bool]:
    """``column IN (the values)`` with ONE bound parameter, a JSON array read by SQLite's
    ``json_each``: a chunk's few thousand keys in one query, far from SQLite's variable
    limit, and without SQLAlchemy expanding a bind parameter per value (most of the time
    of a large ``IN`` list). UUID columns take hex text, as SQLite stores them."""
    each = func.json_each(json.dumps(list(values))).table_valued("value")
    return cast("ColumnElement[bool]", column.in_(select(each.c.value)))


def person_keys(p: Person) -> list[Key]:
    """The keys ``p`` is matched by, in the matching order; a phone or e-mail twice: as
    the customer's own column, then as its match-only key (a contact not kept in clear)."""
    keys: list[Key] = []
    if p.external_id:
        keys.append(("ext", p.source, p.external_id))
    if p.other_ids:
        keys.extend(("ext", source, value) for source, value in p.other_ids if value)
    if p.card:
        keys.append(("card", p.card))
    if p.phone:
        keys.append(("phone", p.phone))
        keys.append(("ext", _PHONE_KEY, match_key("phone", p.phone)))
    if p.email:
        keys.append(("email", p.email))
        keys.append(("ext", _EMAIL_KEY, match_key("email", p.email)))
    return keys


def derived_id(namespace: uuid.UUID, keys: list[Key]) -> uuid.UUID | None:
    """A new customer's id, from their first key, so two registers importing the same
    export make the same customer. ``transactions`` keeps the first importer's form."""
    if keys:
        first = keys[0]
        ns = namespace.bytes
        if first[0] == "ext" and first[1] == "transactions":
            return uuid.UUID(hex=uuid5_hex(ns, f"customer:{first[2]}"))
        return uuid.UUID(hex=uuid5_hex(ns, "customer:" + ":".join(first)))
    return None  # a name alone is not a key: an anonymous sale, never a customer


@dataclass
class Known:
    """What the store already knows about one chunk's people, asked once per kind of key."""

    by_key: dict[Key, uuid.UUID] = field(default_factory=dict)
    ids: set[uuid.UUID] = field(default_factory=set)  # derived ids already stored
    survivor: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)
    info: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    keys_of: dict[int, tuple[list[Key], uuid.UUID | None]] = field(default_factory=dict)

    @classmethod
    def look_up(
        cls, s: Session, people: list[Person], now: datetime, namespace: uuid.UUID
    ) -> Known:
        k = cls()
        wanted: dict[str, set[str]] = {"card": set(), "phone": set(), "email": set()}
        ext: dict[str, set[str]] = {}
        derived: set[uuid.UUID] = set()
        for p in people:
            keys = person_keys(p)
            did = derived_id(namespace, keys)
            k.keys_of[id(p)] = (keys, did)
            if did is not None:
                derived.add(did)
            for key in keys:
                if key[0] == "ext":
                    ext.setdefault(key[1], set()).add(key[2])
                else:
                    wanted[key[0]].add(key[1])
        k._external(s, ext)
        for kind, values in wanted.items():
            k._contact(s, kind, values)
        col = Customer.id
        conn = s.connection()  # Core: the ORM's per-row work is not needed here
        k.ids.update(conn.scalars(select(col).where(one_of(col, (d.hex for d in derived)))))
        k._details(s)
        return k

    def _external(self, s: Session, ext: dict[str, set[str]]) -> None:
        t = CustomerExternalId
        for source, values in ext.items():
            stmt = select(t.external_id, t.customer_id).where(
                t.source == source, one_of(t.external_id, values)
            )
            for value, cid in s.connection().execute(stmt):
                self.by_key[("ext", source, value)] = cid

    def _contact(self, s: Session, kind: str, values: set[str]) -> None:
        """Who holds each card, phone or e-mail; of several, the oldest customer."""
        if not values:
            return
        col = getattr(Customer, _COLUMN[kind])
        stmt = (
            select(col, Customer.id)
            .where(one_of(col, values))
            .order_by(Customer.created_at, Customer.id)
        )
        for value, cid in s.connection().execute(stmt):
            self.by_key.setdefault((kind, value), cid)

    def _details(self, s: Session) -> None:
        """Merged customers resolved to the survivor, and the survivors' fields."""
        candidates = set(self.by_key.values()) | self.ids
        self.survivor = survivors(s, candidates)
        final = {self.survivor.get(c, c).hex for c in candidates}
        if final:
            stmt = select(*_INFO).where(one_of(Customer.id, final))
            for row in s.connection().execute(stmt):
                self.info[row[0]] = dict(zip(_INFO_NAMES, row, strict=True))


class PeopleChunk:
    """One chunk's matching: who each person is, the new customers, the external ids to
    record and the empty fields to fill."""

    def __init__(
        self,
        known: Known,
        namespace: uuid.UUID,
        matched: set[uuid.UUID],
        counts: _Counts,
        now: datetime,
    ) -> None:
        self.known = known
        self.namespace = namespace
        self.matched = matched  # the store's customers matched by this import so far
        self.counts = counts
        self.now = now
        self.local: dict[Key, uuid.UUID] = {}
        self.new: dict[uuid.UUID, dict[str, Any]] = {}
        self.unnamed: set[uuid.UUID] = set()  # new rows named by the loader, not the file
        self.externals: dict[Key, dict[str, Any]] = {}
        self.fills: dict[uuid.UUID, dict[str, Any]] = {}
        self.first_visits: dict[uuid.UUID, datetime] = {}  # matched, known since earlier

    def resolve(self, p: Person, born_at: datetime) -> uuid.UUID | None:
        """The customer ``p`` is (made new if nobody), :data:`ERASED`, or None when the
        file says nothing that could tell them apart (an anonymous sale)."""
        keys, derived = self.known.keys_of[id(p)]
        if derived is None:
            return None
        cid = self._match(keys, derived)
        if cid is None:
            cid = derived
            self.new[cid] = self._new_row(p, cid, born_at)
            self.counts.customers_new += 1
            holder = self.new[cid]
        elif cid in self.new:
            holder = self.new[cid]
            self._fill_new(cid, holder, p, born_at)
        else:
            holder = self.known.info[cid]
            if holder["erased_at"] is not None:
                self._remember(keys, ERASED, None)
                return ERASED
            if cid not in self.matched and holder["updated_at"] != self.now:
                self.matched.add(cid)  # updated_at == now: made earlier in this import
                self.counts.customers_matched += 1
            self._fill_existing(cid, holder, p)
            if p.first_seen is not None and born_at < holder["created_at"]:
                holder["created_at"] = self.first_visits[cid] = born_at
        self._remember(keys, cid, holder)
        self._record_externals(keys, cid, born_at, _kept_in_clear(p, holder))
        return cid

    def _match(self, keys: list[Key], derived: uuid.UUID) -> uuid.UUID | None:
        known = self.known
        for key in keys:
            cid = known.by_key.get(key)
            if cid is not None:
                return known.survivor.get(cid, cid)
            cid = self.local.get(key)
            if cid is not None:
                return cid
        if derived in known.ids:
            return known.survivor.get(derived, derived)
        return derived if derived in self.new else None

    def _remember(self, keys: list[Key], cid: uuid.UUID, holder: dict[str, Any] | None) -> None:
        """Later people of the chunk find ``cid`` by the keys its row now holds (exactly
        what the next chunk's queries will find in the store)."""
        for key in keys:
            kind = key[0]
            if kind == "ext" or (holder is not None and holder.get(_COLUMN[kind]) == key[1]):
                self.local.setdefault(key, cid)

    def _record_externals(
        self, keys: list[Key], cid: uuid.UUID, at: datetime, in_clear: frozenset[str]
    ) -> None:
        """Each new id of the person in a source, dated by the record that brought it
        (not by the clock), so every register importing the file makes the same row;
        a match-only key only for a contact the customer's row does not hold
        (``in_clear``: the sources of the contacts it holds)."""
        for key in keys:
            if key[0] != "ext" or key in self.known.by_key or key in self.externals:
                continue
            _, source, value = key
            if source in in_clear:
                continue
            if source in (_PHONE_KEY, _EMAIL_KEY):
                self.counts.contacts_withheld += 1
            self.externals[key] = {
                "id": uuid.uuid5(self.namespace, f"external:{source}:{value}"),
                "source": source,
                "external_id": value,
                "customer_id": cid,
                "created_at": at,
            }

    def _new_row(self, p: Person, cid: uuid.UUID, born_at: datetime) -> dict[str, Any]:
        consent = p.consent is True
        name = (p.display_name or "").strip()[:200]
        if not name:
            name = _made_up_name(p, cid)
            self.unnamed.add(cid)
        return {
            "id": cid,
            "display_name": name,
            "phone_e164": p.phone if consent else None,
            "email": p.email if consent else None,
            "card_code": p.card,
            "consent_contact": consent,
            "notes": p.notes,
            "preferences": "",
            "referred_by_id": None,
            "created_at": born_at,
            "updated_at": self.now,
            "erased_at": None,
        }

    def _fill_new(self, cid: uuid.UUID, row: dict[str, Any], p: Person, born_at: datetime) -> None:
        """A second row of a customer made in this chunk: still unsaved, so the file's
        name replaces a made-up one, and the earliest time is their first."""
        if cid in self.unnamed and p.display_name and p.display_name.strip():
            row["display_name"] = p.display_name.strip()[:200]
            self.unnamed.discard(cid)
        row["created_at"] = min(row["created_at"], born_at)
        if p.consent is True and not row["consent_contact"]:
            row["consent_contact"] = True
        self._empty_fields(cid, row, p)

    def _fill_existing(self, cid: uuid.UUID, info: dict[str, Any], p: Person) -> None:
        changed = self._empty_fields(cid, info, p)
        if changed:
            self.fills.setdefault(cid, {}).update(changed)

    def _empty_fields(self, cid: uuid.UUID, holder: dict[str, Any], p: Person) -> dict[str, Any]:
        """The fields ``p`` fills in ``holder`` (set there too); see the module."""
        changed: dict[str, Any] = {}
        if holder["consent_contact"]:
            if p.phone and not holder["phone_e164"]:
                changed["phone_e164"] = p.phone
            if p.email and not holder["email"]:
                changed["email"] = p.email
        if p.card and not holder["card_code"] and self._card_free(p.card, cid):
            changed["card_code"] = p.card
        if p.notes and not holder["notes"]:
            changed["notes"] = p.notes
        holder.update(changed)
        return changed

    def _card_free(self, card: str, cid: uuid.UUID) -> bool:
        owner = self.known.by_key.get(("card", card)) or self.local.get(("card", card))
        return owner is None or owner == cid

    def write_first_visits(self, s: Session) -> None:
        """A matched customer's ``created_at`` moved back to the file's ``First Visit``
        (Square's directory) when the register knew them only since later: one
        executemany. Not a field write (``created_at`` has no clock and does not travel
        by sync): every register importing the file makes the same change."""
        if self.first_visits:
            stmt = (
                update(Customer)
                .where(Customer.id == bindparam("b_id"))
                .values(created_at=bindparam("b_at"))
            )
            rows = [{"b_id": cid, "b_at": at} for cid, at in self.first_visits.items()]
            s.connection().execute(stmt, rows)

    def updates(
        self, s: Session, stamp: Any
    ) -> list[tuple[uuid.UUID, dict[str, Any], dict[str, str], str]]:
        """(customer, fields filled, their new clocks, the stamp) per matched customer."""
        clocks_of: dict[uuid.UUID, dict[str, str]] = {}
        if self.fills:
            wanted = one_of(Customer.id, (cid.hex for cid in self.fills))
            stmt = select(Customer.id, Customer.field_clocks).where(wanted)
            clocks_of.update((cid, clocks or {}) for cid, clocks in s.connection().execute(stmt))
        out = []
        for cid, changed in self.fills.items():
            hlc = stamp()
            out.append((cid, changed, stamp_fields(clocks_of.get(cid, {}), changed, hlc), hlc))
        return out


def _kept_in_clear(p: Person, holder: dict[str, Any]) -> frozenset[str]:
    """The match-only sources not needed for ``p``: their phone or e-mail is the one the
    customer's row holds in clear (found by that column already)."""
    phone = bool(p.phone) and holder.get("phone_e164") == p.phone
    email = bool(p.email) and holder.get("email") == p.email
    if phone:
        return _BOTH if email else _PHONE_ONLY
    return _EMAIL_ONLY if email else _NEITHER


# The four answers, made once (a frozenset per person: 1.7 % of the py-spy samples of
# the bench's 1,000,000-row import).
_BOTH = frozenset((_PHONE_KEY, _EMAIL_KEY))
_PHONE_ONLY, _EMAIL_ONLY = frozenset((_PHONE_KEY,)), frozenset((_EMAIL_KEY,))
_NEITHER: frozenset[str] = frozenset()


def _made_up_name(p: Person, cid: uuid.UUID) -> str:
    """A name for a person the file does not name, from what it does say: their id in
    the source, else their card; a phone or e-mail becomes a name only with their consent
    (else it would be kept without it); else "Imported customer" and a short id."""
    if p.external_id:
        if p.source == "transactions":
            return f"Customer {p.external_id}"[:200]  # the first importer's names
        return f"{p.source.split(':')[0].title()} customer {p.external_id}"[:200]
    if p.card:
        return f"Card {p.card}"
    if p.consent is True and (p.email or p.phone):
        return str(p.email or p.phone)[:200]
    return f"Imported customer {cid.hex[:8]}"

"""A deterministic, believable store for the demo and the benchmark.

The same seed and "today" always give the same store. The customer mix is chosen to
exercise what posassist is for: weekly regulars who spend little, one-time big
spenders, regulars who stopped coming, people who only ever came for help, and a
long tail of occasional visitors. One scale parameter takes it from a 2,000-customer
demo to the 100,000-customer / 1,000,000-interaction benchmark store.

Rows are written with plain ``executemany`` on the DB-API connection: going through the
ORM for a million rows would take minutes, and this is seed data (it creates no outbox
rows: it was never a change made at a register).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, column, insert, table
from sqlalchemy.dialects import sqlite

from posassist.devtools.demo import picks
from posassist.devtools.demo.words import (
    ADJECTIVES,
    AREA_CODES,
    CATEGORIES,
    DEMO_CASHIER_PIN,
    DEMO_MANAGER_PIN,
    DEMO_STAFF_NAMES,
    FIRST,
    LAST,
    NOTES,
    PATTERNS,
    SPECIAL_NAMES,
    STREETS,
    VENDOR_KINDS,
)
from posassist.domain.catalog import product_id, stock_id
from posassist.domain.fields import (
    CUSTOMER_DEFAULTS,
    CUSTOMER_DERIVED,
    CUSTOMER_FIELDS,
    VENDOR,
    VENDOR_FIELDS,
)
from posassist.domain.identifiers import name_key
from posassist.domain.pins import hash_pin


@dataclass(frozen=True)
class DemoSpec:
    """How big a store to build."""

    customers: int = 2_000
    products: int = 300
    vendors: int = 24
    branches: int = 3
    seed: int = 20_26
    chain_name: str = "Corner & Co."
    timezone: str = "America/New_York"

    @classmethod
    def bench(cls) -> DemoSpec:
        return cls(customers=100_000, products=5_000, vendors=300, branches=5)


@dataclass
class DemoCounts:
    customers: int = 0
    interactions: int = 0
    purchase_lines: int = 0
    products: int = 0
    vendors: int = 0
    branches: int = 0


def _insert_sql(name: str, columns: Sequence[str]) -> str:
    """The DB-API INSERT of exactly ``columns`` (``?`` placeholders); the rest take the
    table's server defaults."""
    stmt = insert(table(name, *(column(c) for c in columns)))
    return str(stmt.compile(dialect=sqlite.dialect()))


# The synced fields come from their declarations (domain/fields.py), in that order.
_VENDOR_COLUMNS = ("id", *VENDOR_FIELDS)
_CUSTOMER_COLUMNS = (
    "id",
    *CUSTOMER_FIELDS,
    *CUSTOMER_DERIVED,
    "created_at",
    "updated_at",
    "erased_at",
)


def _ts(dt: datetime) -> str:
    """SQLAlchemy's SQLite DateTime storage format, naive UTC."""
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


class _Builder:
    def __init__(
        self, conn: Connection, spec: DemoSpec, today: date | None, now: datetime | None
    ) -> None:
        raw = conn.connection.driver_connection
        assert raw is not None
        self.raw: Any = raw
        self.spec = spec
        self.rng = random.Random(spec.seed)
        self._uuid_rng = random.Random(spec.seed + 1)
        self.tz = ZoneInfo(spec.timezone)
        self.today, self.now = _latest(today, self.tz, now)
        """Nothing in the demo happens after ``now``: a visit "later today" would be a lie;
        no visit day is after ``today``, the store's local date then."""
        self.counts = DemoCounts()

    def _uuid(self) -> str:
        """Seeded ids, so the same seed gives byte-identical stores."""
        return uuid.UUID(int=self._uuid_rng.getrandbits(128), version=4).hex

    def many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            self.raw.executemany(sql, rows)

    # -------------------------------------------------------------- reference
    def branches(self) -> list[tuple[str, str, str]]:
        names = ("Downtown", "Riverside", "Northgate", "Harbour", "Westfield", "Old Town")
        out = []
        for i in range(self.spec.branches):
            bid = self._uuid()
            name = f"{self.spec.chain_name} {names[i % len(names)]}"
            phone = f"+1 (212) 555-01{i:02d}"
            out.append((bid, f"B{i + 1:02d}", name))
            self.many(
                "INSERT INTO branch (id, code, name, address, phone, timezone, hours) "
                "VALUES (?,?,?,?,?,?,?)",
                [
                    (
                        bid,
                        f"B{i + 1:02d}",
                        name,
                        f"{10 + i * 7} {STREETS[i % 7]}",
                        phone,
                        self.spec.timezone,
                        "Mo-Fr 09:00-19:00; Sa 10:00-17:00; Su closed",
                    )
                ],
            )
        self.counts.branches = len(out)
        return out

    def staff(self, branches: list[tuple[str, str, str]]) -> dict[str, list[str]]:
        """Three named accounts per branch with the PINs the README lists (DEMO_STAFF)."""
        by_branch: dict[str, list[str]] = {}
        rows = []
        manager, cashier = hash_pin(DEMO_MANAGER_PIN), hash_pin(DEMO_CASHIER_PIN)
        for i, (bid, code, _name) in enumerate(branches):
            names = (
                DEMO_STAFF_NAMES[i]
                if i < len(DEMO_STAFF_NAMES)
                else tuple(f"Staff {code} {j}" for j in (1, 2, 3))
            )
            ids = []
            for j, name in enumerate(names):
                sid = self._uuid()
                role = "manager" if j == 0 else "cashier"
                rows.append((sid, bid, name, role, manager if j == 0 else cashier, 1))
                ids.append(sid)
            by_branch[bid] = ids
        self.many(
            "INSERT INTO staff (id, branch_id, name, role, pin_hash, active) VALUES (?,?,?,?,?,?)",
            rows,
        )
        return by_branch

    def products(self, branches: list[tuple[str, str, str]]) -> list[tuple[str, str, int]]:
        rows = []
        catalog: list[tuple[str, str, int]] = []
        cats = list(CATEGORIES)
        for i in range(self.spec.products):
            cat = cats[i % len(cats)]
            noun = self.rng.choice(CATEGORIES[cat])
            name = _product_name(self.rng.choice(ADJECTIVES), noun)
            if i >= len(cats) * 20:
                name += f" no. {i}"
            sku = f"SKU{i:06d}"
            price = self.rng.choice((299, 499, 899, 1299, 1999, 2999, 4999, 8999, 14999))
            carried = 1 if self.rng.random() < 0.8 else 0
            pid = product_id(sku).hex  # the synced id: every register's demo agrees on it
            rows.append((pid, sku, name, cat, noun, carried, price, f"Aisle {1 + i % 12}"))
            catalog.append((sku, name, price))
        self.many(
            "INSERT INTO product (id, sku, name, category, keywords, carried, price_minor, "
            "location) VALUES (?,?,?,?,?,?,?,?)",
            rows,
        )
        stock = []
        carried_skus = {r[1] for r in rows if r[5]}
        for b, (bid, _c, _n) in enumerate(branches):
            for n, (sku, _name, _price) in enumerate(catalog):
                if self.rng.random() < 0.7:
                    on_hand = self.rng.randint(0, 40)  # drawn either way: same seed, same store
                    if sku in carried_skus:  # a product we do not carry has no stock of ours
                        as_of = _ts(self._counted_at(b, len(branches), n))
                        stock.append((stock_id(bid, sku).hex, bid, sku, on_hand, as_of))
        self.many(
            "INSERT INTO branch_stock (id, branch_id, sku, on_hand, as_of) VALUES (?,?,?,?,?)",
            stock,
        )
        self.many(picks.INSERT, picks.demo_picks(rows, cats, [b[0] for b in branches]))
        self.counts.products = len(rows)
        return catalog

    def _counted_at(self, branch: int, branches: int, n: int) -> datetime:
        """When a branch last counted: hours ago, the last branch days ago (ages show)."""
        if branch == branches - 1 and branches > 1:
            ago = timedelta(days=3, hours=2)
        else:
            ago = timedelta(hours=1 + 2 * branch)
        return self.now - ago - timedelta(minutes=(n * 7) % 50)

    def vendors(self) -> None:
        kinds = VENDOR_KINDS
        rows = []
        names: set[str] = set()
        for i in range(self.spec.vendors):
            suffix, cat, kw = kinds[i % len(kinds)]
            owner = self.rng.choice(LAST)
            name = f"{owner}'s {suffix}"
            if i >= len(kinds) * 3 or name in names:  # no two partners share a name
                name = f"{owner}'s {suffix} #{i}"
            names.add(name)
            hours = self.rng.choice(
                ("Mo-Fr 09:00-18:00; Sa 10:00-16:00; Su closed", "Mo-Sa 10:00-19:00", "24/7")
            )
            row = {
                **{f.name: f.default for f in VENDOR},
                "id": self._uuid(),
                "name": name,
                "address": f"{self.rng.randint(1, 400)} {self.rng.choice(STREETS)}",
                "phone": f"+1 (718) 555-{self.rng.randint(0, 9999):04d}",
                "website": f"https://example.com/{name_key(name).replace(' ', '-')}",
                "hours": hours,
                "categories": cat,
                "keywords": kw,
            }
            rows.append(tuple(row[c] for c in _VENDOR_COLUMNS))
        self.many(_insert_sql("vendor", _VENDOR_COLUMNS), rows)
        self.counts.vendors = len(rows)

    # -------------------------------------------------------------- customers
    def _visit_days(self, pattern: str) -> list[date]:
        rng, today = self.rng, self.today
        if pattern == "big_once":
            return [today - timedelta(days=rng.randint(1, 700))]
        if pattern == "new":
            start = today - timedelta(days=rng.randint(0, 25))
            return sorted(
                {
                    start + timedelta(days=rng.randint(0, (today - start).days))
                    for _ in range(rng.randint(1, 3))
                }
            )
        if pattern in ("weekly", "help_only"):
            start = today - timedelta(days=rng.randint(60, 500))
            end = today - timedelta(days=rng.randint(0, 6))
            mean_gap = rng.uniform(6, 10)
        elif pattern == "lapsed":
            start = today - timedelta(days=rng.randint(300, 700))
            end = today - timedelta(days=rng.randint(90, 250))
            mean_gap = rng.uniform(6, 14)
        elif pattern == "daily":
            start = today - timedelta(days=500)
            end = today
            mean_gap = 1.3
        else:  # occasional: simulated the BG/NBD way (Poisson visits, dropout after each)
            start = today - timedelta(days=rng.randint(30, 700))
            rate = rng.gammavariate(0.8, 1 / 30)  # visits per day, varies by person
            drop = rng.betavariate(0.9, 3.0)  # chance of never coming back after a visit
            days = [start]
            at = float(start.toordinal())
            while rng.random() >= drop:
                at += rng.expovariate(max(rate, 1e-4))
                if at > today.toordinal():
                    break
                days.append(date.fromordinal(int(at)))
            return sorted(set(days))
        days = []
        day = start
        while day <= end:
            days.append(day)
            day += timedelta(days=max(1, round(rng.expovariate(1 / mean_gap))))
        return days

    def customers(
        self,
        branches: list[tuple[str, str, str]],
        staff: dict[str, list[str]],
        catalog: list[tuple[str, str, int]],
    ) -> None:
        rng = self.rng
        names, weights = zip(*PATTERNS, strict=True)
        branch_ids = [b[0] for b in branches]
        home_weights = [5] + [1] * (len(branch_ids) - 1)
        cust_rows: list[tuple[Any, ...]] = []
        inter_rows: list[tuple[Any, ...]] = []
        line_rows: list[tuple[Any, ...]] = []
        ids: list[str] = []
        for n in range(self.spec.customers):
            cid = self._uuid()
            pattern = "daily" if n == 7 else rng.choices(names, weights)[0]
            row, days = self._customer_row(n, cid, pattern, ids)
            home = rng.choices(branch_ids, home_weights)[0]
            cust_rows.append(row)
            ids.append(cid)
            for day in days:
                branch = home if rng.random() < 0.9 else rng.choice(branch_ids)
                at = datetime.combine(
                    day, time(rng.randint(9, 19), rng.randint(0, 59), rng.randint(0, 59)), self.tz
                )
                kinds = self._kinds(pattern)
                when = self._not_later_than_now(at, len(kinds))
                if when is None:
                    continue
                at = when
                for k, kind in enumerate(kinds):
                    iid = self._uuid()
                    basket, note = self._content(iid, kind, pattern, catalog, line_rows)
                    inter_rows.append(
                        (
                            iid,
                            cid,
                            branch,
                            None,
                            rng.choice(staff[branch]),
                            _ts(at + timedelta(minutes=k)),
                            day.isoformat(),
                            kind,
                            basket,
                            note,
                        )
                    )
            if len(inter_rows) > 50_000:
                self._flush(cust_rows, inter_rows, line_rows)
        self._flush(cust_rows, inter_rows, line_rows)

    def _not_later_than_now(self, at: datetime, n: int) -> datetime | None:
        """``at``, moved back so its ``n`` interactions (a minute apart) end by now; None
        when that would leave its day (a demo built just after midnight)."""
        latest = self.now - timedelta(minutes=n)
        if at <= latest:
            return at
        return latest if latest.date() == at.date() else None

    def _customer_row(
        self, n: int, cid: str, pattern: str, earlier: list[str]
    ) -> tuple[tuple[Any, ...], list[date]]:
        """The ``n``-th customer's row and visit days; a few were referred by ``earlier`` ones."""
        rng = self.rng
        if n < len(SPECIAL_NAMES):
            display = SPECIAL_NAMES[n]
        else:
            display = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        phone = None
        if rng.random() < 0.85:
            phone = f"+1{rng.choice(AREA_CODES)}555{rng.randint(0, 9999):04d}"
        email = None
        if rng.random() < 0.4:
            email = f"{name_key(display).replace(' ', '.') or 'customer'}{n}@example.com"
        card = f"PA{n:08d}" if rng.random() < 0.6 else None
        referred = earlier[rng.randrange(len(earlier))] if earlier and rng.random() < 0.03 else None
        days = self._visit_days(pattern)
        first_at = datetime.combine(days[0], time(9), self.tz) if days else None
        created = _ts(min(first_at, self.now) if first_at else self.now)
        row = {
            **CUSTOMER_DEFAULTS,
            "id": cid,
            "display_name": display,
            "name_key": name_key(display),
            "phone_e164": phone,
            "phone_last4": phone[-4:] if phone else None,
            "email": email,
            "card_code": card,
            "consent_contact": 1 if (phone or email) else 0,
            "referred_by_id": referred,
            "created_at": created,
            "updated_at": created,
            "erased_at": None,
        }
        return tuple(row[c] for c in _CUSTOMER_COLUMNS), days

    def _kinds(self, pattern: str) -> list[str]:
        """What happened on one visit: mostly a purchase (help for "help_only"), sometimes
        feedback as well."""
        rng = self.rng
        kinds = ["service" if pattern == "help_only" else "purchase"]
        if pattern == "help_only" and rng.random() < 0.4:
            kinds = ["question"]
        elif pattern != "help_only" and rng.random() < 0.12:
            kinds = [rng.choice(("service", "question"))]
        if rng.random() < 0.05:
            kinds.append("feedback")
        return kinds

    def _content(
        self,
        iid: str,
        kind: str,
        pattern: str,
        catalog: list[tuple[str, str, int]],
        line_rows: list[tuple[Any, ...]],
    ) -> tuple[int | None, str]:
        """An interaction's basket (adding its purchase lines to ``line_rows``) and note.

        Regulars buy one cheap thing, one-time big spenders one expensive basket: the
        model must flag the first and not the second.
        """
        rng = self.rng
        if kind == "purchase":
            n_lines = 1 if pattern in ("weekly", "daily") else rng.randint(1, 3)
            basket = 0
            for pos in range(n_lines):
                sku, pname, price = catalog[rng.randrange(len(catalog))]
                if pattern in ("weekly", "daily"):
                    price = rng.choice((150, 250, 300, 450))
                elif pattern == "big_once":
                    price = rng.randint(15_000, 90_000)
                basket += price
                line_rows.append((self._uuid(), iid, pos, sku, pname, 1, price))
            return basket, ""
        return None, rng.choice(NOTES[kind])

    def _flush(self, cust: list[Any], inter: list[Any], lines: list[Any]) -> None:
        self.many(_insert_sql("customer", _CUSTOMER_COLUMNS), cust)
        self.many(
            "INSERT INTO interaction (id, customer_id, branch_id, register_id, staff_id, "
            "occurred_at, local_day, kind, basket_minor, note) VALUES (?,?,?,?,?,?,?,?,?,?)",
            inter,
        )
        self.many(
            "INSERT INTO purchase_line (id, interaction_id, position, sku, description, "
            "quantity, unit_minor) VALUES (?,?,?,?,?,?,?)",
            lines,
        )
        self.counts.customers += len(cust)
        self.counts.interactions += len(inter)
        self.counts.purchase_lines += len(lines)
        cust.clear()
        inter.clear()
        lines.clear()


def _product_name(adjective: str, noun: str) -> str:
    """``adjective noun``, never a word twice ("Travel travel guide"): an adjective the
    noun already has gives way to the next one (no extra draw: the store stays the same)."""
    words = set(noun.casefold().split())
    at = ADJECTIVES.index(adjective)
    while adjective.casefold() in words:
        at = (at + 1) % len(ADJECTIVES)
        adjective = ADJECTIVES[at]
    return f"{adjective} {noun}"


def _latest(today: date | None, tz: ZoneInfo, now: datetime | None) -> tuple[date, datetime]:
    """The demo's last day and "now": never later than ``now`` (the wall clock unless
    given), and never a day after its date *in the store's timezone*.

    ``today`` None is that local date. A ``today`` before it gives the end of that day
    (a store built for another day is whole); one after it (a UTC or the machine's date,
    ahead of the store's evening west of UTC) is the local date, not a day to come.
    """
    real = (now if now is not None else datetime.now(UTC)).astimezone(tz).replace(microsecond=0)
    if today is None or today >= real.date():
        return real.date(), real
    return today, datetime.combine(today, time(23, 59, 59), tz)


def build_demo_store(
    conn: Connection, spec: DemoSpec, today: date | None = None, now: datetime | None = None
) -> DemoCounts:
    """Fill an empty, migrated store. The caller owns the transaction.

    Deterministic for a given ``spec``, ``today`` and ``now`` (see :func:`_latest`).
    """
    builder = _Builder(conn, spec, today, now)
    branches = builder.branches()
    staff = builder.staff(branches)
    catalog = builder.products(branches)
    builder.vendors()
    builder.customers(branches, staff, catalog)
    if len(branches) > 1:
        from posassist.devtools.demo.holds import demo_holds

        demo_holds(builder.raw, builder.rng, builder._uuid, branches, catalog, builder.now)
    return builder.counts

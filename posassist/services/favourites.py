"""This customer's favourites, read with the card in the card's own session.

What a cashier can offer at once: what the customer buys most often, "the same as last
time?" with the last purchase's items, what they asked for before that we did not have,
and what other customers bought with their favourite item. All of it comes from the
purchase lines the card already read, the person's unmet asks and referrals (indexed by
customer) and the derived co-purchase table; voided interactions do not count.

A line is one product by its SKU when it has one (named from the catalog when the
catalog knows it), else by its description.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, tzinfo

from sqlalchemy.orm import Session

from posassist.domain.finder_text import normalise_text
from posassist.services.also_bought import AlsoBought, as_suggestions
from posassist.storage import co_purchase as cp
from posassist.storage import queries as q

SHOWN = 3  # items per list on the card: a 1024×768 card has room for one line each
MIN_TIMES = 2  # "most often" means bought in at least two baskets; once is "last time"
_ASKS_READ = 20


@dataclass(frozen=True, slots=True)
class FavouriteItem:
    sku: str | None
    name: str
    times: int  # how many (counted) baskets it was in
    last_bought: date


@dataclass(frozen=True, slots=True)
class AskedItem:
    item: str
    asked_on: date


@dataclass(frozen=True, slots=True)
class Favourites:
    most_often: tuple[FavouriteItem, ...] = ()
    last_time: tuple[str, ...] = ()  # the last counted purchase's items, as on the receipt
    last_time_on: date | None = None
    asked_before: tuple[AskedItem, ...] = ()
    also_bought_for: str = ""  # the item the suggestions are for (the top favourite)
    also_bought: tuple[AlsoBought, ...] = ()


@dataclass
class _Tally:
    sku: str | None
    description: str
    times: int
    last_bought: date


def _key(line: q.LineRow) -> str:
    return line.sku if line.sku else f"~{line.description.strip().casefold()}"


def _item_text(name: str, quantity: int) -> str:
    return f"{quantity} × {name}" if quantity != 1 else name


def _tally_baskets(
    timeline: Sequence[q.TimelineRow], lines: Mapping[uuid.UUID, list[q.LineRow]]
) -> tuple[dict[str, _Tally], list[q.LineRow], date | None]:
    """In how many counted baskets each item was (and when last), and the newest basket."""
    tallies: dict[str, _Tally] = {}
    last: list[q.LineRow] = []
    last_on: date | None = None
    for row in timeline:
        basket = lines.get(row.id, ())
        if row.void_reason is not None or not basket:
            continue
        if last_on is None:
            last, last_on = list(basket), row.local_day
        for key, line in {_key(line): line for line in basket}.items():
            tally = tallies.get(key)
            if tally is None:
                tallies[key] = _Tally(line.sku, line.description, 1, row.local_day)
            else:
                tally.times += 1
    return tallies, last, last_on


def read_favourites(
    s: Session,
    customer_ids: Sequence[uuid.UUID],
    timeline: Sequence[q.TimelineRow],
    lines: Mapping[uuid.UUID, list[q.LineRow]],
    tz: tzinfo,
) -> Favourites:
    """The favourites of one person from the card's timeline (newest first) and lines."""
    tallies, last, last_on = _tally_baskets(timeline, lines)
    ranked = sorted(
        (t for t in tallies.values() if t.times >= MIN_TIMES),
        key=lambda t: (-t.times, -t.last_bought.toordinal(), t.description),
    )[:SHOWN]
    top = next((t for t in ranked if t.sku), None) or next((ln for ln in last if ln.sku), None)
    # Only what is shown is named: a long history has hundreds of SKUs, the card a handful.
    shown = {t.sku for t in ranked} | {ln.sku for ln in last}
    names = cp.product_names(s, sorted(sku for sku in shown if sku))

    def name_of(sku: str | None, description: str) -> str:
        return names.get(sku, description) if sku else description

    most = tuple(
        FavouriteItem(t.sku, name_of(t.sku, t.description), t.times, t.last_bought) for t in ranked
    )
    suggestions: tuple[AlsoBought, ...] = ()
    top_name = ""
    if top is not None and top.sku:
        top_name = name_of(top.sku, top.description)
        suggestions = as_suggestions(cp.also_bought(s, [top.sku], SHOWN)[top.sku])
    return Favourites(
        most_often=most,
        last_time=tuple(_item_text(name_of(ln.sku, ln.description), ln.quantity) for ln in last),
        last_time_on=last_on,
        asked_before=_asked_before(s, customer_ids, tz),
        also_bought_for=top_name,
        also_bought=suggestions,
    )


def _asked_before(
    s: Session, customer_ids: Sequence[uuid.UUID], tz: tzinfo
) -> tuple[AskedItem, ...]:
    """The newest asks, one per item (a slip records an unmet ask and a referral for one)."""
    seen: set[str] = set()
    out: list[AskedItem] = []
    for ask in q.asks_of_customer(s, customer_ids, _ASKS_READ):
        keys = {k for k in (ask.item_key, normalise_text(ask.item)) if k}
        if keys & seen:
            continue
        seen |= keys
        out.append(AskedItem(ask.item, ask.asked_at.astimezone(tz).date()))
        if len(out) == SHOWN:
            break
    return tuple(out)

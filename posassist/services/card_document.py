"""The card as one JSON-ready document: what ``posassist customer show --json`` prints and
what a customer's data export carries as the card's own words (``customer_export.py``).

Contact details stay masked here, as on the card; the export's rows carry them in full.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, tzinfo
from typing import Any

from posassist.services.customers import CustomerCard
from posassist.services.holds import HoldView

__all__ = ["card_document", "hold_entry"]


def _day(d: date | None) -> str | None:
    return d.isoformat() if d else None


def hold_entry(h: HoldView, tz: tzinfo) -> dict[str, Any]:
    """One hold as the customer would be told of it: the code on their slip, where it is
    held, how far it got, whether it comes here, and the day it is kept until (local, as
    the slip prints it)."""
    return {
        "code": h.code,
        "sku": h.sku,
        "product": h.product_name,
        "holding_branch": h.holding_branch,
        "state": h.state,
        "relay": h.relay,
        "until": h.expires_at.astimezone(tz).date().isoformat(),
    }


def card_document(card: CustomerCard, holds: Sequence[HoldView], tz: tzinfo) -> dict[str, Any]:
    """The card as one JSON-ready document, in sections (issue 11: "visits, standing with
    its reasons, favourites, holds"); ``holds`` from ``HoldService.for_customer``, newest
    first, their "until" day in the store's ``tz``."""
    v, fav = card.visits, card.favourites
    return {
        "id": str(card.id),
        "name": card.display_name,
        "phone": card.phone_masked or None,  # masked, as on the card
        "email": card.email_masked or None,
        "card_code": card.card_code,
        "customer_since": card.customer_since.isoformat(),
        "greeting": card.greeting,
        "visits": {
            "total": v.visit_days_total,
            "last_90_days": v.visit_days_90d,
            "last_visit": _day(v.last_visit),
            "usual_interval_days": v.usual_interval_days,
            "referrals_brought": v.referrals_brought,
        },
        "standing": {
            "tier": card.flag.tier.value,
            "badges": [b.value for b in card.flag.badges],
            "reasons": card.flag.reasons,
            "method": card.flag_method_note,
        },
        "favourites": {
            "most_often": [
                {"sku": f.sku, "name": f.name, "times": f.times, "last_bought": _day(f.last_bought)}
                for f in fav.most_often
            ],
            "last_time": {"on": _day(fav.last_time_on), "items": list(fav.last_time)},
            "asked_before": [
                {"item": a.item, "asked_on": a.asked_on.isoformat()} for a in fav.asked_before
            ],
            "also_bought": {
                "for": fav.also_bought_for or None,
                "items": [
                    {"sku": a.sku, "name": a.name, "customers": a.customers}
                    for a in fav.also_bought
                ],
            },
        },
        "holds": [hold_entry(h, tz) for h in holds],
        "notes": card.notes,
        "preferences": card.preferences,
    }

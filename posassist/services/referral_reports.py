"""The two referral reports: the goodwill ledger per partner, and unmet demand by item.

The ledger shows whether a partnership is mutual (referrals sent against received); the
demand report shows what customers keep asking for that the store does not carry, against
the period before.  Both read one session and return plain rows the UI shows and the CSV
export writes; :class:`~posassist.services.referrals.ReferralService` is their entry point.
"""

from __future__ import annotations

import collections
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from posassist.domain.finder_text import normalise_text
from posassist.errors import InvalidInputError
from posassist.services.context import StoreContext
from posassist.services.csv_files import write_csv
from posassist.storage.base import as_utc
from posassist.storage.orm import Referral, UnmetDemand, Vendor

__all__ = [
    "DEMAND_CSV_COLUMNS",
    "LEDGER_CSV_COLUMNS",
    "TREND_THRESHOLD",
    "DemandRow",
    "LedgerRow",
    "export_demand_csv",
    "export_ledger_csv",
    "goodwill_ledger",
    "unmet_demand",
]

TREND_THRESHOLD = 0.2
"""A change under 20 % between two periods reads as "steady": small counts are noisy."""

LEDGER_CSV_COLUMNS = ("vendor", "sent", "received", "ratio", "last activity")
DEMAND_CSV_COLUMNS = (
    "item",
    "variants",
    "asked",
    "asked in previous period",
    "trend",
    "last asked",
)


@dataclass(frozen=True, slots=True)
class LedgerRow:
    vendor_id: uuid.UUID
    vendor_name: str
    active: bool
    sent: int
    received: int
    last_activity: datetime | None

    @property
    def ratio(self) -> float | None:
        """Received per referral sent; None when we sent none (no ratio to speak of)."""
        return self.received / self.sent if self.sent else None


@dataclass(frozen=True, slots=True)
class DemandRow:
    item_key: str
    item: str
    count: int
    previous: int
    last_asked: datetime
    variants: tuple[str, ...] = ()
    """Other spellings this ask was typed as, most frequent first ("deluxe hedphones")."""

    @property
    def item_with_variants(self) -> str:
        """ "deluxe headphones (also: deluxe hedphones, Deluxe headphone)"."""
        if not self.variants:
            return self.item
        return f"{self.item} (also: {', '.join(self.variants)})"

    @property
    def change(self) -> float | None:
        """Relative change from the previous period; None when there was none before."""
        return (self.count - self.previous) / self.previous if self.previous else None

    @property
    def trend(self) -> str:
        if self.previous == 0:
            return "new"
        change = self.change
        assert change is not None
        if self.count == 0:
            return "gone"
        if change >= TREND_THRESHOLD:
            return f"up {change:.0%}"
        if change <= -TREND_THRESHOLD:
            return f"down {-change:.0%}"
        return "steady"


def goodwill_ledger(
    ctx: StoreContext, start: date, end: date, *, include_idle: bool = False
) -> list[LedgerRow]:
    """Per partner vendor: referrals sent and received from ``start`` to ``end``
    (local days, both included), and the last referral either way up to ``end``."""
    if end < start:
        raise InvalidInputError("period", "The period ends before it starts.")
    lo, hi = _utc_bounds(ctx.tz, start, end)
    with ctx.db.read() as s:
        counts = s.execute(
            select(Referral.vendor_id, Referral.direction, func.count())
            .where(
                Referral.vendor_id.is_not(None),
                Referral.created_at >= lo,
                Referral.created_at < hi,
            )
            .group_by(Referral.vendor_id, Referral.direction)
        ).all()
        last_rows = s.execute(
            select(Referral.vendor_id, func.max(Referral.created_at))
            .where(Referral.vendor_id.is_not(None), Referral.created_at < hi)
            .group_by(Referral.vendor_id)
        ).all()
        vendors = {v.id: v for v in s.scalars(select(Vendor))}
    sent: collections.Counter[uuid.UUID] = collections.Counter()
    received: collections.Counter[uuid.UUID] = collections.Counter()
    for vendor_id, direction, n in counts:
        if vendor_id is not None:
            (sent if direction == "out" else received)[vendor_id] += n
    last = {vid: as_utc(at) for vid, at in last_rows if at is not None}
    ids = set(sent) | set(received)
    if include_idle:
        ids |= {vid for vid, v in vendors.items() if v.active}
    rows = [
        LedgerRow(
            vendor_id=vid,
            vendor_name=vendors[vid].name if vid in vendors else "(deleted vendor)",
            active=vendors[vid].active if vid in vendors else False,
            sent=sent[vid],
            received=received[vid],
            last_activity=last.get(vid),
        )
        for vid in ids
    ]
    rows.sort(key=lambda r: (-(r.sent + r.received), r.vendor_name.casefold()))
    return rows


def unmet_demand(ctx: StoreContext, days: int, end: date) -> list[DemandRow]:
    """What customers asked for that we could not supply, in the ``days`` days up to ``end``
    (included), against the ``days`` before, grouped by normalised wording."""
    if not 1 <= days <= 3660:
        raise InvalidInputError("days", "Choose a period between 1 and 3,660 days.")
    current_start = end - timedelta(days=days - 1)
    previous_start = current_start - timedelta(days=days)
    lo, _ = _utc_bounds(ctx.tz, previous_start, end)
    split, hi = _utc_bounds(ctx.tz, current_start, end)
    with ctx.db.read() as s:
        rows = s.execute(
            select(UnmetDemand.item_key, UnmetDemand.item_asked, UnmetDemand.created_at)
            .where(UnmetDemand.created_at >= lo, UnmetDemand.created_at < hi)
            .order_by(UnmetDemand.created_at)
        ).all()
    current: collections.Counter[str] = collections.Counter()
    previous: collections.Counter[str] = collections.Counter()
    wording: dict[str, collections.Counter[str]] = {}
    last: dict[str, datetime] = {}
    for key, asked, at in rows:
        (current if at >= split else previous)[key] += 1
        wording.setdefault(key, collections.Counter())[asked] += 1
        last[key] = at
    report = [
        _demand_row(key, wording[key], current[key], previous[key], last[key]) for key in wording
    ]
    report.sort(key=lambda r: (-r.count, -r.previous, r.item_key))
    return report


def _demand_row(
    key: str, spellings: collections.Counter[str], count: int, previous: int, last: datetime
) -> DemandRow:
    """One ask: shown in the commonest spelling that reads as the ask itself (the corrected
    wording), else as its key; every other spelling seen is a variant."""
    ranked = [text for text, _ in sorted(spellings.items(), key=lambda kv: (-kv[1], kv[0]))]
    item = next((text for text in ranked if normalise_text(text) == key), key)
    return DemandRow(
        item_key=key,
        item=item,
        count=count,
        previous=previous,
        last_asked=last,
        variants=tuple(text for text in ranked if text != item),
    )


def export_ledger_csv(tz: ZoneInfo, rows: list[LedgerRow], path: Path) -> None:
    write_csv(
        path,
        LEDGER_CSV_COLUMNS,
        (
            (
                r.vendor_name,
                r.sent,
                r.received,
                "" if r.ratio is None else round(r.ratio, 2),
                r.last_activity.astimezone(tz).strftime("%Y-%m-%d %H:%M")
                if r.last_activity
                else "",
            )
            for r in rows
        ),
    )


def export_demand_csv(tz: ZoneInfo, rows: list[DemandRow], path: Path) -> None:
    write_csv(
        path,
        DEMAND_CSV_COLUMNS,
        (
            (
                r.item,
                "; ".join(r.variants),
                r.count,
                r.previous,
                r.trend,
                r.last_asked.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            )
            for r in rows
        ),
    )


def _utc_bounds(tz: ZoneInfo, start: date, end: date) -> tuple[datetime, datetime]:
    """The instants that local days ``start`` to ``end`` (both included) span."""
    lo = datetime.combine(start, time.min, tz)
    hi = datetime.combine(end + timedelta(days=1), time.min, tz)
    return lo, hi

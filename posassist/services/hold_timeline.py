"""A customer's holds on their timeline: the request and each step, as entries.

Read in the card's own session. Entries of kind ``hold`` ("Item held"); they are not
visits (a hold asked for by phone is no visit), so the card's visit counts never see
them. A step another register beat is left out: it did not happen.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.orm import Session

from posassist.domain.holds import LABELS
from posassist.services.customers import TimelineEntry
from posassist.storage import holds as store


def hold_entries(s: Session, customer_ids: Sequence[uuid.UUID]) -> list[TimelineEntry]:
    rows = store.customer_holds(s, customer_ids)
    steps = store.steps_of(s, [r.id for r in rows])
    out: list[TimelineEntry] = []
    for r in rows:
        how = f"bring it to {r.requesting_branch}" if r.relay else "collect there"
        what = f"{r.product_name} — hold {r.code} at {r.holding_branch}"
        out.append(
            TimelineEntry(
                id=r.id,
                kind="hold",
                occurred_at=r.created_at,
                branch_name=r.requesting_branch,
                staff_name="",
                basket_minor=None,
                items=(),
                note=f"{what}: requested ({how})",
            )
        )
        for st in steps.get(r.id, []):
            if st.outcome == "ignored":
                continue
            out.append(
                TimelineEntry(
                    id=r.id,
                    kind="hold",
                    occurred_at=st.at,
                    branch_name=st.branch_name,
                    staff_name="",
                    basket_minor=None,
                    items=(),
                    note=f"{what}: {LABELS.get(st.to_state, st.to_state)}",
                )
            )
    return out

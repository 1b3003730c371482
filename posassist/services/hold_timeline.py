"""A customer's holds on their timeline: the request and each step, as entries.

Read in the card's own session. Entries of kind ``hold_<state>`` ("Hold requested",
"Ready to collect", … :data:`~posassist.domain.holds.STEP_TITLES`), the code and the
branch first in the note, where a narrow column does not cut them off; they are not
visits (a hold asked for by phone is no visit), so the card's visit counts never see
them. A step another register beat is left out: it did not happen.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.orm import Session

from posassist.domain.holds import TIMELINE_KIND_PREFIX
from posassist.services.customers import TimelineEntry
from posassist.storage import holds as store


def hold_entries(s: Session, customer_ids: Sequence[uuid.UUID]) -> list[TimelineEntry]:
    rows = store.customer_holds(s, customer_ids)
    steps = store.steps_of(s, [r.id for r in rows])
    out: list[TimelineEntry] = []
    for r in rows:
        how = f"bring it to {r.requesting_branch}" if r.relay else "collect there"
        what = f"Hold {r.code} at {r.holding_branch}: {r.product_name}"
        out.append(
            TimelineEntry(
                id=r.id,
                kind=f"{TIMELINE_KIND_PREFIX}requested",
                occurred_at=r.created_at,
                branch_name=r.requesting_branch,
                staff_name="",
                basket_minor=None,
                items=(),
                note=f"{what} ({how})",
            )
        )
        for st in steps.get(r.id, []):
            if st.outcome == "ignored":
                continue
            out.append(
                TimelineEntry(
                    id=r.id,
                    kind=f"{TIMELINE_KIND_PREFIX}{st.to_state}",
                    occurred_at=st.at,
                    branch_name=st.branch_name,
                    staff_name="",
                    basket_minor=None,
                    items=(),
                    note=what,
                )
            )
    return out

"""F6 / F7 in the finder: ask the chosen branch to hold the item for the customer.

One key on a result at another branch (Enter and ↓ choose it): **F6** "hold it there"
(the customer collects it at that branch), **F7** "hold it and bring it here" (a relay).
The request is written on the worker and synced to that branch's Holds queue; the
"held for you" slip is printed from the Holds queue (Ctrl+H, P) once the other branch
has it.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from posassist.domain.finder import BranchMatch
from posassist.services.holds import HoldView
from posassist.ui.feedback import show_error
from posassist.ui.workers import BackgroundOp

if TYPE_CHECKING:
    from posassist.ui.views.finder import FinderDialog


class FinderHolds:
    """The finder's hold keys, for one :class:`FinderDialog`."""

    def __init__(self, dialog: FinderDialog) -> None:
        self.dialog = dialog
        self._busy = False

    def request(self, *, relay: bool) -> None:
        dialog = self.dialog
        holds = dialog.desk.holds
        if holds is None:
            dialog.say("Holds are not available on this register.", problem=True)
            return
        if dialog.customer is None:
            dialog.say("Open the customer's card first: a hold is for a customer.", problem=True)
            return
        entry = dialog.target_entry()
        if entry is None or not isinstance(entry.match, BranchMatch):
            dialog.say("Choose one of our other branches first (↓ then F6 or F7).", problem=True)
            return
        if self._busy:
            dialog.say("Still asking for the last hold…")
            return
        stock = entry.match.stock
        branch_id, sku, customer_id = uuid.UUID(stock.branch_id), stock.sku, dialog.customer.id
        self._busy = True
        dialog.say(f"Asking {stock.branch_name} to hold {stock.product_name}…")

        def done(view: HoldView) -> None:
            self._busy = False
            how = "bring it here" if relay else f"{dialog.customer_name()} collects it there"
            said = (
                f"Asked {view.holding_branch} to hold {view.product_name} ({how}): "
                f"code {view.code}. Ctrl+H shows the holds."
            )
            # No count there: asked anyway (counts go stale), but the cashier should phone.
            dialog.say(
                f"{said} {view.warning}" if view.warning else said, problem=bool(view.warning)
            )
            dialog.recorded.emit()
            dialog.focus_box()

        def failed(exc: BaseException) -> None:
            self._busy = False
            show_error(dialog.message, exc, prefix="No hold asked:")
            dialog.focus_box()

        BackgroundOp(
            dialog.worker, lambda: holds.request(branch_id, sku, customer_id, relay=relay)
        ).success(done).failure(failed).run_in_background()

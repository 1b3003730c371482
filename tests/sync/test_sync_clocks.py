"""Wrong PC clocks: the register measures its offset from the server and stamps with it.

Registers here get an injected clock (the one ``Clock`` of the store context, which the
hybrid logical clock reads too), 3 days ahead or behind, against the real PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from posassist.config import load_settings
from posassist.services.customers import NewCustomer
from posassist.services.diagnostics import check_sync_clock
from posassist.services.sync import SyncStatus, clock_off
from posassist.ui.sync_status import describe
from tests.sync.helpers import Central, MakeReg, assert_converged, converge, open_register

DAYS3 = timedelta(days=3)


class TrueTime:
    """Real time plus a shared advance the test controls (the "2 s later")."""

    def __init__(self) -> None:
        self.advanced = timedelta()

    def clock(self, skew: timedelta) -> Callable[[], datetime]:
        return lambda: datetime.now(UTC) + skew + self.advanced


@pytest.mark.parametrize("first", ["ahead", "behind"])
@pytest.mark.parametrize("pushed_first", ["earlier edit", "later edit"])
def test_the_edit_made_last_wins_whatever_the_clocks(
    registers: MakeReg, central: Central, first: str, pushed_first: str
) -> None:
    time = TrueTime()
    regs = {
        "ahead": registers("Register Ahead", clock=time.clock(DAYS3)),
        "behind": registers("Register Behind", clock=time.clock(-DAYS3)),
    }
    ann = regs["ahead"].backend.customers.create(NewCustomer("Ann Archer"))
    converge(list(regs.values()))  # both measured their offset
    earlier, later = regs[first], regs["behind" if first == "ahead" else "ahead"]
    # Neither has seen the other's edit: only the (corrected) clocks can order them.
    earlier.backend.customers.update_notes(ann, f"{earlier.name}, 2 s earlier", "")
    time.advanced += timedelta(seconds=2)
    later.backend.customers.update_notes(ann, f"{later.name}, made last", "")
    order = [earlier, later] if pushed_first == "earlier edit" else [later, earlier]
    converge(order)
    assert_converged(central, order)
    for reg in order:
        assert reg.backend.customers.card(ann).notes == f"{later.name}, made last"
    (notes,) = central.query("SELECT notes FROM customer WHERE id = %s", ann)[0]
    assert notes == f"{later.name}, made last"


def test_offset_is_kept_offline_and_shown(
    tmp_path: Path, registers: MakeReg, central: Central
) -> None:
    time = TrueTime()
    reg = registers("Register Ahead", clock=time.clock(DAYS3))
    assert reg.sync.status().clock_offset_ms is None  # never reached the server
    reg.sync.sync_once()
    offset = reg.sync.status().clock_offset_ms
    assert offset is not None
    assert abs(offset + DAYS3.total_seconds() * 1000) < 5_000
    assert clock_off(offset) == "3 days ahead"
    status = SyncStatus("online", 0, 0, 0, datetime.now(UTC), clock_offset_ms=offset)
    text, tip = describe(status, UTC)
    assert "PC clock 3 days ahead" in text
    assert "corrected time" in tip
    assert clock_off(-30_000) == ""  # within 2 minutes: nothing shown
    # Doctor says the same, from the store alone.
    settings = load_settings(data_dir=reg.data_dir, env={"POSASSIST_CENTRAL_HOST": "x"})
    (finding,) = check_sync_clock(settings)
    assert finding.level == "warning"
    assert "3 days ahead" in finding.what
    # Restarted with the server unreachable: the saved offset still corrects the stamps.
    data_dir = reg.data_dir
    reg.close()
    again = open_register(data_dir, central, name="Register Ahead", clock=time.clock(DAYS3), port=1)
    try:
        assert again.backend.ctx.hlc.offset_ms == offset
        stamp = again.backend.ctx.hlc.now()
        assert abs(stamp.millis - datetime.now(UTC).timestamp() * 1000) < 5_000
    finally:
        again.close()


def test_a_register_that_never_connected_says_so(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, env={"POSASSIST_CENTRAL_HOST": "x"})
    from posassist.services.context import open_context
    from posassist.storage.database import open_database

    db = open_database(tmp_path)
    open_context(db, settings)
    db.close()
    (finding,) = check_sync_clock(settings)
    assert finding.level == "warning"
    assert "never reached" in finding.what

"""A register restored from a backup converges again, with nothing lost that central has.

The restored store's outbox and pull cursor are behind: what it had not sent at backup
time is sent again (central knows those op ids: applied once), and its own changes made
after the backup come back by pull like any other register's.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from posassist.services.backup import make_backup, restore_backup
from posassist.services.customers import NewCustomer
from posassist.storage.backup import REPLAY_OWN_KEY
from posassist.storage.orm import Customer, Interaction, SyncState
from tests.sync.helpers import (
    Central,
    MakeReg,
    Reg,
    assert_converged,
    assert_exactly_once,
    converge,
)


def _names(reg: Reg) -> set[str]:
    with reg.db.read() as s:
        return set(s.scalars(select(Customer.display_name)))


def test_restored_register_gets_back_what_it_made_after_the_backup(
    registers: MakeReg, central: Central, tmp_path: Path
) -> None:
    a, b = registers("Register A"), registers("Register B", branch="B02")
    first = a.backend.customers.create(
        NewCustomer("Ada Before", phone="+1 202 555 0101", consent_contact=True)
    )
    a.backend.interactions.log(first, "service", note="before the backup")
    converge([a, b])
    unsent = a.backend.customers.create(NewCustomer("Una Unsent"))  # pending in the backup
    backup = tmp_path / "a-backup.sqlite3"
    make_backup(a.data_dir, backup)  # A is open, as the window would be: no lock needed
    a.sync.sync_once()
    after = a.backend.customers.create(
        NewCustomer("Aaron After", phone="+1 202 555 0102", consent_contact=True)
    )
    a.backend.interactions.log(after, "purchase", basket_minor=1250)
    a.backend.interactions.log(unsent, "service", note="after the backup")
    a.backend.customers.update_notes(first, "likes tea", "")
    b.backend.customers.create(NewCustomer("Bea Other"))
    converge([a, b])
    with a.db.read() as s:
        visits_before_restore = len(s.scalars(select(Interaction.id)).all())
    a.close()

    done = restore_backup(a.data_dir, backup)
    assert done.kept_aside is not None
    assert done.kept_aside.exists()
    a = registers("Register A")
    assert "Aaron After" not in _names(a)  # the backup's state, until the sync
    converge([a, b])

    assert {"Ada Before", "Una Unsent", "Aaron After", "Bea Other"} <= _names(a)
    with a.db.read() as s:
        assert len(s.scalars(select(Interaction.id)).all()) == visits_before_restore
        notes = s.scalar(select(Customer.notes).where(Customer.id == first))
        replay = s.get(SyncState, REPLAY_OWN_KEY)
    assert notes == "likes tea"
    assert replay is not None
    assert replay.value == ""
    assert_exactly_once(central, [a, b])
    assert_converged(central, [a, b])

"""Staff picks through the real central PostgreSQL: imported at one register, shown at
every other; a branch's own pick overrides the chain's at that rank, at that branch only;
two registers filling one slot offline end with one pick everywhere."""

from __future__ import annotations

from pathlib import Path

from posassist.domain.picks import PickInput
from tests.sync.helpers import (
    Central,
    MakeReg,
    Reg,
    assert_converged,
    assert_exactly_once,
    converge,
)

PICKS = (
    "category,rank,sku,staff,why\n"
    "Audio,1,SKU-HP,Ana K.,Best noise cancelling under $100\n"
    "Audio,2,SKU-SP,Ana K.,Fills a room and fits a bag\n"
    "Games,1,SKU-BG,Bo,Two players or six: everyone learns it in ten minutes\n"
)


def _shown(reg: Reg) -> dict[str, list[tuple[int, str, str]]]:
    return {
        c.category: [(p.rank, p.sku, p.why) for p in c.picks] for c in reg.backend.picks.shown()
    }


def test_picks_imported_at_one_register_show_at_every_other(
    registers: MakeReg, central: Central, tmp_path: Path
) -> None:
    a1, a2 = registers("A1", branch="B01"), registers("A2", branch="B01")
    b1 = registers("B1", branch="B02")
    regs = [a1, a2, b1]
    converge(regs)  # the branches know each other
    csv = tmp_path / "picks.csv"
    csv.write_text(PICKS, encoding="utf-8")
    assert a1.backend.picks.import_csv(csv).set == 3
    converge(regs)
    chain = _shown(a1)
    assert chain["Audio"][0] == (1, "SKU-HP", "Best noise cancelling under $100")
    assert _shown(a2) == _shown(b1) == chain
    # B02's own #1 for Audio: shown at B02's registers only, and only at rank 1.
    b1.backend.picks.set_pick(
        PickInput("audio", 1, "SKU-EB", "Cy", "Our earbuds outsell everything here",
                  branch_id=b1.backend.ctx.branch_id)
    )  # fmt: skip
    converge(regs)
    assert [p[1] for p in _shown(b1)["Audio"]] == ["SKU-EB", "SKU-SP"]
    assert _shown(a1) == _shown(a2) == chain
    # The manager at B02 takes it back: the chain's #1 shows there again.
    b1.backend.picks.remove_pick("Audio", 1, branch_id=b1.backend.ctx.branch_id)
    converge(regs)
    assert _shown(b1) == chain
    assert_exactly_once(central, regs)
    assert_converged(central, regs)


def test_two_registers_filling_one_slot_offline_converge_on_one_pick(
    registers: MakeReg, central: Central
) -> None:
    a, b = registers("A", branch="B01"), registers("B", branch="B02")
    converge([a, b])
    a.backend.picks.set_pick(PickInput("Games", 1, "SKU-A", "Ana", "A's favourite"))
    b.backend.picks.set_pick(PickInput("games ", 1, "SKU-B", "Bo", "B's favourite"))  # later
    converge([a, b])
    assert _shown(a) == _shown(b) == {"games": [(1, "SKU-B", "B's favourite")]}
    rows = central.query("SELECT count(*) FROM staff_pick")
    assert rows == [(1,)]
    # A slot emptied at one register and filled again at another stays filled.
    a.backend.picks.remove_pick("Games", 1, branch_id=None)
    converge([a, b])
    assert _shown(b) == {}
    b.backend.picks.set_pick(PickInput("Games", 1, "SKU-C", "Bo", "Back by demand"))
    converge([a, b])
    assert _shown(a) == {"Games": [(1, "SKU-C", "Back by demand")]}
    assert_exactly_once(central, [a, b])
    assert_converged(central, [a, b])


def test_a_vendor_edited_later_elsewhere_wins_also_when_the_older_edit_syncs_first(
    registers: MakeReg, central: Central
) -> None:
    """The shared-row pull replays a register's own changes too (found with the picks):
    the older edit, pulled after the newer one was pushed, no longer wins at the pusher."""
    from posassist.services.vendors import VendorInput

    a, b = registers("A", branch="B01"), registers("B", branch="B02")
    kites = a.backend.vendors.create(VendorInput(name="Kite Corner"))
    converge([a, b])
    a.backend.vendors.update(kites, VendorInput(name="Kite Corner", phone="555 0001"))
    b.backend.vendors.update(kites, VendorInput(name="Kite Corner", phone="555 0002"))  # later
    converge([a, b])
    assert a.backend.vendors.get(kites).phone == b.backend.vendors.get(kites).phone == "555 0002"
    assert_exactly_once(central, [a, b])
    assert_converged(central, [a, b])


def _row_clocks(reg: Reg) -> set[tuple[str, str | None]]:
    from sqlalchemy import select

    from posassist.storage.orm import StaffPick

    with reg.db.read() as s:
        return {(str(i), h) for i, h in s.execute(select(StaffPick.id, StaffPick.row_hlc))}


def test_a_removal_and_a_refill_made_apart_end_with_the_later_and_the_central_clock(
    registers: MakeReg, central: Central
) -> None:
    """The pick's push answer carries the row clock (adopted), and an older removal that
    reaches central after a newer refill neither wins there nor here."""
    a, b = registers("A", branch="B01"), registers("B", branch="B02")
    a.backend.picks.set_pick(PickInput("Games", 1, "SKU-A", "Ana", "A's favourite"))
    converge([a, b])
    a.backend.picks.remove_pick("Games", 1, branch_id=None)  # pending at A, older
    b.backend.picks.set_pick(PickInput("Games", 1, "SKU-B", "Bo", "B's favourite"))
    b.sync.sync_once()
    a.sync.sync_once()  # the removal is answered "older"; A adopts B's pick
    assert _shown(a) == {"Games": [(1, "SKU-B", "B's favourite")]}
    # Now the other way round: B removes (older), A refills (newer), B syncs first.
    b.backend.picks.remove_pick("Games", 1, branch_id=None)
    a.backend.picks.set_pick(PickInput("Games", 1, "SKU-C", "Ana", "Back by demand"))
    converge([b, a])
    assert _shown(a) == _shown(b) == {"Games": [(1, "SKU-C", "Back by demand")]}
    held = {(str(i), h) for i, h in central.query("SELECT id, row_hlc FROM staff_pick")}
    assert _row_clocks(a) == _row_clocks(b) == held
    assert_exactly_once(central, [a, b])
    assert_converged(central, [a, b])


def test_an_older_edit_pulled_after_this_registers_delete_is_no_problem(
    registers: MakeReg, central: Central
) -> None:
    """B deletes a vendor A edited a moment before: B adopts the tombstone at once, and
    A's older edit, pulled after it, is old news here, not a change that "could not be
    applied"."""
    from posassist.services.vendors import VendorInput

    a, b = registers("A", branch="B01"), registers("B", branch="B02")
    kites = a.backend.vendors.create(VendorInput(name="Kite Corner"))
    converge([a, b])
    a.backend.vendors.update(kites, VendorInput(name="Kite Corner", phone="555 0001"))
    a.sync.sync_once()
    b.backend.vendors.delete(kites)
    b.sync.sync_once()
    converge([a, b])
    assert [v.id for v in a.backend.vendors.list()] == [v.id for v in b.backend.vendors.list()]
    assert kites not in {v.id for v in b.backend.vendors.list()}
    assert b.sync.status().queue.problems == 0
    assert a.sync.status().queue.problems == 0
    assert_exactly_once(central, [a, b])


def test_an_edit_pending_here_while_a_pull_arrives_waits_for_the_servers_verdict(
    registers: MakeReg, central: Central
) -> None:
    """A pulls (as another sync of the store would, between a cashier's edit and the
    next push) B's edit of a row A has an unsent edit of: A keeps showing its own until
    the push answers, then what central decided, with central's row clock."""
    from sqlalchemy import select

    from posassist.services.vendors import VendorInput
    from posassist.storage.orm import Vendor
    from posassist.sync.pull import pull_once

    a, b = registers("A", branch="B01"), registers("B", branch="B02")
    kites = a.backend.vendors.create(VendorInput(name="Kite Corner"))
    converge([a, b])
    for first, second, wins in ((a, b, "555 0002"), (b, a, "555 0004")):
        first.backend.vendors.update(kites, VendorInput(name="Kite Corner", phone="older"))
        # Both edits can fall in one millisecond, a true tie the register id breaks; the
        # second clock sees the first so its edit is the later one, as the test means.
        second.backend.ctx.hlc.observe(first.backend.ctx.hlc.now())
        second.backend.vendors.update(kites, VendorInput(name="Kite Corner", phone=wins))
        second.sync.sync_once()
        ctx = first.backend.ctx
        pull_once(first.db, first.sync.link, ctx.register_id, ctx.hlc)  # no push first
        assert first.backend.vendors.get(kites).phone == "older"  # its edit waits
        first.sync.sync_once()
        converge([a, b])
        assert a.backend.vendors.get(kites).phone == b.backend.vendors.get(kites).phone == wins
        ((held,),) = central.query("SELECT row_hlc FROM vendor")
        for reg in (a, b):
            with reg.db.read() as s:
                assert s.scalar(select(Vendor.row_hlc)) == held
    assert_exactly_once(central, [a, b])

"""Walk-ins and corrections against a real PostgreSQL: two registers and the central database.

Each correction is a new fact that syncs; every test ends with the convergence check
of the fault tests (every register holds exactly what the central database holds).
"""

from __future__ import annotations

from posassist.services.customers import ContactDetails
from tests.sync.helpers import (
    Central,
    MakeReg,
    add_customer,
    assert_converged,
    assert_exactly_once,
    central_state,
    converge,
)


def test_walk_ins_sync_with_no_customer_and_count_in_every_report(
    registers: MakeReg, central: Central
) -> None:
    a, b = registers("Register A"), registers("Register B", branch="B02")
    a.backend.interactions.log_walk_in("service", note="directions")
    a.backend.interactions.log_walk_in("question")
    b.backend.interactions.log_walk_in("service")
    converge([a, b])
    assert_converged(central, [a, b])
    assert_exactly_once(central, [a, b])
    walk = [r for r in central_state(central)["interaction"] if r[1] is None]
    assert len(walk) == 3  # customer_id NULL centrally too
    today = a.backend.ctx.today()
    for reg in (a, b):
        rows = reg.backend.interactions.walk_ins(today, today)
        assert sorted((r.helped, r.questions) for r in rows) == [(1, 0), (1, 1)]
        assert {r.branch_code for r in rows} == {"B01", "B02"}  # per branch


def test_a_void_and_an_undo_sync_and_stop_counting_everywhere(
    registers: MakeReg, central: Central
) -> None:
    a, b = registers("Register A"), registers("Register B")
    ann = add_customer(a, "Ann Archer")
    wrong = a.backend.interactions.log(ann, "purchase", basket_minor=900)
    converge([a, b])
    assert b.backend.customers.card(ann).visits.visit_days_total == 1
    b.backend.interactions.void(wrong, "rang up on the wrong customer")  # a manager at B
    oops = a.backend.interactions.log(ann, "question")
    a.backend.interactions.undo_last()
    converge([a, b])
    assert_converged(central, [a, b])
    assert_exactly_once(central, [a, b])
    for reg in (a, b):
        card = reg.backend.customers.card(ann)
        assert card.visits.visit_days_total == 0
        reasons = {e.id: e.void_reason for e in card.timeline}
        assert reasons == {wrong: "rang up on the wrong customer", oops: "undone at the register"}
    assert len(central_state(central)["interaction_void"]) == 2


def test_edits_of_contact_details_merge_per_field(registers: MakeReg, central: Central) -> None:
    a, b = registers("Register A"), registers("Register B")
    ann = add_customer(a, "Ann Archer")
    converge([a, b])
    # Offline together: A fixes the name, B adds the phone (with consent).
    a.backend.customers.edit(ann, ContactDetails("Anne Archer"))
    b.backend.customers.edit(
        ann, ContactDetails("Ann Archer", phone="(212) 555-0101", consent_contact=True)
    )
    converge([a, b])
    assert_converged(central, [a, b])
    for reg in (a, b):
        details = reg.backend.customers.contact_details(ann)
        # B wrote display_name too (unchanged there, so not sent): A's fix survives.
        assert (details.display_name, details.phone, details.consent_contact) == (
            "Anne Archer",
            "+12125550101",
            True,
        )
        assert [h.id for h in reg.backend.customers.search("Anne Archer")] == [ann]


def test_a_merge_syncs_and_an_offline_log_on_the_old_id_lands_on_the_survivor(
    registers: MakeReg, central: Central
) -> None:
    a, b = registers("Register A"), registers("Register B")
    keep = add_customer(a, "Maria Keep", card_code="PA100100")
    dup = add_customer(a, "Mary Dup", card_code="PA200200")
    a.backend.interactions.log(dup, "service")
    converge([a, b])
    a.backend.customers.merge(dup, keep)  # the manager at A
    b.backend.interactions.log(dup, "question")  # B is offline and logs on the old id
    converge([a, b])
    assert_converged(central, [a, b])
    assert_exactly_once(central, [a, b])
    for reg in (a, b):
        card = reg.backend.customers.card(keep)
        assert {e.kind for e in card.timeline} == {"service", "question"}
        assert reg.backend.customers.card(dup).id == keep
        for query in ("Mary Dup", "PA200200"):
            assert [h.id for h in reg.backend.customers.search(query)] == [keep]
    # Erasing the merged customer on B erases both everywhere.
    assert b.privacy.erase_customer(dup)
    converge([b, a])
    assert_converged(central, [a, b])
    assert a.backend.customers.search("Maria Keep") == []
    erased = {r[0] for r in central_state(central)["customer"] if r[-2] is not None}
    assert erased == {str(keep), str(dup)}

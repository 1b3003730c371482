"""A sync cycle ends, however fast the cashier writes.

The cycle pushes what was queued when it began, then pulls. A register that writes while
it pushes (a busy branch on a slow link) would otherwise keep pushing, and never bring in
what the other registers did.
"""

from __future__ import annotations

from collections.abc import Callable

from tests.sync.helpers import Central, Reg, add_customer, assert_converged, converge

MakeReg = Callable[..., Reg]


def test_a_cycle_pushes_what_was_queued_then_pulls_even_while_the_cashier_writes(
    registers: MakeReg, central: Central
) -> None:
    written_meanwhile: list[object] = []
    done = False
    a: Reg

    def cashier_writes_during_each_batch(point: str) -> None:
        # Capped, so the old "push until empty" ends too (at 70 pushed) and fails.
        if point == "applied" and not done and len(written_meanwhile) < 40:
            written_meanwhile.append(add_customer(a, f"Walk In {len(written_meanwhile)}"))

    a = registers("Register A", batch_size=10, fault=cashier_writes_during_each_batch)
    b = registers("Register B", branch="B02")
    from_b = add_customer(b, "Bea From B")
    b.sync.sync_once()
    for i in range(30):
        add_customer(a, f"Queued {i}")

    report = a.sync.sync_once()
    done = True

    assert report.pushed == 30  # the 30 queued before the cycle, in 3 batches
    assert len(written_meanwhile) == 3  # one new customer during each of those batches
    assert a.sync.status().queue.pending == 3  # theirs is the next cycle's push
    assert report.pulled >= 1  # and the cycle reached its pull
    assert a.backend.customers.card(from_b).display_name == "Bea From B"
    converge([a, b])
    assert_converged(central, [a, b])

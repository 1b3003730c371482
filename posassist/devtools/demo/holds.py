"""A few holds between the demo's branches, in every state, so the Holds queue (Ctrl+H)
is not empty on ``--demo``: seen from the first branch (the one the demo register
opens at), some are kept here for the others and some were asked of them.

Seed data like the rest of the demo: the holds and their steps are written as the
central sync would have left them (every step applied), with no outbox rows.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from posassist.domain.referral_codes import ALPHABET, check_symbol

# (from branch index, to branch index, relay, hours ago, the states it went through)
_HOLDS = (
    (1, 0, False, 1, ()),  # Riverside asks us: waiting for us to accept
    (2, 0, True, 5, ("accepted",)),  # a relay we accepted: to send on its way
    (1, 0, False, 30, ("accepted", "ready")),  # set aside here, the customer collects
    (0, 1, False, 3, ("accepted", "ready")),  # we asked Riverside: ready there
    (0, 2, True, 20, ("accepted", "on_its_way")),  # coming here: waiting for us
    (0, 1, False, 50, ("ready", "collected")),
    (2, 0, False, 100, ("cancelled",)),
)


def _ts(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _code(rng: random.Random) -> str:
    payload = "".join(rng.choice(ALPHABET) for _ in range(7))
    symbols = payload + check_symbol(payload)
    return f"{symbols[:4]}-{symbols[4:]}"


def demo_holds(
    raw: Any,
    rng: random.Random,
    new_id: Callable[[], str],
    branches: Sequence[tuple[str, str, str]],
    catalog: Sequence[tuple[str, str, int]],
    now: datetime,
) -> None:
    customers = [r[0] for r in raw.execute("SELECT id FROM customer ORDER BY id LIMIT 40")]
    # ``now`` is the demo's, never after the real clock (``generator._latest``).
    holds, steps = [], []
    for i, (src, dst, relay, hours_ago, states) in enumerate(_HOLDS):
        if max(src, dst) >= len(branches) or not customers:
            continue
        hid = new_id()
        made = now - timedelta(hours=hours_ago)
        sku, name, _price = catalog[(i * 7) % len(catalog)]
        state = states[-1] if states else "requested"
        holds.append(
            (
                hid, _code(rng), branches[src][0], branches[dst][0], sku, name,
                customers[(i * 5) % len(customers)], 1 if relay else 0, _ts(made),
                _ts(made + timedelta(days=3)), state,
            )
        )  # fmt: skip
        previous = "requested"
        for n, to_state in enumerate(states, start=1):
            at = made + timedelta(minutes=20 * n)
            at = min(at, now)
            steps.append(
                (
                    new_id(), hid, previous, to_state, _ts(at), branches[
                        src if to_state == "collected" and relay else dst
                    ][0], _ts(at),
                )
            )  # fmt: skip
            previous = to_state
    raw.executemany(
        "INSERT INTO hold_request (id, code, requesting_branch_id, holding_branch_id, sku, "
        "product_name, customer_id, relay, created_at, expires_at, state) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        holds,
    )
    raw.executemany(
        "INSERT INTO hold_step (id, hold_id, from_state, to_state, at, branch_id, outcome, "
        "reason, decided_at) VALUES (?,?,?,?,?,?,'applied','',?)",
        steps,
    )

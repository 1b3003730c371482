"""The hold state machine: every pair of states, the code, expiry and the told words."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from posassist.domain import holds as h
from posassist.domain.referral_codes import is_valid

LEGAL = {
    ("requested", "accepted"),
    ("requested", "ready"),
    ("requested", "on_its_way"),
    ("accepted", "ready"),
    ("accepted", "on_its_way"),
    ("ready", "collected"),
    ("on_its_way", "collected"),
    *((s, end) for s in h.ACTIVE for end in ("cancelled", "expired")),
}


@pytest.mark.parametrize(("src", "dst"), list(itertools.product(h.STATES, h.STATES)))
def test_every_transition_is_legal_or_refused_with_a_reason(src: str, dst: str) -> None:
    assert h.is_legal(src, dst) == ((src, dst) in LEGAL)
    if (src, dst) in LEGAL:
        assert h.RANK[dst] > h.RANK[src]  # always forward: the applied steps form one chain
    else:
        assert h.illegal_reason(src, dst)


def test_refusals_read_as_a_cashier_would_say_them() -> None:
    assert h.illegal_reason("collected", "cancelled") == "this hold is collected already"
    assert h.illegal_reason("accepted", "accepted") == "this hold is accepted already"
    assert h.illegal_reason("ready", "accepted") == (
        "a hold that is ready to collect cannot become accepted"
    )
    assert "not a hold state" in h.illegal_reason("requested", "lost")
    assert not h.is_legal("requested", "lost")


def test_codes_are_readable_and_carry_a_check_symbol() -> None:
    codes = {h.new_hold_code() for _ in range(50)}
    assert len(codes) == 50
    assert all(len(c) == 9 and c[4] == "-" and is_valid(c) for c in codes)
    code = next(iter(codes))
    assert h.normalise_code(code.lower().replace("-", " ")) == code


def test_a_hold_shows_expired_as_soon_as_it_is_due() -> None:
    made = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    until = h.expires_at(made, 3)
    assert until == made + timedelta(days=3)
    assert h.shown_state("accepted", until, until - timedelta(seconds=1)) == "accepted"
    assert h.shown_state("accepted", until, until) == "expired"
    assert h.shown_state("collected", until, until + timedelta(days=9)) == "collected"


def test_the_current_state_follows_the_applied_chain_then_own_pending_steps() -> None:
    assert h.current_state([], []) == "requested"
    assert h.current_state(["ready", "accepted"], []) == "ready"  # any order
    assert h.current_state(["accepted"], [("accepted", "ready")]) == "ready"
    # A pending step from a state the hold has left will lose: not shown.
    assert h.current_state(["cancelled"], [("requested", "accepted")]) == "cancelled"
    assert h.current_state([], [("accepted", "ready"), ("requested", "accepted")]) == "ready"


def test_who_acts_next() -> None:
    assert h.next_actor("requested", relay=True) == "holding"
    assert h.next_actor("on_its_way", relay=True) == "requesting"
    assert h.next_actor("ready", relay=False) == "holding"
    assert h.next_actor("collected", relay=False) == ""


def test_the_central_decision_first_in_server_order_wins() -> None:
    at = datetime(2026, 11, 20, 14, 3, tzinfo=ZoneInfo("America/New_York"))
    facts = h.HoldFacts("accepted", "Till 2", "Northside", at)
    lost = h.decide(facts, "requested", "accepted")
    assert lost == h.Verdict("ignored", "Till 2 at Northside accepted this hold first (14:03)")
    assert h.decide(facts, "accepted", "ready") == h.Verdict("applied")
    assert h.decide(facts, "accepted", "requested").outcome == "illegal"
    assert h.decide(h.HoldFacts("cancelled"), "requested", "ready").reason == (
        "Another register cancelled this hold first"
    )

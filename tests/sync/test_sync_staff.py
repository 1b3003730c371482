"""Staff accounts sync chain-wide (issue 12), against a real PostgreSQL.

A cashier added at one register signs in at another after one sync each; a disable made
at one register refuses the sign-in everywhere after one sync each, and no register's
stale copy (pushed later, or announced the old way) brings the account back. The PIN
itself never reaches central; a broken staff row from elsewhere is refused with its
reason and signs nobody in.
"""

from __future__ import annotations

import json
import uuid

import pytest
from psycopg.types.json import Jsonb

from posassist.domain import pins
from posassist.domain.hlc import Timestamp
from posassist.services.staff import SignInError
from posassist.sync.central import apply_push
from posassist.sync.protocol import Op, ref_op_id
from tests.sync.helpers import Central, MakeReg, Reg
from tests.sync.test_sync_poison import outbox_row, write_raw_outbox

CARLA_PIN = "4821"


def _central_staff(central: Central, staff_id: uuid.UUID) -> tuple[str, bool, str | None]:
    rows = central.query("SELECT role, active, pin_hash FROM staff WHERE id = %s", staff_id)
    assert len(rows) == 1
    role, active, pin_hash = rows[0]
    return role, active, pin_hash


def _manager(reg: Reg) -> None:
    """Act as the register's first (manager) account again, as after a manager's sign-in."""
    ctx = reg.backend.ctx
    manager = next(v for v in reg.backend.staff.accounts() if v.name == "Manager")
    ctx.sign_in(manager.id, manager.name, manager.effective_role)


def test_a_disable_reaches_every_register_after_one_sync_and_a_stale_copy_loses(
    registers: MakeReg, central: Central
) -> None:
    a = registers("Register A", branch="B01")
    b = registers("Register B", branch="B02")
    carla = a.backend.staff.add("Carla Cash", "cashier", CARLA_PIN)
    a.sync.sync_once()
    first = b.sync.sync_once()
    assert carla.id in first.staff_changed

    at_b = b.backend.staff.find("carla  cash")
    assert (at_b.id, at_b.role, at_b.active, at_b.branch_id) == (
        carla.id, "cashier", True, a.backend.ctx.branch_id
    )  # fmt: skip
    b.backend.staff.sign_in(carla.id, CARLA_PIN)
    assert b.backend.ctx.staff_id == carla.id
    assert b.backend.staff.current_is_active()

    # B's manager changes Carla's PIN while B is offline: a copy older than what follows.
    _manager(b)
    b.backend.staff.set_pin("Carla Cash", "9999")
    b.backend.ctx.sign_in(carla.id, "Carla Cash", "cashier")  # Carla works on at B

    a.backend.staff.disable("Carla Cash")
    a.sync.sync_once()
    assert _central_staff(central, carla.id)[1] is False

    heard: list[set[uuid.UUID]] = []
    b.sync.on_staff_changed(heard.append)  # the window's hook (on the sync thread)
    report = b.sync.sync_once()  # pushes its stale copy, then pulls: once is enough
    assert carla.id in report.staff_changed
    assert heard == [report.staff_changed]
    assert b.backend.staff.find("Carla Cash").active is False
    assert not b.backend.staff.current_is_active()  # the window locks on this
    with pytest.raises(SignInError, match="disabled"):
        b.backend.staff.sign_in(carla.id, CARLA_PIN)
    with pytest.raises(SignInError, match="disabled"):
        b.backend.staff.sign_in(carla.id, "9999")
    # B's stale copy lost centrally (last writer wins), and A still has it disabled.
    role, active, pin_hash = _central_staff(central, carla.id)
    assert (role, active) == ("cashier", False)
    assert pins.pin_matches(CARLA_PIN, pin_hash)
    a.sync.sync_once()
    assert a.backend.staff.find("Carla Cash").active is False
    assert carla.id not in {v.id for v in a.backend.staff.can_sign_in()}


def test_an_older_registers_announcement_never_re_enables(
    registers: MakeReg, central: Central
) -> None:
    """An older register announces staff as ``upsert`` reference rows: central keeps one
    only where it lacks the row (logged for all at the oldest clock), never over it."""
    a = registers("Register A", branch="B01")
    b = registers("Register B", branch="B02")
    carla = a.backend.staff.add("Carla Cash", "cashier", CARLA_PIN)
    a.backend.staff.disable("Carla Cash")
    a.sync.sync_once()
    old_register = uuid.uuid4()
    stamp = Timestamp(2**40, 0, old_register.hex[:12]).encode()  # far later than A's

    def announce(sid: uuid.UUID, name: str) -> Op:
        payload = {"id": str(sid), "branch_id": str(a.backend.ctx.branch_id), "name": name,
                   "role": "cashier", "active": True}  # fmt: skip
        return Op(0, ref_op_id("staff", payload), "staff", str(sid), "upsert", payload, stamp)

    newcomer = uuid.uuid4()
    stale, fresh = announce(carla.id, "Carla Cash"), announce(newcomer, "Olga Older")
    with central.connect() as conn:
        reply = apply_push(conn, old_register, [stale, fresh], [], max_ahead_ms=2**50)
    assert reply.results[stale.op_id].outcome == "ignored"
    assert reply.results[fresh.op_id].outcome == "applied"
    assert _central_staff(central, carla.id)[1] is False
    assert _central_staff(central, newcomer) == ("cashier", True, None)

    b.sync.sync_once()
    assert b.backend.staff.find("Carla Cash").active is False
    olga = b.backend.staff.find("Olga Older")
    assert (olga.id, olga.active, olga.has_pin) == (newcomer, True, False)
    assert newcomer not in {v.id for v in b.backend.staff.can_sign_in()}  # no PIN, no way in


def test_the_pin_never_reaches_central(registers: MakeReg, central: Central) -> None:
    a = registers("Register A")
    a.backend.staff.add("Max Manager", "manager", "2468")  # so Pia may become a cashier
    a.backend.staff.add("Pia Private", "manager", "73918264")
    a.backend.staff.set_pin("Pia Private", "40558811")
    a.backend.staff.set_role("Pia Private", "cashier")
    a.sync.sync_once()
    texts = [
        *(r[0] for r in central.query("SELECT staff::text FROM staff")),
        *(r[0] for r in central.query("SELECT payload::text FROM change_log")),
        *(r[0] for r in central.query("SELECT change_log::text FROM change_log")),
    ]
    logged = [t for t in texts if "Pia Private" in t]
    assert len(logged) >= 4  # the row and its three changes are there ...
    assert all("scrypt$" in t for t in logged)  # ... with the hash ...
    for pin in ("73918264", "40558811"):
        assert not any(pin in t for t in texts)  # ... and never the PIN
    (hash_now,) = (
        h for (h, n) in central.query("SELECT pin_hash, name FROM staff") if n == "Pia Private"
    )
    assert pins.pin_matches("40558811", hash_now)


BAD_ROWS = {
    "role owner": ({"role": "owner"}, "role is one of"),
    "name too long": ({"name": "N" * 101}, "at most 100 characters"),
    "PIN in clear": ({"pin_hash": "4821"}, "not a scrypt hash"),
    "hash too costly": (
        {"pin_hash": "scrypt$1073741824$8$1$" + "A" * 24 + "$" + "B" * 43 + "="},
        "not a scrypt hash",
    ),
    "hash over the bound": (
        {"pin_hash": "scrypt$262144$8$1$" + "A" * 24 + "$" + "B" * 43 + "="},
        "not a scrypt hash",
    ),
    "active not a flag": ({"active": "yes"}, "true or false"),
}


def _bad_payload(reg: Reg, sid: uuid.UUID, change: dict[str, object]) -> dict[str, object]:
    good = {"id": str(sid), "branch_id": str(reg.backend.ctx.branch_id), "name": "Eve Evil",
            "role": "cashier", "pin_hash": pins.hash_pin("1234"), "active": True}  # fmt: skip
    return {**good, **change}


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_a_broken_staff_row_is_refused_at_both_ends(
    case: str, registers: MakeReg, central: Central
) -> None:
    a, b = registers("Register A"), registers("Register B", branch="B02")
    change, reason = BAD_ROWS[case]
    sent, received = uuid.uuid4(), uuid.uuid4()
    seq = write_raw_outbox(
        a, entity="staff", entity_id=str(sent), op="insert",
        payload=json.dumps(_bad_payload(a, sent, change)), hlc=a.backend.ctx.stamp(),
    )  # fmt: skip
    a.backend.staff.add("Gus Good", "cashier", "5678")  # the rest flows
    a.sync.sync_once()
    state, error = outbox_row(a, seq)
    assert state == "dead"
    assert error is not None
    assert reason in error, error
    assert central.query("SELECT count(*) FROM staff WHERE id = %s", sent) == [(0,)]

    # The same row in the change log (a register of another version wrote it).
    with central.connect() as conn:
        conn.execute(
            "INSERT INTO change_log (op_id, entity, entity_id, op, payload, hlc, origin)"
            " VALUES (%s, 'staff', %s, 'insert', %s, %s, %s)",
            (uuid.uuid4(), str(received), Jsonb(_bad_payload(a, received, change)),
             a.backend.ctx.stamp(), uuid.uuid4()),
        )  # fmt: skip
    report = b.sync.sync_once()  # does not raise
    assert report.problems == 1
    names = {v.name for v in b.backend.staff.accounts()}
    assert "Gus Good" in names
    assert "Eve Evil" not in names
    with pytest.raises(SignInError):
        b.backend.staff.sign_in(received, "1234")

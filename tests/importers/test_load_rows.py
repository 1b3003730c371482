"""The loader's fast store-form helpers give exactly what the slow, obvious forms give."""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from posassist.importers import load_rows as bulk
from posassist.importers.load import NAMESPACE, interaction_id


def test_uuid5_hex_is_uuid5() -> None:
    rng = random.Random(5)
    names = ["", "a", "purchase:M1:2024-01-02:1250:1", "sale:shopify:#1001", "é€\u0300" * 40]
    names += ["".join(chr(rng.randrange(32, 0x3000)) for _ in range(rng.randrange(60)))
              for _ in range(500)]  # fmt: skip
    for ns in (NAMESPACE, uuid.uuid4(), uuid.UUID(int=0)):
        for name in names:
            assert bulk.uuid5_hex(ns.bytes, name) == uuid.uuid5(ns, name).hex


def test_interaction_id_keeps_its_derivation() -> None:
    assert interaction_id("transactions", "M1:2024-01-02:1250") == uuid.uuid5(
        NAMESPACE, "purchase:M1:2024-01-02:1250:1"
    )
    assert interaction_id("shopify", "#1001") == uuid.uuid5(NAMESPACE, "sale:shopify:#1001")


def test_text_of_hex_is_str_of_uuid() -> None:
    for _ in range(100):
        u = uuid.uuid4()
        assert bulk.text_of_hex(u.hex) == str(u)


def test_new_op_ids_are_v7_unique_and_in_time_order() -> None:
    before = time.time_ns() // 1_000_000
    ids = [bulk.new_op_id() for _ in range(20_000)]
    after = time.time_ns() // 1_000_000
    assert len(set(ids)) == len(ids)
    for h in ids[:100]:
        u = uuid.UUID(hex=h)
        assert (u.version, u.variant) == (7, uuid.RFC_4122)
        assert before <= int(h[:12], 16) <= after
    assert [h[:12] for h in ids] == sorted(h[:12] for h in ids)
    assert len({h[12:] for h in ids}) == len(ids)  # the random bits alone: never reused


def test_a_forked_child_does_not_reuse_its_parents_random_bits() -> None:
    """The random bits are drawn a pool at a time: a child forked with part of the pool
    left draws its own, or parent and child would make the same op ids."""
    bulk.new_op_id()  # the pool is filled, most of it unused
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next id, to the parent
        os.write(write, bulk.new_op_id().encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    child = os.read(read, 64).decode()
    os.close(read)
    parent = bulk.new_op_id()
    assert len(child) == 32
    assert child[12:] != parent[12:]


def test_times_are_db_time_and_iso_time() -> None:
    rng = random.Random(9)
    zones = [UTC, ZoneInfo("America/Los_Angeles"), ZoneInfo("Europe/Berlin")]
    start = datetime(2019, 1, 1, tzinfo=UTC)
    for _ in range(10_000):  # more instants than the cache keeps, some twice
        at = start + timedelta(seconds=rng.randrange(10**8), microseconds=rng.choice([0, 1, 5]))
        at = at.astimezone(rng.choice(zones))
        assert bulk.times(at) == (bulk.db_time(at), bulk.iso_time(at))
        assert bulk.times(at) == (bulk.db_time(at), bulk.iso_time(at))


def test_interaction_json_is_json_dumps_of_the_payload() -> None:
    rng = random.Random(3)
    notes = ["", "Imported from x", 'a "quoted" note\nwith\ttabs and \\', "Grüße €", "\u2028"]
    notes.append('long "note" ' * 500)  # longer than the notes kept encoded
    for n in range(2000):
        iid = bulk.text_of_hex(uuid.uuid4().hex)
        customer = None if n % 3 == 0 else str(uuid.uuid4())
        lines = [
            {"id": str(uuid.uuid4()), "position": pos, "sku": rng.choice([None, "SKU1", "é"]),
             "description": rng.choice(notes), "quantity": rng.randrange(1, 5),
             "unit_minor": rng.choice([None, 0, -5, 1250])}
            for pos in range(rng.randrange(3))
        ]  # fmt: skip
        basket = rng.choice([None, 0, 1, -300, 10**9])
        kind, note = rng.choice(["purchase", "service"]), rng.choice(notes)
        at, day = "2024-01-02T20:00:00+00:00", "2024-01-02"
        fields = (iid, customer, str(uuid.uuid4()), at, day, kind, basket, note, lines)
        payload = {
            "id": fields[0], "customer_id": fields[1], "branch_id": fields[2],
            "register_id": None, "staff_id": None, "occurred_at": fields[3],
            "local_day": fields[4], "kind": fields[5], "basket_minor": fields[6],
            "note": fields[7], "lines": fields[8],
        }  # fmt: skip
        assert bulk.interaction_json(*fields) == json.dumps(payload)

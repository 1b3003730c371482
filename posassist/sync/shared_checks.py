"""The checks a shared row's op must pass, at both ends, before it reaches a table.

A shared row (``domain/fields.py SHARED_ENTITIES``: vendors, products, stock, staff
picks) is one any register may edit, last writer wins per row. What each kind must carry
is *declared* in its :class:`SharedEntity` (required fields, content key, counts, a "not
older" time), so this one check serves every kind; a staff pick adds its own slot rules
(``domain/picks.py``), a staff account its role, name and PIN-hash rules
(``domain/staff.py``; an older register's ``upsert`` of one is checked by them too).
Kept apart from ``protocol.py`` because it is one cohesive rule set that grows with
every new shared kind, while the protocol module is the op format and the customer
merge; ``protocol.check_op`` calls it.
"""

from __future__ import annotations

from posassist.domain.catalog import catalog_id
from posassist.domain.fields import SHARED_ENTITIES
from posassist.domain.picks import payload_problem as pick_problem
from posassist.domain.staff import LEGACY_UPSERT
from posassist.domain.staff import row_problem as staff_problem
from posassist.sync.protocol import MUTABLE_OPS, Op, RejectedError, as_datetime, as_uuid


def check_shared(op: Op) -> None:
    """A shared row's op as its :class:`SharedEntity` declares it, or :class:`RejectedError`."""
    legacy = op.entity == "staff" and op.op == LEGACY_UPSERT
    if op.op not in MUTABLE_OPS and not legacy:
        raise RejectedError(f"unknown {op.entity} operation {op.op!r}")
    rule = SHARED_ENTITIES[op.entity]
    rid = as_uuid(op.entity_id, f"{op.entity} id")
    data = op.payload
    if op.op == "insert" or legacy:
        missing = [f for f in rule.required if data.get(f) is None or data.get(f) == ""]
        if missing:
            raise RejectedError(f"a {op.entity} needs its {missing[0]}")
    for name in rule.counts:
        value = data.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise RejectedError(f"{name} must be a whole number, not negative: {value!r}")
    if rule.not_older is not None and rule.not_older in data:
        as_datetime(data[rule.not_older], rule.not_older)
    keyed = rule.key and all(k in data for k in rule.key)
    if keyed and catalog_id(*(str(data[k]) for k in rule.key)) != rid:
        raise RejectedError(f"the {op.entity} id is not the one its {'/'.join(rule.key)} give")
    if op.entity == "staff_pick":
        problem = pick_problem(op.op, op.entity_id, op.payload)
        if problem is not None:
            raise RejectedError(problem)
    if op.entity == "staff":
        problem = staff_problem(op.op, op.payload)
        if problem is not None:
            raise RejectedError(problem)

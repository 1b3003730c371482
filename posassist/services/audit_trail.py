"""The one way a service writes to the audit trail (ids and kinds, never personal data).

Called inside the action's own write session, so the entry, its place in the
register's hash chain and its outbox row commit together with the change it records,
or not at all (``storage/audit.py``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from posassist.services.context import StoreContext
from posassist.storage import audit


def record(
    s: Session, ctx: StoreContext, action: str, entity: str, entity_id: str, detail: str = ""
) -> None:
    """Append one entry: who (staff id), what (``action`` on ``entity`` ``entity_id``).

    ``action`` must be one of ``domain/audit_chain.py ACTIONS`` (a typo is a KeyError).
    ``detail`` is a fixed phrase or a count, never a name, phone or note.
    """
    audit.append(
        s,
        register_id=ctx.register_id,
        at=ctx.now(),
        staff_id=ctx.staff_id,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        detail=detail,
        hlc=ctx.stamp(),
    )

"""The one way a service writes to the audit trail (ids and kinds, never personal data).

Called inside the action's own write session, so the entry and the change it records
commit together or not at all.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from posassist.services.context import StoreContext
from posassist.storage.orm import AuditLog


def record(
    s: Session, ctx: StoreContext, action: str, entity: str, entity_id: str, detail: str = ""
) -> None:
    """Append one entry: who (staff id), what (``action`` on ``entity`` ``entity_id``).

    ``detail`` is a fixed phrase or a count, never a name, phone or note.
    """
    s.add(
        AuditLog(
            at=ctx.now(),
            staff_id=ctx.staff_id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            detail=detail,
        )
    )

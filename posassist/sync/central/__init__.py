"""The central PostgreSQL side: connecting to it, and what runs inside it.

- ``link``: where the database is, one connection under a deadline, errors explained.
- ``sql``: SQLAlchemy Core statements on the central schema, compiled once for psycopg.
- ``reads``: the database's identity and schema, the change log, the rows a push sees.
- ``push``: a register's batch applied in one transaction (serialised, exactly once).
- ``writes``: the rows one batch writes, in the schema's dependency order.
- ``restore``: identity, clock and high-water mark in one probe; adopting a restore.

The names the rest of posassist uses are importable from here.
"""

from __future__ import annotations

from posassist.sync.central.link import CentralLink, CentralTarget, explain
from posassist.sync.central.push import CHANGE_LOG_LOCK, apply_push
from posassist.sync.central.reads import central_id, fetch_changes, schema_revision
from posassist.sync.central.restore import Probe, adopt_restore, applied_among, probe
from posassist.sync.central.writes import Fault, branch_code_for

__all__ = [
    "CHANGE_LOG_LOCK",
    "CentralLink",
    "CentralTarget",
    "Fault",
    "Probe",
    "adopt_restore",
    "applied_among",
    "apply_push",
    "branch_code_for",
    "central_id",
    "explain",
    "fetch_changes",
    "probe",
    "schema_revision",
]

"""A real SQLite fault at COMMIT time, for tests of "the file and its audit entry exist
together": a deferred foreign key that the next audit entry breaks.

SQLite checks a ``DEFERRABLE INITIALLY DEFERRED`` foreign key only when the transaction
commits, so every statement of the action succeeds (the entry is flushed, the files are
written) and then the commit itself is refused, as a full disk at commit would be.
"""

from __future__ import annotations

from sqlalchemy import text

from posassist.storage.database import Database

_SET = (
    "CREATE TABLE test_commit_trap (entry INTEGER REFERENCES audit_log (id) "
    "DEFERRABLE INITIALLY DEFERRED)",
    "CREATE TRIGGER test_commit_trap AFTER INSERT ON audit_log "
    "BEGIN INSERT INTO test_commit_trap VALUES (-1); END",
)
_RELEASE = ("DROP TRIGGER test_commit_trap", "DROP TABLE test_commit_trap")


def fail_commits_with_audit(db: Database) -> None:
    """From now on, a transaction that adds an audit entry fails at its commit."""
    with db.write() as s:
        for statement in _SET:
            s.execute(text(statement))


def release(db: Database) -> None:
    with db.write() as s:
        for statement in _RELEASE:
            s.execute(text(statement))

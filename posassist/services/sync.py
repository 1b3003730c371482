"""Central sync as use cases: sync now, what is waiting, what was refused, the password.

Built by the composition root only when ``[central] host`` is set. The window runs
:meth:`SyncService.new_loop` on its own thread; the CLI calls :meth:`sync_once`.
:func:`status_report` and :func:`init_central_schema` need no open store (and no
service): the CLI calls them directly.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from posassist.config import CentralSettings
from posassist.domain.wording import plural
from posassist.errors import KnownError, SyncError
from posassist.secrets import SecretStore, SessionSecretStore, central_password_key
from posassist.services.context import StoreContext
from posassist.services.name_index import NameIndex
from posassist.storage.orm import Customer
from posassist.sync import outbox
from posassist.sync.bootstrap import AWAY, BOOTSTRAP_KEY
from posassist.sync.central import CentralLink, CentralTarget, Fault, reads
from posassist.sync.central.problems import (
    BUSY,
    LABELS,
    NETWORK_KINDS,
    PASSWORD_KINDS,
    STORE_PROBLEM,
)
from posassist.sync.central.snapshot import Pruned
from posassist.sync.engine import (
    CLOCK_WARN_MS,
    OFFSET_KEY,
    Backoff,
    CycleReport,
    LocalStatus,
    SyncEngine,
    SyncLoop,
    SyncStatus,
)
from posassist.sync.outbox import DeadLetter, QueueCounts
from posassist.sync.protocol import as_uuid
from posassist.sync.push import BATCH_OPS
from posassist.sync.rejoin import RestoreRecord, read_record

INCREMENTAL_NAME_UPDATES = 2000


class SyncService:
    def __init__(
        self,
        ctx: StoreContext,
        secrets: SecretStore,
        *,
        names: NameIndex | None = None,
        op_timeout: float = 30.0,
        batch_size: int = BATCH_OPS,
        fault: Fault | None = None,
    ) -> None:
        if not ctx.settings.central.enabled:
            raise SyncError(
                "No central database is configured.",
                hint="Set [central] host in the settings (see the README's admin guide).",
                kind="not_configured",
            )
        self._ctx = ctx
        self.central = ctx.settings.central
        self.secrets = secrets
        self._names = names
        self._listeners: list[Callable[[set[uuid.UUID]], None]] = []
        self._staff_listeners: list[Callable[[set[uuid.UUID]], None]] = []
        self.link = CentralLink(self.target, op_timeout=op_timeout)
        self.engine = SyncEngine(
            ctx.db,
            self.link,
            ctx.register_id,
            ctx.hlc,
            batch_size=batch_size,
            clock=ctx.clock,
            on_customers_changed=self._on_customers_changed,
            fault=fault,
        )

    # -- connection --------------------------------------------------------------
    def target(self) -> CentralTarget:
        """Built on every connect, so a password entered later is used at once."""
        password = self.secrets.get(central_password_key(self.central))
        return CentralTarget.from_settings(self.central, password)

    @property
    def password_kept_for_session_only(self) -> bool:
        return not self.secrets.persistent

    @property
    def secret_notice(self) -> str:
        """Why the password is not kept in the OS keyring (empty when it is)."""
        return self.secrets.notice if isinstance(self.secrets, SessionSecretStore) else ""

    def remember_password(self, password: str) -> None:
        self.secrets.set(central_password_key(self.central), password)

    def describe(self) -> str:
        return CentralTarget.from_settings(self.central, None).describe()

    # -- use cases ---------------------------------------------------------------
    def sync_once(self) -> CycleReport:
        try:
            return self.engine.sync_once()
        finally:
            self.link.close()

    def status(self) -> LocalStatus:
        return self.engine.local_status()

    def dead_letters(self, limit: int = 200) -> list[DeadLetter]:
        """Changes the central database refused, oldest first: for a manager to review."""
        with self._ctx.db.read() as s:
            return outbox.dead_letters(s, limit)

    def retry_dead(self) -> int:
        """Queue refused changes again (once the cause was fixed centrally)."""
        return outbox.retry_dead(self._ctx.db)

    def new_loop(
        self,
        on_status: Callable[[SyncStatus], None],
        *,
        backoff: Backoff | None = None,
        tick: float = 1.0,
    ) -> SyncLoop:
        return SyncLoop(
            self.engine,
            on_status=on_status,
            poll_seconds=self.central.poll_seconds,
            backoff=backoff,
            tick=tick,
        )

    def on_customers_changed(self, listener: Callable[[set[uuid.UUID]], None]) -> None:
        """Call ``listener`` (on the sync thread) with the customers whose card a sync changed."""
        self._listeners.append(listener)

    def on_staff_changed(self, listener: Callable[[set[uuid.UUID]], None]) -> None:
        """Call ``listener`` (on the sync thread) with the staff accounts a sync changed
        here: the window then checks ``StaffService.current_is_active()`` and locks if a
        disable arrived for whoever is signed in."""
        self._staff_listeners.append(listener)

    def _on_customers_changed(self, report: CycleReport) -> None:
        if report.bootstrapped is not None and report.bootstrapped.all_customers_new:
            if self._names is not None:
                self._names.invalidate()  # a whole chain arrived: reloaded at the next search
        elif report.customers_changed:
            self._update_names(report.customers_changed)
        touched = report.customers_changed | report.customers_touched
        if touched:
            for listener in self._listeners:
                listener(touched)
        if report.staff_changed:
            for staff_listener in self._staff_listeners:
                staff_listener(set(report.staff_changed))

    def _update_names(self, ids: set[uuid.UUID]) -> None:
        """Names came from elsewhere (or changed): the fuzzy name index must see them.

        Runs on the sync thread. A few changes are folded into the loaded index here, so
        the cashier's next search does not reload 100,000 names on the GUI thread; a
        flood (a new register's first sync) just invalidates it.
        """
        if self._names is None:
            return
        if len(ids) > INCREMENTAL_NAME_UPDATES:
            self._names.invalidate()
            return
        with self._ctx.db.read() as s:
            rows = s.execute(
                select(Customer.id, Customer.name_key, Customer.erased_at).where(
                    Customer.id.in_(ids)
                )
            ).all()
        for cid, key, erased_at in rows:
            if erased_at is None:
                self._names.upsert(cid, key)
            else:
                self._names.remove(cid)


@dataclass(frozen=True, slots=True)
class ReceivedProblem:
    """A change from another register that could not be applied here."""

    server_seq: int
    entity: str
    entity_id: str
    reason: str


@dataclass(frozen=True)
class StatusReport:
    """What ``posassist sync --status`` shows, read from the store without the network."""

    register: str | None  # None until this register first synced
    last_synced: datetime | None
    queue: QueueCounts
    cursor: str
    refused: list[DeadLetter]  # the first 50
    problems: list[ReceivedProblem]  # the first 20
    clock_offset_ms: int | None = None  # server minus this PC; None: never reached it
    restore: RestoreRecord | None = None  # the last restore of central this register met
    bootstrap: str | None = None  # the last snapshot load: "<when>|<reason>|<position>"


def describe_bootstrap(record: str) -> str:
    """One sentence for IT on the last snapshot load (``sync/bootstrap.py``)."""
    when, reason, position = [*record.split("|"), "", "", ""][:3]
    why = "away longer than central keeps its change log" if reason == AWAY else "joined the chain"
    return f"{when[:19].replace('T', ' ')} ({why}); following the log from change {position}"


def clock_off(offset_ms: int | None) -> str:
    """ "3 days ahead" / "5 min behind" for a PC clock off by more than CLOCK_WARN_MS; else ""."""
    if offset_ms is None or abs(offset_ms) <= CLOCK_WARN_MS:
        return ""
    seconds = abs(offset_ms) // 1000
    side = "ahead" if offset_ms < 0 else "behind"
    for unit, size in (("day", 86_400), ("h", 3_600), ("min", 60)):
        if seconds >= size:
            n = round(seconds / size)
            name = f"{unit}{'s' if n != 1 else ''}" if unit == "day" else unit
            return f"{n} {name} {side}"
    return f"{seconds} s {side}"


def clock_line(report: StatusReport) -> str:
    """The PC clock against the server's, for ``sync --status``."""
    if report.clock_offset_ms is None:
        return "unchecked (never reached the central database; edits use the PC's clock)"
    skew = clock_off(report.clock_offset_ms)
    off = f"{-report.clock_offset_ms / 1000:+.1f} s against the server"
    return f"{skew} ({off}); edits use the corrected time" if skew else off


def describe_restore(r: RestoreRecord) -> str:
    """One sentence for IT: what the register found and did."""
    if r.restore_point is None:
        found = f"The central database was replaced (id {r.old_id} → {r.new_id})"
    else:
        found = (
            f"The central database was restored from a backup (its change log ended at "
            f"{r.restore_point:,}; this register had received up to {r.cursor_before:,})"
        )
    return (
        f"{found}, noticed {r.detected_at[:19].replace('T', ' ')}: "
        f"{plural(r.resent, 'change')} of this register {'was' if r.resent == 1 else 'were'} "
        f"sent again and changes are received again from {r.cursor_after:,}."
    )


def status_report(data_dir: Path) -> StatusReport:
    """Read-only and without the instance lock: works while the window is open.

    A store this posassist has not migrated yet is refused rather than read half-way.
    """
    from posassist.storage.database import (
        SCHEMA_HEAD,
        STORE_FILENAME,
        inspect_existing_file,
        open_database,
    )
    from posassist.storage.orm import SyncProblem
    from posassist.sync.engine import LAST_SYNCED_KEY
    from posassist.sync.pull import CURSOR_KEY

    path = data_dir / STORE_FILENAME
    if inspect_existing_file(path) != SCHEMA_HEAD:
        raise KnownError(
            f"The store {path} has not been opened by this posassist yet.",
            hint="Start posassist once (it updates the store), then ask again.",
        )
    db = open_database(data_dir, migrate=False, lock=False)
    try:
        with db.read() as s:
            last = outbox.get_state(s, LAST_SYNCED_KEY)
            problems = s.scalars(select(SyncProblem).order_by(SyncProblem.server_seq).limit(20))
            return StatusReport(
                register=outbox.get_state(s, "register_id"),
                last_synced=datetime.fromisoformat(last) if last else None,
                queue=outbox.counts(s),
                cursor=outbox.get_state(s, CURSOR_KEY) or "0",
                refused=outbox.dead_letters(s, 50),
                problems=[
                    ReceivedProblem(p.server_seq, p.entity, p.entity_id, p.reason) for p in problems
                ],
                clock_offset_ms=_int(outbox.get_state(s, OFFSET_KEY)),
                restore=read_record(s),
                bootstrap=outbox.get_state(s, BOOTSTRAP_KEY),
            )
    finally:
        db.close()


def _int(value: str | None) -> int | None:
    try:
        return None if value is None else int(value)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class CentralInit:
    """What ``posassist central init`` did: ``before`` is None on an empty database."""

    target: str
    before: str | None
    after: str
    restore_note: str = ""  # set when it found (and adopted) a restore from a backup


def init_central_schema(central: CentralSettings, password: str | None) -> CentralInit:
    """Create or upgrade the central schema; SyncError (in words) if that cannot be done."""
    from posassist.sync.migrate import init_central

    target = CentralTarget.from_settings(central, password)
    result = init_central(target)
    note = ""
    if result.restored is not None:
        note = (
            f"This database was restored from a backup (its change log ends at "
            f"{result.restored.restore_point:,}). It has a new id now, new changes are "
            f"numbered from {result.restored.next_seq:,}, and every register resends what "
            "the backup lacks at its next sync."
        )
    return CentralInit(target.describe(), result.before, result.after, note)


def prune_central(
    central: CentralSettings, password: str | None, horizon_days: int, *, dry_run: bool = False
) -> Pruned:
    """Keep the central change log (and applied-op ids) for ``horizon_days`` only.

    A register away for longer re-bootstraps from a snapshot at its next sync; see
    ``sync/central/snapshot.py``. Long work on a big log: each batch has its own deadline.
    """
    from posassist.sync.central.snapshot import prune

    target = CentralTarget.from_settings(central, password)
    link = CentralLink(lambda: target, op_timeout=300.0)
    try:
        with link.use() as conn:
            reads.central_id(conn)  # a database posassist never set up says so here
            return prune(conn, horizon_days, dry_run=dry_run, progress=link.still_working)
    finally:
        link.close()


@dataclass(frozen=True, slots=True)
class ChainBranch:
    """One branch of the chain, as central holds it (a joining register picks one)."""

    id: uuid.UUID
    code: str
    name: str
    address: str
    phone: str
    timezone: str
    hours: str

    def describe(self) -> str:
        return f"{self.code} — {self.name}"


@dataclass(frozen=True, slots=True)
class ChainDirectory:
    """What the first-run set-up learns from central before it joins: the branches, and
    whether the chain already has managers (then nobody sets up a first manager here)."""

    target: str
    branches: tuple[ChainBranch, ...]
    managers: int


def chain_directory(
    central: CentralSettings, password: str | None, *, op_timeout: float = 15.0
) -> ChainDirectory:
    """Read the chain's branches and managers from central, through the one link with its
    deadline; SyncError in words (wrong password, unreachable, not set up) if it cannot.
    Slow (network): the window calls it on its worker."""
    target = CentralTarget.from_settings(central, password)
    link = CentralLink(lambda: target, op_timeout=op_timeout)
    try:
        with link.use() as conn:
            reads.central_id(conn)  # a database posassist never set up says so here
            rows = reads.branches(conn)
            managers = reads.active_managers(conn)
    finally:
        link.close()
    found = tuple(
        ChainBranch(as_uuid(r[0], "branch id"), *(str(v or "") for v in r[1:])) for r in rows
    )
    return ChainDirectory(target.describe(), found, managers)


def problem_label(kind: str | None) -> str:
    """A few words for the status bar naming a connection problem ('' when none fits)."""
    return LABELS.get(kind or "", "")


def is_network_problem(kind: str | None) -> bool:
    """True when the fault is the link (cable, server down), not the settings or server."""
    return kind is None or kind in NETWORK_KINDS


def is_password_problem(kind: str | None) -> bool:
    return kind in PASSWORD_KINDS


__all__ = [
    "BUSY",
    "STORE_PROBLEM",
    "CentralInit",
    "ChainBranch",
    "ChainDirectory",
    "CycleReport",
    "DeadLetter",
    "LocalStatus",
    "ReceivedProblem",
    "RestoreRecord",
    "StatusReport",
    "SyncLoop",
    "SyncService",
    "SyncStatus",
    "chain_directory",
    "clock_line",
    "clock_off",
    "describe_restore",
    "init_central_schema",
    "is_network_problem",
    "is_password_problem",
    "problem_label",
    "status_report",
]

"""The sync engine (one cycle: push everything, pull everything) and its retry loop.

Qt-free on purpose: tests drive :meth:`SyncEngine.sync_once` synchronously, the CLI
runs one cycle, and the window runs :class:`SyncLoop` on its own thread and only sees
:class:`SyncStatus` values. While the central database is unreachable the loop backs
off (exponentially, with jitter so a chain's registers do not all retry in the same
second after an outage) and keeps retrying by itself: it does not wait for the
cashier to write something new.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from posassist.domain.clock import Clock, system_clock
from posassist.domain.hlc import HybridClock, Timestamp
from posassist.errors import StoreError, SyncError
from posassist.storage.database import Database
from posassist.storage.outbox import prune_acked
from posassist.sync import central
from posassist.sync.audit_rejoin import continue_chain, rejoin_pending
from posassist.sync.bootstrap import AWAY, NEW, Bootstrapped, bootstrap
from posassist.sync.central import CentralLink, Fault
from posassist.sync.central.problems import STORE_PROBLEM
from posassist.sync.outbox import (
    QueueCounts,
    counts,
    get_state,
    newest_pending_seq,
    newest_stamp,
    requeue_missing_references,
    set_state,
)
from posassist.sync.protocol import MAX_CLOCK_AHEAD_MS
from posassist.sync.pull import (
    CURSOR_KEY,
    PULL_LIMIT,
    LogPrunedError,
    PullResult,
    SliceSize,
    pull_once,
    read_cursor,
)
from posassist.sync.push import BATCH_OPS, PushResult, push_once
from posassist.sync.rejoin import CENTRAL_ID_KEY, RestoreRecord, read_record, rejoin

log = logging.getLogger(__name__)

LAST_SYNCED_KEY = "last_synced_at"
HLC_HIGH_KEY = "hlc_high"
OFFSET_KEY = "clock_offset_ms"
OFFSET_AT_KEY = "clock_offset_at"
# A PC clock further than this from the server's is shown in the status bar and by doctor.
CLOCK_WARN_MS = 120_000
# A newly measured offset is saved when it moved by this much (not on every cycle).
OFFSET_SAVE_MS = 1_000
# A new register replays a change log this short; a longer one it loads as a snapshot
# (a snapshot reads every table once, a replay every change ever made).
BOOTSTRAP_AFTER_CHANGES = 10_000


@dataclass
class CycleReport:
    """What one cycle sent and received, added up over its push and pull batches."""

    pushed: int = 0
    acked: int = 0
    dead: int = 0
    pulled: int = 0
    problems: int = 0
    customers_changed: set[uuid.UUID] = field(default_factory=set)  # fields changed
    customers_touched: set[uuid.UUID] = field(default_factory=set)  # new visits etc.
    # Staff accounts a pull (or a push's answer) changed here: the window then asks
    # ``StaffService.current_is_active()`` whether whoever is signed in may go on.
    staff_changed: set[uuid.UUID] = field(default_factory=set)
    bootstrapped: Bootstrapped | None = None  # this cycle loaded a snapshot

    def add_push(self, pushed: PushResult) -> None:
        self.pushed += pushed.sent
        self.acked += pushed.acked
        self.dead += pushed.dead
        self.customers_changed |= pushed.customers_changed
        self.staff_changed |= pushed.staff_changed

    def add_pull(self, pulled: PullResult) -> None:
        self.pulled += pulled.applied.count
        self.problems += pulled.problems
        self.customers_changed |= pulled.applied.changed_customers
        self.customers_touched |= pulled.applied.touched_customers
        self.staff_changed |= pulled.applied.staff


@dataclass(frozen=True, slots=True)
class LocalStatus:
    """What this register knows without the network."""

    queue: QueueCounts
    last_synced: datetime | None
    cursor: int
    clock_offset_ms: int | None = None  # None: never reached the server, own clock used
    restore: RestoreRecord | None = None  # the last time central came back from a backup


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """What the status bar shows."""

    state: Literal["connecting", "online", "offline"]
    pending: int
    dead: int
    problems: int
    last_synced: datetime | None
    offline_since: datetime | None = None
    error: str | None = None
    clock_offset_ms: int | None = None  # server minus this PC; None: never measured
    error_kind: str | None = None  # SyncError.kind: which connection problem it is


class SyncEngine:
    """Push and pull for one register's store against one central database."""

    def __init__(
        self,
        db: Database,
        link: CentralLink,
        register_id: uuid.UUID,
        hlc: HybridClock,
        *,
        batch_size: int = BATCH_OPS,
        pull_limit: int = PULL_LIMIT,
        max_ahead_ms: int = MAX_CLOCK_AHEAD_MS,
        clock: Clock = system_clock,
        on_customers_changed: Callable[[CycleReport], None] | None = None,
        fault: Fault | None = None,
        bootstrap_after: int = BOOTSTRAP_AFTER_CHANGES,
    ) -> None:
        self.db = db
        self.bootstrap_after = bootstrap_after
        self._floor = 0
        self._high = 0
        self.link = link
        self.register_id = register_id
        self.hlc = hlc
        self.batch_size = batch_size
        self.pull_limit = pull_limit
        self._slices = SliceSize()  # what the pull's slices adapted to, page to page
        self.max_ahead_ms = max_ahead_ms
        self.clock = clock
        self.on_customers_changed = on_customers_changed
        self.fault = fault
        self.restore: RestoreRecord | None = None  # set when this run rejoined a restore
        self._prime_clock()

    def _prime_clock(self) -> None:
        """After a restart, never stamp below what this register already wrote or saw.

        The offset measured last time is applied first (an offline restart keeps it).
        Own stamps far beyond the corrected clock were made before the offset was known
        and are not followed (the server pins them when they arrive). A stamp that is no
        clock is skipped (its row becomes a dead letter), so a damaged outbox row can never
        stop the register from starting.
        """
        with self.db.read() as s:
            saved = get_state(s, OFFSET_KEY)
            known = get_state(s, HLC_HIGH_KEY)
        if saved is not None and self.hlc.offset_ms is None:
            self.hlc.set_offset(int(saved))
        limit = None
        if self.hlc.offset_ms is not None:
            limit = Timestamp(self.hlc.physical_millis() + self.max_ahead_ms, 0, "").encode()
        high = newest_stamp(self.db, known, below=limit)
        if high is not None:
            self.hlc.observe(high)

    # -- one cycle ---------------------------------------------------------------
    def sync_once(self) -> CycleReport:
        """Push what is queued, then pull until caught up. SyncError if offline."""
        report = self.push_pending()
        cursor = read_cursor(self.db)
        if cursor < self._floor:
            self._bootstrap(report, AWAY)
        elif cursor == 0 and self._high - self._floor > self.bootstrap_after:
            self._bootstrap(report, NEW)
        try:
            newest = self._pull_all(report)
            # What the pull brought may be what a refused change was missing (a restore).
            if report.pulled and requeue_missing_references(self.db):
                self._push_all(report)
            with self.db.write() as s:
                set_state(s, LAST_SYNCED_KEY, self.clock().isoformat())
                if newest:
                    set_state(s, HLC_HIGH_KEY, max(newest, get_state(s, HLC_HIGH_KEY) or ""))
            prune_acked(self.db, self.clock())
        except Exception:
            # Pages and slices commit one by one: what was applied before the failure is
            # in the store, and the cursor is past it, so this is the one time to say so
            # (the name index, the open card, a staff account disabled meanwhile). A
            # listener failing then (the window closing) must not hide the fault itself.
            try:
                self._announce(report)
            except Exception:
                log.exception("sync: telling the window what the cut-short cycle saved failed")
            raise
        self._announce(report)
        return report

    def _pull_all(self, report: CycleReport) -> str:
        """Pull pages until caught up; the newest clock stamp seen."""
        newest = ""
        while True:
            try:
                pulled = pull_once(
                    self.db,
                    self.link,
                    self.register_id,
                    self.hlc,
                    limit=self.pull_limit,
                    sizes=self._slices,
                )
            except LogPrunedError as exc:  # pruned between the probe and this batch
                if report.bootstrapped is not None:  # once a cycle: never a loop
                    raise SyncError(
                        "The central change log was pruned again while this register "
                        "loaded a snapshot.",
                        hint="Sync again; if it repeats, check the prune job's horizon.",
                    ) from exc
                self._bootstrap(report, AWAY)
                continue
            report.add_pull(pulled)
            newest = max(newest, pulled.newest_stamp)
            if not pulled.more:
                return newest

    def _announce(self, report: CycleReport) -> None:
        touched = report.customers_changed | report.customers_touched | report.staff_changed
        if (touched or report.bootstrapped) and self.on_customers_changed is not None:
            self.on_customers_changed(report)

    def push_pending(self) -> CycleReport:
        """The push half of a cycle alone: the probe, then batches of what is queued now.

        ``sync_once`` starts with it; the bench times it on its own, beside a COPY of the
        same rows, so the figure is the push and not the pull that follows it.
        """
        report = CycleReport()
        self._check_central()
        if rejoin_pending(self.db):  # restored from a backup: before any entry is pushed
            with self.link.use() as conn:
                continue_chain(self.db, conn, self.register_id)
        self._push_all(report)
        return report

    def _bootstrap(self, report: CycleReport, reason: str) -> None:
        """Load central's snapshot (``sync/bootstrap.py``); a register that was away
        longer than central keeps its log says so in the log and in ``sync status``."""
        if reason == AWAY:
            log.warning(
                "this register was away longer than central keeps its change log; "
                "loading a fresh snapshot of the chain (unsent changes are kept)"
            )
        done = bootstrap(self.db, self.link, reason)
        report.bootstrapped = done
        report.customers_changed |= done.changed_customers
        report.staff_changed |= done.staff

    def _push_all(self, report: CycleReport) -> None:
        """Push the changes pending now, in batches; the ones queued meanwhile wait for
        the next cycle (``newest_pending_seq``), so every cycle reaches its pull."""
        through = newest_pending_seq(self.db)
        if through is None:
            return
        while True:
            pushed = push_once(
                self.db,
                self.link,
                self.register_id,
                self.hlc.now().encode(),
                batch_size=self.batch_size,
                max_ahead_ms=self.max_ahead_ms,
                fault=self.fault,
                through=through,
            )
            if pushed is None:
                return
            report.add_push(pushed)
            if pushed.acked + pushed.dead == 0:
                raise SyncError("The central database did not answer for any of the changes.")

    def _check_central(self) -> None:
        """Same schema, same central database as last time, and how far off our clock is.

        One probe per cycle answers the server's time (the offset is measured with the
        round trip halved), central's id and its change log's high-water mark. A central
        restored from a backup is adopted and rejoined (``sync/rejoin.py``).
        """
        from posassist.sync.migrate import central_head

        with self.db.read() as s:
            known = get_state(s, CENTRAL_ID_KEY)
            cursor = int(get_state(s, CURSOR_KEY) or 0)
        with self.link.use() as conn:
            revision = central.schema_revision(conn)
            if revision is None:
                raise SyncError(
                    "The central database has no posassist tables.",
                    hint="Run `posassist central init` once.",
                )
            if revision != central_head():
                raise SyncError(
                    f"The central database has schema {revision}; this posassist needs "
                    f"{central_head()}.",
                    hint="Run `posassist central init` with the newer posassist, or update "
                    "posassist here.",
                )
            sent = self.hlc.wall_millis()
            found = central.probe(conn, known)
            offset = found.server_ms - (sent + self.hlc.wall_millis()) // 2
            behind = known == found.central_id and found.high < cursor
            adopt = found.recorded_oid is None or found.restored_by_tables or behind
            if adopt and central.adopt_restore(conn, cursor) is not None:
                found = central.probe(conn, known)
            if not found.central_id:
                raise SyncError(
                    "The central database was not set up by posassist.",
                    hint="Run `posassist central init` once.",
                )
            if known is not None and known != found.central_id:
                self.restore = rejoin(
                    self.db, conn, known, found, CURSOR_KEY, self.clock().isoformat()
                )
        self._floor, self._high = found.floor, found.high
        self._set_offset(offset)
        if known is None:
            with self.db.write() as s:
                set_state(s, CENTRAL_ID_KEY, found.central_id)

    def _set_offset(self, offset: int) -> None:
        """Stamp edits with the corrected time; keep the offset for an offline restart."""
        ceiling = self.hlc.wall_millis() + offset + self.max_ahead_ms
        previous = self.hlc.offset_ms
        forgot = self.hlc.set_offset(offset, ceiling_ms=ceiling)
        if previous is None or abs(previous - offset) >= OFFSET_SAVE_MS:
            with self.db.write() as s:
                set_state(s, OFFSET_KEY, str(offset))
                set_state(s, OFFSET_AT_KEY, self.clock().isoformat())
        if forgot or previous is None or abs(previous - offset) > self.max_ahead_ms:
            self._prime_clock()  # the stamps seen from others still bound ours from below
            if abs(offset) > CLOCK_WARN_MS:
                log.warning("this PC's clock is %+d s off the server's; corrected", offset // 1000)

    def local_status(self) -> LocalStatus:
        with self.db.read() as s:
            queue = counts(s)
            last = get_state(s, LAST_SYNCED_KEY)
            cursor = int(get_state(s, CURSOR_KEY) or 0)
            restore = read_record(s)
        last_at = datetime.fromisoformat(last) if last else None
        return LocalStatus(queue, last_at, cursor, self.hlc.offset_ms, restore)

    def close(self) -> None:
        self.link.close()


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter: base·2ⁿ capped, then a random 50–100 % of it."""

    base: float = 1.0
    cap: float = 60.0

    def delay(self, failures: int, rng: random.Random) -> float:
        top = min(self.cap, self.base * 2.0 ** max(0, failures - 1))
        return float(top * rng.uniform(0.5, 1.0))


class SyncLoop:
    """Run cycles until stopped; report every change of status through ``on_status``.

    ``on_status`` is called on the loop's thread. Local changes are noticed within
    ``tick`` seconds: online they are pushed at once, offline only counted (the
    backoff decides when to try the network again).
    """

    def __init__(
        self,
        engine: SyncEngine,
        *,
        on_status: Callable[[SyncStatus], None],
        poll_seconds: float = 5.0,
        backoff: Backoff | None = None,
        tick: float = 1.0,
        rng: random.Random | None = None,
    ) -> None:
        self.engine = engine
        self.on_status = on_status
        self.poll_seconds = poll_seconds
        self.backoff = backoff or Backoff()
        self.tick = tick
        self._rng = rng or random.Random()
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._failures = 0
        self._offline_since: datetime | None = None
        self._online: bool | None = None
        self._error: str | None = None
        self._error_kind: str | None = None
        self._last: SyncStatus | None = None

    def stop(self) -> None:
        """From any thread: finish the current call quickly and leave ``run``."""
        self._stopped.set()
        self._wake.set()
        self.engine.link.abort()

    def poke(self) -> None:
        """Sync now (a manager pressed "sync now")."""
        self._failures = 0
        self._wake.set()

    def status(self) -> SyncStatus:
        local = self.engine.local_status()
        state: Literal["connecting", "online", "offline"] = (
            "connecting" if self._online is None else "online" if self._online else "offline"
        )
        return SyncStatus(
            state=state,
            pending=local.queue.pending,
            dead=local.queue.dead,
            problems=local.queue.problems,
            last_synced=local.last_synced,
            offline_since=self._offline_since,
            error=self._error,
            clock_offset_ms=local.clock_offset_ms,
            error_kind=self._error_kind,
        )

    def _publish(self) -> SyncStatus:
        status = self.status()
        if status != self._last:
            self._last = status
            self.on_status(status)
        return status

    def run_cycle(self) -> float:
        """One attempt; returns how long to wait before the next."""
        try:
            self.engine.sync_once()
        except SyncError as exc:
            self._failures += 1
            if self._online is not False:
                self._offline_since = self.engine.clock()
            self._online = False
            self._error, self._error_kind = str(exc), exc.kind
            log.info("sync failed (%d in a row): %s", self._failures, exc)
            self._publish()
            return self.backoff.delay(self._failures, self._rng)
        except StoreError as exc:  # this register's disk, not the link: full, read-only
            self._failures += 1
            if self._online is not False:
                self._offline_since = self.engine.clock()
            self._online = False
            self._error, self._error_kind = str(exc), STORE_PROBLEM
            log.warning("sync could not save to the store (%s); it retries", exc.kind)
            self._publish()
            return self.backoff.delay(self._failures, self._rng)
        except Exception as exc:  # a bug must not kill the loop: logged with its traceback
            self._failures += 1
            self._online = False
            if self._offline_since is None:
                self._offline_since = self.engine.clock()
            self._error, self._error_kind = f"internal error: {exc}", "bug"
            log.exception("sync cycle failed with a bug")
            self._publish()
            return self.backoff.delay(self._failures, self._rng)
        self._failures = 0
        self._online = True
        self._offline_since = None
        self._error = self._error_kind = None
        self._publish()
        return self.poll_seconds

    def run(self) -> None:
        prune_acked(self.engine.db, self.engine.clock())  # at start-up, off the GUI thread
        self._publish()
        while not self._stopped.is_set():
            delay = self.run_cycle()
            deadline = time.monotonic() + delay
            while not self._stopped.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                if self._wake.wait(min(self.tick, remaining)):
                    self._wake.clear()
                    break
                status = self._publish()
                if self._online and status.pending > 0:
                    break  # online and the cashier wrote something: push it now
        self.engine.close()

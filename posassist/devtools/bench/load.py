"""``posassist bench --load``: many registers writing and syncing against one central.

Issue 15's "fifty registers at once": ``registers`` simulated registers (default 50) each
write ``rate`` ops/s (default 10) through the services for ``seconds`` (default 60) and
run a sync round (push, then pull until caught up) once a second, against one central
PostgreSQL on this machine. The rows: the central's throughput, the p50/p95 of a sync
round (target p95 ≤ 1 s), the offered load actually achieved, the drain time, and
convergence (every register holds exactly central's customers, interactions and the
merged customer fields; nothing written is lost, nothing is doubled).

Design, and why:

* Registers are threads in a few worker processes (default 5 × 10), started with
  multiprocessing ``spawn``. One process per register would be 50 Python interpreters
  (~60 MB each) on a 2-core machine: start-up alone would eat the first minute. Threads in
  one process would put all 50 registers behind one GIL, which measures the bench, not
  the sync. A few processes spread the Python work over the cores while each register
  still has its own store, its own connection and its own sync engine, as a till has.
* Each register is a real one: its own SQLite store in a temp folder, built with
  ``load_settings``/``open_database``/``open_context``/``build_backend``, its writes through
  the services (new customers, visits, and edits of a few *shared* customers that every
  register edits — even registers the name, odd ones the notes — so the per-field merge
  is exercised under contention). Its sync round is the engine's cycle the window's sync
  loop runs (``SyncService.engine.sync_once``: the connection stays open between rounds,
  as in a shop; ``SyncService.sync_once`` would reconnect every round, as the CLI does).
* Writes are paced by the wall clock on a writer thread per register (the cashier): op
  *k* is due at ``start + k / rate`` (plus a fraction of one interval per register) and
  is written then, or at once if late; the sync rounds run on the register's own thread,
  once a second (offset by the register's phase: real tills are not synchronised), as
  the window's sync loop has its own thread. So a slow round shows as a slow round, not
  as silently fewer writes; the achieved write rate is reported beside the target.
* The worker processes run at a lower CPU priority (``WORKER_NICENESS``) than the
  central server: fifty registers on one 2-core machine are fifty PCs' work, and at equal
  priority they left the server's backends queued for a core while holding the
  change-log lock (PostgreSQL 0.04 cores busy, the lock held 400 ms a push). The rows
  report the registers' CPU and the cores they would need to keep up.
* Registers are spread over ``branches`` branch codes (default 5), so most pulled
  changes come from other branches.
* Everything is bounded: the workers say "ready" and start together on one event, every
  wait has a timeout, the workers stop and write their report at a soft deadline (a
  watchdog cuts the rounds still running; a round that never ended counts at its length
  so far), and at the hard deadline (set-up allowance + ``seconds`` + ``grace``) the
  parent kills what is left; the rows then report the failure instead of hanging. The
  caller always stops the server and deletes the temp folders.
* After the load, a drain: every register syncs until its outbox is empty; once all have
  (the parent hears it from every worker), every register pulls up to central's
  high-water mark. Then the check: central decided every op id each register wrote
  (``applied_ops``; an edit that lost the merge is decided but not logged), logged none
  twice (``change_log``), and holds every customer and interaction written and nothing
  else; each register holds exactly central's set of customer ids and interaction ids and
  the same customer field values (digests).

While the load runs, the parent samples ``pg_stat_activity`` four times a second: how
many central sessions wait on the change-log advisory lock (pushes are serialised by it)
versus how many are active. That, with the change log's size per op and the payload
bytes per op, is what sizing a chain needs (see :class:`LoadResult`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import multiprocessing
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from posassist.devtools.bench.report import Row, row
from posassist.errors import StoreError

SETUP_SECONDS_PER_REGISTER = 4.0  # opening a store and its first sync, on a busy machine
SETUP_SECONDS_MIN = 60.0
SAMPLE_SECONDS = 0.25
REPORT_SECONDS = 30.0  # before the hard deadline: the workers stop and write their report
EDIT_EVERY = 10  # op k with k % 10 == 0: a new customer; == 5: an edit of a shared one
# The workers' niceness (see worker_main): the simulated registers yield the CPU to the
# central PostgreSQL on the same machine, as registers on their own PCs would not load it.
WORKER_NICENESS = 10


@dataclass(frozen=True)
class LoadSpec:
    """How many registers, how fast, for how long; the defaults are issue 15's."""

    registers: int = 50
    seconds: float = 60.0
    rate: float = 10.0  # ops/s per register
    branches: int = 5
    processes: int = 5
    shared_customers: int = 5
    grace: float = 120.0  # after the load: the drain and the checks must fit in this

    def validate(self) -> None:
        """Refuse numbers the bench cannot run, in words for IT (InvalidInputError).

        The bounds keep a typo from starting thousands of processes or a day-long run.
        """
        from posassist.errors import InvalidInputError

        if not 1 <= self.registers <= 500:
            raise InvalidInputError(
                "registers",
                f"--registers must be between 1 and 500, not {self.registers} "
                "(each register holds one central connection).",
            )
        if not 1 <= self.seconds <= 3600:
            raise InvalidInputError(
                "seconds", f"--seconds must be between 1 and 3600, not {self.seconds:g}."
            )
        if not 0 < self.rate <= 200:
            raise InvalidInputError(
                "rate", f"--rate must be more than 0 and at most 200 ops/s, not {self.rate:g}."
            )
        if not 1 <= self.processes <= 64:
            raise InvalidInputError(
                "processes", f"--processes must be between 1 and 64, not {self.processes}."
            )

    @property
    def workers(self) -> int:
        return max(1, min(self.processes, self.registers))

    @property
    def setup_seconds(self) -> float:
        per_worker = -(-self.registers // self.workers)
        return max(SETUP_SECONDS_MIN, SETUP_SECONDS_PER_REGISTER * per_worker)


@dataclass(frozen=True)
class Central:
    """Where the central database is (picklable: it goes to the spawned workers)."""

    host: str
    port: int
    dbname: str
    user: str = "postgres"

    def conninfo(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "dbname": self.dbname,
            "user": self.user,
            "connect_timeout": 10,
        }


@dataclass(frozen=True)
class RegisterPlan:
    index: int
    name: str
    branch: str
    data_dir: str
    phase: float  # seconds after the common start of this register's first tick


@dataclass
class LoadResult:
    """Everything the rows and the scaling notes are made of."""

    spec: LoadSpec
    registers_reported: int = 0
    converged: int = 0
    lost: int = 0
    doubled: int = 0
    ops_written: int = 0  # during the load, all registers
    ops_due: int = 0  # what the pacing asked for by the end of the load
    write_late_ms: float = 0.0  # the worst any writer fell behind its schedule
    load_seconds: float = 0.0
    central_ops_in_load: int = 0  # change-log rows appended during the load window
    round_ms: list[float] = field(default_factory=list)
    failed_rounds: int = 0
    busy_writes: int = 0  # cashiers' writes refused because the store's lock was held
    open_rounds: int = 0  # rounds still running when the load ended (in round_ms as ≥)
    drain_seconds: float | None = None
    lock_wait_share: float | None = None  # waiting on the change-log lock / active sessions
    mean_lock_waiters: float | None = None
    mean_active_sessions: float | None = None
    log_bytes_per_op: float | None = None  # change_log + applied_ops growth (table+index)
    payload_bytes_per_op: float | None = None  # what a pull carries per op (JSON text)
    pulled_ops: int = 0
    pulled_in_load: int = 0  # changes the registers applied during the load window
    outcomes: dict[str, int] = field(default_factory=dict)  # central's answer per op
    unlogged: int = 0  # decided but not in the change log (edits that lost the merge)
    lock_busy_share: float | None = None  # of the samples, how many saw the lock held
    pushes_in_load: int = 0  # push transactions that appended to the change log
    worker_cpu_s: float = 0.0  # CPU the simulated registers used during the load
    central_cpu_s: float | None = None  # CPU of the PostgreSQL processes during the load
    holder_waits_client: float | None = None  # lock held while the server waits on the client
    log_lock_wait_share: float | None = None  # active sessions queued for the change-log lock
    # Where the change-log lock's hold time goes, as shares (the register, a CPU, the disk).
    holder_time: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def central_ops_per_s(self) -> float:
        return self.central_ops_in_load / self.load_seconds if self.load_seconds else 0.0

    def cores_to_keep_up(self) -> float | None:
        """The CPU the simulated registers would need if every one applied all the
        others' changes as fast as they are written: their CPU per change handled (written
        or applied) during the load, times the changes due per second.

        With every register holding the whole chain, that work grows with the square of
        the registers: 50 × 49 × 10 = 24,500 changes/s to apply. In a shop each register
        has its own PC; on one bench machine they share its cores, and a round cannot be
        fast while they need more than there are (docs/scaling.md)."""
        handled = self.pulled_in_load + self.ops_written
        if not handled or not self.load_seconds:
            return None
        n, rate = self.spec.registers, self.spec.rate
        due_per_s = n * rate + n * (n - 1) * rate
        return self.worker_cpu_s / handled * due_per_s

    @property
    def offered_ops_per_s(self) -> float:
        return self.ops_written / self.load_seconds if self.load_seconds else 0.0

    @property
    def ok(self) -> bool:
        return (
            not self.problems
            and self.converged == self.spec.registers
            and self.lost == 0
            and self.doubled == 0
        )

    def summary(self) -> dict[str, Any]:
        """The figures as one JSON-able dict (the rounds as p50/p95, not every sample)."""
        out = asdict(self)
        del out["round_ms"]
        rounds = sorted(self.round_ms)
        out["rounds"] = len(rounds)
        out["round_p50_ms"] = statistics.median(rounds) if rounds else None
        out["round_p95_ms"] = _p95(rounds)
        out["central_ops_per_s"] = self.central_ops_per_s
        out["offered_ops_per_s"] = self.offered_ops_per_s
        if self.lock_busy_share is not None and self.pushes_in_load:
            held = self.lock_busy_share * self.load_seconds / self.pushes_in_load
            out["lock_held_ms_per_push"] = held * 1000
        return out


def _p95(ordered: Sequence[float]) -> float | None:
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


# -- the bench rows --------------------------------------------------------------------
def load_rows(spec: LoadSpec) -> list[Row]:
    """Start a throwaway PostgreSQL, run the load against it, and make the rows."""
    from posassist.devtools.pgserver import PgTestServer, find_pg_binaries, missing_reason

    binaries = find_pg_binaries()
    if binaries is None:
        return [row(f"load test — unavailable: {missing_reason()}", [])]
    server = PgTestServer(binaries)
    work = Path(tempfile.mkdtemp(prefix="posassist-bench-load-"))
    try:
        # Each register holds one connection; the sampler and the checks one more each.
        server.configure(max_connections=str(spec.registers + 20))
        server.start()
        central = _init_central(server)
        result = run_load(spec, central, work)
    finally:
        server.cleanup()
        shutil.rmtree(work, ignore_errors=True)
    return result_rows(result)


def _init_central(server: Any) -> Central:
    from posassist.sync.central import CentralTarget
    from posassist.sync.migrate import init_central

    server.create_database("load")
    init_central(CentralTarget(server.host, server.port, "load", "postgres"))
    return Central(server.host, server.port, "load")


def result_rows(result: LoadResult) -> list[Row]:
    """The load's rows, each in its unit with its target beside it."""
    spec = result.spec
    n = spec.registers
    label = f"load {n} reg × {spec.rate:g} ops/s × {spec.seconds:g} s"
    summary = result.summary()
    print(f"load summary: {json.dumps(summary, default=str)}", file=sys.stderr)
    for problem in result.problems:
        print(f"load problem: {problem}", file=sys.stderr)
    # Lost and doubled mean something only if every register said what it wrote.
    checked = result.registers_reported == n
    rows = [
        row(
            f"{label}: sync round (push + pull)"
            + (f", {result.open_rounds} never ended (length so far)" if result.open_rounds else ""),
            result.round_ms,
            "p95 ≤ 1 s",
        ),
        _figure(
            f"{label}: central ops/s applied (offered {spec.rate * n:g}/s)",
            result.central_ops_per_s,
            "ops/s",
        ),
        _figure(
            f"{label}: achieved write rate, ops/s (target {spec.rate * n:g})",
            result.offered_ops_per_s,
            "ops/s",
        ),
        _figure(
            f"{label}: registers converged {result.converged}/{n}, missing",
            float(n - result.converged),
            "count",
            "≤ 0",
        ),
        _figure(f"{label}: ops lost", float(result.lost), "count", "≤ 0", checked),
        _figure(f"{label}: ops doubled", float(result.doubled), "count", "≤ 0", checked),
        _figure(
            f"{label}: failed rounds and problems",
            float(result.failed_rounds + len(result.problems)),
            "count",
            "≤ 0",
        ),
        _figure(
            f"{label}: cashiers' writes refused, store busy (its sync held the lock > 5 s)",
            float(result.busy_writes),
            "count",
            "≤ 0",
        ),
        row(
            f"{label}: drain (load end → all converged)",
            [] if result.drain_seconds is None else [result.drain_seconds * 1000],
        ),
    ]
    if result.lock_wait_share is not None:
        rows.append(
            _figure(
                f"{label}: % of active central sessions waiting on a push lock (per key or log)",
                result.lock_wait_share * 100,
                "%",
            )
        )
    if result.log_lock_wait_share is not None:
        rows.append(
            _figure(
                f"{label}: % of active central sessions waiting on the change-log lock",
                result.log_lock_wait_share * 100,
                "%",
            )
        )
    held_ms = summary.get("lock_held_ms_per_push")
    if held_ms is not None:
        rows.append(_figure(f"{label}: change-log lock held per push (sampled)", held_ms, "ms"))
    for where, share in result.holder_time.items():
        rows.append(_figure(f"{label}: % of change-log lock time {where}", share * 100, "%"))
    if result.load_seconds:
        if result.central_cpu_s is not None:
            rows.append(
                _figure(
                    f"{label}: central PostgreSQL CPU, cores busy",
                    result.central_cpu_s / result.load_seconds,
                    "cores",
                )
            )
        rows.append(
            _figure(
                f"{label}: simulated registers' CPU, cores busy (of {os.cpu_count()})",
                result.worker_cpu_s / result.load_seconds,
                "cores",
            )
        )
        needed = result.cores_to_keep_up()
        if needed is not None:
            rows.append(
                _figure(
                    f"{label}: cores the registers would need to keep up (this machine has "
                    f"{os.cpu_count()}; each applies the other {n - 1} registers' changes)",
                    needed,
                    "cores",
                )
            )
    return rows


def _figure(name: str, value: float, unit: str, target: str = "", measured: bool = True) -> Row:
    """A single figure in ``unit`` (ops/s, %, cores, count, ms) in the one row format: its
    value in both columns; not ``measured``: a row marked unavailable (NaN, ``null``)."""
    if not measured:
        return row(f"{name} — unavailable: not every register reported", [], target, unit)
    return Row(name, value, value, 1, target.replace("≤", "median ≤") if target else "", unit)


# -- the parent: seed, start the workers, watch central, check ----------------------
def run_load(spec: LoadSpec, central: Central, work: Path) -> LoadResult:
    """Run the load against ``central`` (an initialised, empty central database).

    ``work`` holds the registers' stores and the workers' reports; the caller deletes it.
    Never hangs: past the hard deadline the workers are killed and the result says so.
    """
    spec.validate()
    result = LoadResult(spec)
    shared = _seed(central, work / "seed", spec.shared_customers)
    plans = _plans(spec, work)
    ctx = multiprocessing.get_context("spawn")
    workers = spec.workers
    news = ctx.Queue()  # ("ready" | "pushed", worker) from the workers
    go, pull = ctx.Event(), ctx.Event()  # start the load; everyone pushed: catch up
    t_begin = time.monotonic()
    deadline = t_begin + spec.setup_seconds + spec.seconds + spec.grace
    soft = deadline - REPORT_SECONDS  # the workers stop there and report what they have
    procs = []
    for w in range(workers):
        out = work / f"worker-{w}.json"
        proc = ctx.Process(
            target=worker_main,
            args=(plans[w::workers], central, spec, [str(c) for c in shared], str(out)),
            kwargs={"news": news, "go": go, "pull": pull, "soft": soft, "worker": w},
            name=f"posassist-load-{w}",
            daemon=True,
        )
        proc.start()
        procs.append((proc, out))
    sampler: _Sampler | None = None
    try:
        if _await(news, "ready", [p for p, _ in procs], t_begin + spec.setup_seconds, result):
            sampler = _Sampler(central, time.monotonic() + spec.seconds)
            sampler.start()
            go.set()
            _await(news, "pushed", [p for p, _ in procs], soft, result)
            pull.set()  # also when not all pushed: the workers then report by ``soft``
            sampler.join(timeout=spec.seconds + 30)
        for proc, _ in procs:
            proc.join(timeout=max(0.1, deadline - time.monotonic()))
    finally:
        for proc, _ in procs:
            if proc.is_alive():
                result.problems.append(f"{proc.name} passed the hard deadline; killed")
                proc.kill()
                proc.join(10)
    reports = []
    for proc, out in procs:
        if not out.exists():
            result.problems.append(f"{proc.name} wrote no report (exit code {proc.exitcode})")
            continue
        report = json.loads(out.read_text(encoding="utf-8"))
        if report.get("error"):
            result.problems.append(f"{proc.name}: {report['error']}")
        reports.extend(report["registers"])
        result.worker_cpu_s += report.get("cpu_load_s") or 0.0
    if sampler is not None:
        sampler.fill(result)
    _check(central, spec, shared, reports, result)
    return result


def _await(news: Any, what: str, procs: list[Any], until: float, result: LoadResult) -> bool:
    """Wait until every worker said ``what``; False (and why, in ``result``) if one died
    or ``until`` passed first. Polls, so a dead worker is noticed at once."""
    import queue

    heard: set[int] = set()
    while len(heard) < len(procs):
        try:
            said, worker = news.get(timeout=0.5)
        except queue.Empty:
            dead = [p.name for p in procs if not p.is_alive()]
            if dead:
                result.problems.append(f"{', '.join(dead)} ended before saying {what!r}")
                return False
            if time.monotonic() > until:
                result.problems.append(f"not every worker said {what!r} in time")
                return False
            continue
        if said == what:
            heard.add(worker)
    return True


def _seed(central: Central, data_dir: Path, count: int) -> list[uuid.UUID]:
    """The shared customers every register edits, created on a seed register and pushed."""
    from posassist.services.customers import NewCustomer

    reg = _open_register(central, data_dir, "Load seed", "B01")
    try:
        ids = [reg.customers.create(NewCustomer(f"Shared Customer {i}")) for i in range(count)]
        reg.sync.engine.sync_once()
    finally:
        reg.close()
    return ids


def _plans(spec: LoadSpec, work: Path) -> list[RegisterPlan]:
    rng = random.Random(15)  # the same phases every run
    return [
        RegisterPlan(
            index=i,
            name=f"Load {i + 1:03d}",
            branch=f"B{i % spec.branches + 1:02d}",
            data_dir=str(work / f"reg-{i + 1:03d}"),
            phase=rng.uniform(0.0, 1.0),
        )
        for i in range(spec.registers)
    ]


class _Sampler(threading.Thread):
    """Watches central during the load: the change log's growth and who waits on what."""

    def __init__(self, central: Central, until: float) -> None:
        super().__init__(name="posassist-load-sampler", daemon=True)
        self.central = central
        self.until = until
        from posassist.sync.central import CHANGE_LOG_LOCK

        self.params = {"db": central.dbname, "key": CHANGE_LOG_LOCK}
        self.t0 = self.t1 = time.monotonic()
        self.seq0 = self.seq1 = 0
        self.bytes0 = self.bytes1 = 0
        self.payload_bytes: int | None = None
        self.pushes = 0
        # (waiting on an advisory lock, active, change-log lock holder idle in
        # transaction, holder running a statement, waiting on the change-log lock)
        self.samples: list[tuple[int, int, int, int, int]] = []
        # What the change-log lock's holder waited on while running, sample by sample.
        self.holder_waits: Counter[str] = Counter()
        self.cpu0: dict[int, float] = {}
        self.cpu1: dict[int, float] = {}
        self.error: str | None = None

    def run(self) -> None:
        import psycopg

        try:
            with psycopg.connect(**self.central.conninfo(), autocommit=True) as conn:
                self.t0 = time.monotonic()
                self.seq0, self.bytes0 = _log_position(conn)
                self.cpu0 = _server_cpu(conn)
                while (now := time.monotonic()) < self.until:
                    got = conn.execute(_ACTIVITY, self.params).fetchone()
                    if got is not None:
                        self.samples.append(tuple(int(v) for v in got[:5]))  # type: ignore[arg-type]
                        self.holder_waits.update((got[5] or "").split(",") if got[5] else [])
                    time.sleep(min(SAMPLE_SECONDS, max(0.0, self.until - now)))
                self.t1 = time.monotonic()
                self.seq1, self.bytes1 = _log_position(conn)
                self.cpu1 = _server_cpu(conn)
                got = conn.execute(_PAYLOAD, (self.seq0, self.seq1)).fetchone()
                if got is not None:
                    self.payload_bytes = None if got[0] is None else int(got[0])
                    self.pushes = int(got[1])
        except Exception as exc:  # noqa: BLE001 - the figures are then missing, said why
            self.error = f"sampler: {exc}"

    def fill(self, result: LoadResult) -> None:
        if self.error:
            result.problems.append(self.error)
            return
        ops = self.seq1 - self.seq0
        result.load_seconds = self.t1 - self.t0
        result.central_ops_in_load = ops
        if self.samples:
            waiting = sum(s[0] for s in self.samples)
            active = sum(s[1] for s in self.samples)
            idle_holder = sum(s[2] for s in self.samples)
            busy_holder = sum(s[3] for s in self.samples)
            result.mean_lock_waiters = waiting / len(self.samples)
            result.mean_active_sessions = active / len(self.samples)
            result.lock_wait_share = waiting / active if active else 0.0
            held = idle_holder + busy_holder
            result.holder_waits_client = idle_holder / held if held else None
            result.log_lock_wait_share = sum(s[4] for s in self.samples) / active if active else 0.0
            if held:
                # Idle in its transaction or reading from it: either way, the register.
                time_in: Counter[str] = Counter({_WAIT_LABELS["Client"]: idle_holder})
                for kind, count in self.holder_waits.items():
                    time_in[_WAIT_LABELS.get(kind, kind)] += count
                result.holder_time = {k: n / held for k, n in sorted(time_in.items())}
            result.lock_busy_share = sum(1 for s in self.samples if s[2] + s[3]) / len(self.samples)
        result.pushes_in_load = self.pushes
        if self.cpu0 and self.cpu1:
            result.central_cpu_s = sum(
                cpu - self.cpu0.get(pid, 0.0) for pid, cpu in self.cpu1.items()
            )
        if ops > 0:
            result.log_bytes_per_op = (self.bytes1 - self.bytes0) / ops
            if self.payload_bytes is not None:
                result.payload_bytes_per_op = self.payload_bytes / ops


# Sessions of the load's database, other than this one: waiting on an advisory lock
# (the per-key locks a push takes first, or the change-log lock it takes last), active
# (running a statement), and the session holding the change-log lock (its key's low 32
# bits are pg_locks.objid): idle in its transaction (the server waits for the register's
# next statement) or running one, with what it waits on (none: on a CPU, or queued for
# one), and how many sessions wait on the change-log lock itself.
_ACTIVITY = """
WITH log_lock AS (
    SELECT pid, granted FROM pg_locks
    WHERE locktype = 'advisory' AND classid = 0 AND objid = %(key)s::oid AND objsubid = 1
)
SELECT count(*) FILTER (WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'),
       count(*) FILTER (WHERE state = 'active'),
       count(*) FILTER (WHERE state = 'idle in transaction'
                        AND pid IN (SELECT pid FROM log_lock WHERE granted)),
       count(*) FILTER (WHERE state = 'active' AND pid IN (SELECT pid FROM log_lock WHERE granted)),
       count(*) FILTER (WHERE pid IN (SELECT pid FROM log_lock WHERE NOT granted)),
       string_agg(coalesce(wait_event_type, 'CPU'), ',')
           FILTER (WHERE state = 'active' AND pid IN (SELECT pid FROM log_lock WHERE granted))
FROM pg_stat_activity
WHERE datname = %(db)s AND pid <> pg_backend_pid()
"""
# pg_stat_activity's wait_event_type, in words ("CPU": none, so running or queued for a core).
_WAIT_LABELS = {
    "CPU": "running, or queued for a CPU",
    "IO": "waiting on the disk",
    "LWLock": "waiting on a server-internal lock",
    "Lock": "waiting on a lock",
    "Client": "waiting on the register",
    "IPC": "waiting on another server process",
}
_SERVER_PIDS = "SELECT pid FROM pg_stat_activity"
_POSITION = """
SELECT coalesce((SELECT max(server_seq) FROM change_log), 0),
       pg_total_relation_size('change_log') + pg_total_relation_size('applied_ops')
"""
# Payload bytes, and push transactions (committed_at is the transaction's now()).
_PAYLOAD = """
SELECT sum(octet_length(payload::text)), count(DISTINCT (origin, committed_at)) FROM change_log
WHERE server_seq > %s AND server_seq <= %s
"""


def _server_cpu(conn: Any) -> dict[int, float]:
    """CPU seconds (user + system) of each PostgreSQL process, read from ``/proc``;
    empty when the server is not on this machine or this is not Linux.

    The backends of the registers live as long as their connection, which the load keeps
    open, so the difference of two readings is the server's CPU in between.
    """
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    out: dict[int, float] = {}
    for (pid,) in conn.execute(_SERVER_PIDS).fetchall():
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return {}
        fields = stat.rsplit(")", 1)[1].split()
        out[int(pid)] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return out


def _log_position(conn: Any) -> tuple[int, int]:
    got = conn.execute(_POSITION).fetchone()
    return int(got[0]), int(got[1])


def _check(
    central: Central,
    spec: LoadSpec,
    shared: list[uuid.UUID],
    reports: list[dict[str, Any]],
    result: LoadResult,
) -> None:
    """Lost, doubled and converged, from what each register says it wrote and holds."""
    import psycopg

    result.registers_reported = len(reports)
    written_ops: list[str] = []
    written_customers: set[str] = {str(c) for c in shared}
    written_interactions: list[str] = []
    drained: list[float] = []
    load_end: list[float] = []
    for rep in reports:
        result.round_ms.extend(rep["round_ms"])
        if rep.get("open_round_ms") is not None:  # never ended: counted at its length so far
            result.round_ms.append(rep["open_round_ms"])
            result.open_rounds += 1
        result.failed_rounds += rep["failed_rounds"]
        result.busy_writes += rep["busy_writes"]
        result.ops_written += len(rep["ops"])
        result.ops_due += rep["ops_due"]
        result.write_late_ms = max(result.write_late_ms, rep["late_ms"])
        result.pulled_ops += rep["pulled"]
        result.pulled_in_load += rep["pulled_in_load"]
        result.problems.extend(f"{rep['name']}: {p}" for p in rep["problems"])
        written_ops.extend(rep["ops"])
        written_customers.update(rep["customers"])
        written_interactions.extend(rep["interactions"])
        if rep["drained_at"] is not None:
            drained.append(rep["drained_at"])
        load_end.append(rep["load_end"])
    if drained and len(drained) == spec.registers:
        result.drain_seconds = max(drained) - max(load_end)
    with psycopg.connect(**central.conninfo(), autocommit=True) as conn:
        logged = dict(
            conn.execute(
                "SELECT op_id::text, count(*) FROM change_log WHERE op_id = ANY(%s::uuid[]) "
                "GROUP BY op_id",
                (written_ops,),
            ).fetchall()
        )
        # Every op central decided is in applied_ops, also an edit that lost the merge
        # to a later one (answered, not logged: there is nothing for others to pull).
        decided = dict(
            conn.execute(
                "SELECT op_id::text, outcome FROM applied_ops WHERE op_id = ANY(%s::uuid[])",
                (written_ops,),
            ).fetchall()
        )
        dup_log = conn.execute(
            "SELECT count(*) FROM (SELECT op_id FROM change_log GROUP BY op_id "
            "HAVING count(*) > 1) AS d"
        ).fetchone()
        customers = {r[0] for r in conn.execute("SELECT id::text FROM customer")}
        interactions = [r[0] for r in conn.execute("SELECT id::text FROM interaction")]
        central_digests = {
            "customer_ids": _digest(customers),
            "interaction_ids": _digest(interactions),
            "customer_fields": _digest(
                _field_line(r) for r in conn.execute(_CENTRAL_FIELDS).fetchall()
            ),
        }
    # Lost: an op a register wrote that central never logged, or a customer or visit
    # written and not there. Doubled: an op logged twice, a visit id twice (impossible by
    # the key, checked anyway), or rows at central nobody wrote.
    written_once = set(written_ops)
    result.lost = sum(1 for op in written_once if op not in decided)
    for outcome in decided.values():
        result.outcomes[outcome] = result.outcomes.get(outcome, 0) + 1
    result.unlogged = sum(1 for op in decided if op not in logged)
    result.lost += len(written_customers - customers)
    result.lost += len(set(written_interactions) - set(interactions))
    result.doubled = sum(n - 1 for n in logged.values() if n > 1)
    result.doubled += int(dup_log[0]) if dup_log else 0
    result.doubled += len(written_ops) - len(written_once)
    result.doubled += len(interactions) - len(set(interactions))
    result.doubled += len(set(interactions) - set(written_interactions))
    result.doubled += len(customers - written_customers)
    for rep in reports:
        mismatched = [k for k, v in central_digests.items() if rep["digests"].get(k) != v]
        if not mismatched:
            result.converged += 1
        else:
            counts = rep["counts"]
            result.problems.append(
                f"{rep['name']} differs from central in {', '.join(mismatched)} "
                f"(holds {counts['customers']} customers / {counts['interactions']} "
                f"interactions; central {len(customers)} / {len(interactions)})"
            )


_CENTRAL_FIELDS = "SELECT id::text, display_name, notes, preferences FROM customer"


def _field_line(r: Sequence[Any]) -> str:
    return "\x1f".join("" if v is None else str(v) for v in r)


def _digest(items: Any) -> str:
    h = hashlib.sha256()
    for item in sorted(items):
        h.update(item.encode())
        h.update(b"\n")
    return h.hexdigest()


# -- a worker process: a few registers, one thread each --------------------------------
@dataclass
class _Register:
    plan: RegisterPlan
    backend: Any
    sync: Any

    @property
    def customers(self) -> Any:
        return self.backend.customers

    def close(self) -> None:
        self.sync.link.close()
        self.backend.close()


def _open_register(central: Central, data_dir: Path, name: str, branch: str) -> _Register:
    from posassist.app import build_backend
    from posassist.config import load_settings
    from posassist.secrets import SessionSecretStore
    from posassist.services.context import open_context
    from posassist.services.sync import SyncService
    from posassist.storage.database import open_database

    env = {
        "POSASSIST_STORE_BRANCH_CODE": branch,
        "POSASSIST_STORE_REGISTER_NAME": name,
        "POSASSIST_CENTRAL_HOST": central.host,
        "POSASSIST_CENTRAL_PORT": str(central.port),
        "POSASSIST_CENTRAL_DATABASE": central.dbname,
        "POSASSIST_CENTRAL_USER": central.user,
    }
    settings = load_settings(data_dir=data_dir, env=env)
    db = open_database(data_dir)
    ctx = open_context(db, settings)
    backend = build_backend(settings, db, ctx)
    sync = SyncService(ctx, SessionSecretStore(), names=backend.customers.names)
    plan = RegisterPlan(-1, name, branch, str(data_dir), 0.0)
    return _Register(plan, backend, sync)


@dataclass
class _Tally:
    """What one register did; becomes its entry in the worker's report."""

    name: str
    round_ms: list[float] = field(default_factory=list)
    failed_rounds: int = 0
    pulled: int = 0
    pulled_in_load: int = 0  # by the rounds of the load itself (not the drain)
    ops_due: int = 0
    late_ms: float = 0.0  # the writer's worst lateness against its schedule
    busy_writes: int = 0  # the cashier's writes refused "store busy" (the sync held it)
    round_since: float | None = None  # perf_counter at the start of a load round running
    ops: list[str] = field(default_factory=list)
    customers: list[str] = field(default_factory=list)
    interactions: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    load_end: float = 0.0
    drained_at: float | None = None
    digests: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def worker_main(
    plans: list[RegisterPlan],
    central: Central,
    spec: LoadSpec,
    shared: list[str],
    out: str,
    *,
    news: Any,
    go: Any,
    pull: Any,
    soft: float,
    worker: int,
) -> None:
    """One worker process: open its registers, meet the others, load, drain, report.

    The report is always written, by ``soft`` (a watchdog cuts any round still running
    then), with what each register did, so the parent can tell a slow register from a
    dead one and a late chain from a lost op.
    """
    # Below the central server in the CPU's queue: in a chain each register has its own
    # PC, and here fifty of them would otherwise starve the one server they all wait on.
    with contextlib.suppress(OSError, AttributeError):  # no nice() off POSIX
        os.nice(WORKER_NICENESS)
    regs: list[_Register] = []
    tallies: list[_Tally] = [_Tally(p.name) for p in plans]
    error: str | None = None
    cpu: list[float] = []
    baselines: list[int] = []
    watchdog = threading.Timer(max(0.0, soft - time.monotonic()), _abort_all, args=(regs,))
    watchdog.daemon = True
    watchdog.start()
    try:
        for plan in plans:
            reg = _open_register(central, Path(plan.data_dir), plan.name, plan.branch)
            reg.plan = plan
            regs.append(reg)
            reg.sync.engine.sync_once()  # announce itself, fetch the shared customers
        baselines = [_outbox_high(reg) for reg in regs]
        news.put(("ready", worker))
        if not go.wait(timeout=max(1.0, soft - time.monotonic())):
            raise TimeoutError("never told to start")
        start = time.monotonic()
        cpu.append(_cpu_seconds())
        marker = threading.Timer(spec.seconds, lambda: cpu.append(_cpu_seconds()))
        marker.daemon = True
        marker.start()
        shared_ids = [uuid.UUID(s) for s in shared]
        _in_threads(
            [
                functools.partial(_drive, reg, t, start, spec, shared_ids, soft)
                for reg, t in zip(regs, tallies, strict=True)
            ],
            soft,
        )
        news.put(("pushed", worker))
        pull.wait(timeout=max(1.0, soft - time.monotonic()))
        high = _central_high(central)
        _in_threads(
            [
                functools.partial(_catch_up, reg, t, high, soft)
                for reg, t in zip(regs, tallies, strict=True)
            ],
            soft,
        )
    except Exception:  # noqa: BLE001 - reported to the parent with the traceback
        error = traceback.format_exc(limit=8)
    finally:
        watchdog.cancel()
        for reg, t, base in zip(regs, tallies, baselines, strict=False):
            try:
                t.ops = _ops_since(reg, base)
                t.digests, t.counts = _local_digests(reg)
            except Exception as exc:  # noqa: BLE001 - a register not checked is not converged
                t.problems.append(f"could not read the store: {exc}")
        if error is None:  # else a register may still be busy on its thread: left open
            for reg in regs:
                with contextlib.suppress(Exception):  # closing must not hide the report
                    reg.close()
    document = {
        "registers": [_snapshot(t) for t in tallies],
        "error": error,
        "cpu_load_s": cpu[1] - cpu[0] if len(cpu) == 2 else None,
    }
    Path(out).write_text(json.dumps(document), encoding="utf-8")


def _snapshot(tally: _Tally) -> dict[str, Any]:
    """The tally as a dict, copied list by list: a busy register may still append.

    A load round still running is reported with its length so far (``open_round_ms``).
    """
    out: dict[str, Any] = {k: list(v) if isinstance(v, list) else v for k, v in vars(tally).items()}
    since = tally.round_since
    del out["round_since"]
    out["open_round_ms"] = None if since is None else (time.perf_counter() - since) * 1000
    return out


def _abort_all(regs: list[_Register]) -> None:
    """The soft deadline: end every round still running, so the worker can report."""
    for reg in regs:
        with contextlib.suppress(Exception):
            reg.sync.link.abort()


def _cpu_seconds() -> float:
    """CPU time (user + system) this process has used, all threads."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _in_threads(jobs: list[Callable[[], None]], until: float) -> None:
    """Run ``jobs`` on a thread each; re-raise the first failure after all have ended.

    Waits no later than ``until``: a register still busy then (a pull batch being
    applied is not cut by aborting the link) is left running on its daemon thread, and
    the worker reports what it has.
    """
    failures: list[BaseException] = []

    def guard(job: Callable[[], None]) -> None:
        try:
            job()
        except BaseException as exc:  # noqa: BLE001 - re-raised on the caller's thread
            failures.append(exc)

    threads = [threading.Thread(target=guard, args=(job,), daemon=True) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.0, until - time.monotonic()))
    if failures:
        raise failures[0]
    busy = sum(t.is_alive() for t in threads)
    if busy:
        raise TimeoutError(f"{busy} of {len(threads)} registers still busy at the deadline")


def _drive(
    reg: _Register,
    tally: _Tally,
    start: float,
    spec: LoadSpec,
    shared: list[uuid.UUID],
    deadline: float,
) -> None:
    """One register's load: a writer thread (the cashier) and this thread's sync rounds,
    once a second as the window's sync loop does; then sync until the outbox is empty.

    Two threads, as in the product, where the sync loop has its own thread and a
    cashier never waits for a round: a slow round then shows as a slow round, not as
    fewer writes.
    """
    from posassist.errors import SyncError

    first = start + reg.plan.phase
    end = start + spec.seconds
    # The writes start within the first op's interval, so every register offers the
    # full seconds × rate; the rounds are spread over the whole first second.
    writes_from = start + reg.plan.phase / spec.rate
    writer = threading.Thread(
        target=_write_loop, args=(reg, tally, writes_from, end, spec.rate, shared), daemon=True
    )
    writer.start()
    tick = 0
    while time.monotonic() < end:
        t0 = time.perf_counter()
        tally.round_since = t0
        try:
            report = reg.sync.engine.sync_once()
            tally.pulled += report.pulled
            tally.pulled_in_load += report.pulled
            tally.round_ms.append((time.perf_counter() - t0) * 1000)
        except SyncError as exc:
            tally.failed_rounds += 1
            tally.problems.append(f"round {tick}: {exc}")
        tally.round_since = None
        tick += 1
        pause = min(first + tick, end) - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    writer.join(max(1.0, deadline - time.monotonic()))
    if writer.is_alive():
        tally.problems.append("the writer was still writing at the deadline")
        return
    tally.load_end = time.monotonic()
    _sync_while(
        reg,
        tally,
        lambda: bool(reg.sync.status().queue.pending),
        deadline,
        "drain",
        "outbox not empty at the deadline",
    )


def _write_loop(
    reg: _Register,
    tally: _Tally,
    first: float,
    end: float,
    rate: float,
    shared: list[uuid.UUID],
) -> None:
    """Op ``k`` is due at ``first + k / rate``: written then, or at once if late."""
    rng = random.Random(reg.plan.index)
    own: list[uuid.UUID] = []
    k = 0
    while (due := first + k / rate) < end:
        tally.ops_due = k + 1
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        else:
            tally.late_ms = max(tally.late_ms, -wait * 1000)
        if time.monotonic() >= end:
            break  # behind at the end: what was not written is not counted as offered
        try:
            _write_one(reg, tally, k, rng, own, shared)
        except StoreError as exc:  # as the window would: the cashier is told, and goes on
            if exc.kind != "busy":
                raise
            tally.busy_writes += 1
        k += 1


def _write_one(
    reg: _Register,
    tally: _Tally,
    k: int,
    rng: random.Random,
    own: list[uuid.UUID],
    shared: list[uuid.UUID],
) -> None:
    """Op ``k`` of this register, as a cashier's action through the services."""
    from posassist.services.customers import NewCustomer

    index = reg.plan.index
    if k % EDIT_EVERY == 0 or not (own or shared):
        cid = reg.customers.create(NewCustomer(f"Load Customer {index + 1} {k}"))
        own.append(cid)
        tally.customers.append(str(cid))
    elif k % EDIT_EVERY == 5 and shared:
        cid = shared[(index + k // EDIT_EVERY) % len(shared)]
        if index % 2 == 0:  # even registers rename, odd ones rewrite the notes
            details = reg.customers.contact_details(cid)
            reg.customers.edit(cid, replace(details, display_name=f"Shared by {index + 1} {k}"))
        else:
            reg.customers.update_notes(cid, f"Note by register {index + 1} at op {k}", "")
    else:
        cid = rng.choice(own or shared)
        visit = reg.backend.interactions.log(cid, "purchase", basket_minor=rng.randint(100, 9999))
        tally.interactions.append(str(visit))


def _catch_up(reg: _Register, tally: _Tally, high: int, deadline: float) -> None:
    """Pull until this register's cursor reached ``high`` (everything is pushed by now)."""

    def behind() -> bool:
        status = reg.sync.status()
        return status.cursor < high or bool(status.queue.pending)

    _sync_while(
        reg, tally, behind, deadline, "catch-up", "not caught up with central at the deadline"
    )


def _sync_while(
    reg: _Register,
    tally: _Tally,
    pending: Callable[[], bool],
    deadline: float,
    what: str,
    late: str,
) -> None:
    """Sync rounds while ``pending()``; a failed round is counted and retried after a
    pause; past ``deadline`` the ``late`` problem is noted and it stops."""
    from posassist.errors import SyncError

    while pending():
        if time.monotonic() > deadline:
            tally.problems.append(late)
            return
        try:
            tally.pulled += reg.sync.engine.sync_once().pulled
        except SyncError as exc:
            tally.failed_rounds += 1
            tally.problems.append(f"{what}: {exc}")
            time.sleep(0.5)
    tally.drained_at = time.monotonic()


def _central_high(central: Central) -> int:
    import psycopg

    with psycopg.connect(**central.conninfo(), autocommit=True) as conn:
        got = conn.execute("SELECT coalesce(max(server_seq), 0) FROM change_log").fetchone()
    return int(got[0]) if got else 0


def _outbox_high(reg: _Register) -> int:
    from sqlalchemy import func, select

    from posassist.storage.orm import Outbox

    with reg.backend.db.read() as s:
        return int(s.execute(select(func.coalesce(func.max(Outbox.seq), 0))).scalar_one())


def _ops_since(reg: _Register, seq: int) -> list[str]:
    """The op ids this register wrote after ``seq`` (acked rows are kept for days)."""
    from sqlalchemy import select

    from posassist.storage.orm import Outbox

    with reg.backend.db.read() as s:
        return [str(op) for op in s.execute(select(Outbox.op_id).where(Outbox.seq > seq)).scalars()]


def _local_digests(reg: _Register) -> tuple[dict[str, str], dict[str, int]]:
    from sqlalchemy import select

    from posassist.storage.orm import Customer, Interaction

    with reg.backend.db.read() as s:
        customers = [str(c) for c in s.execute(select(Customer.id)).scalars()]
        interactions = [str(i) for i in s.execute(select(Interaction.id)).scalars()]
        fields = s.execute(
            select(Customer.id, Customer.display_name, Customer.notes, Customer.preferences)
        ).all()
    digests = {
        "customer_ids": _digest(customers),
        "interaction_ids": _digest(interactions),
        "customer_fields": _digest(_field_line((str(r[0]), *r[1:])) for r in fields),
    }
    return digests, {"customers": len(customers), "interactions": len(interactions)}

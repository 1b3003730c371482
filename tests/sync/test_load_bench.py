"""The load bench (``posassist bench --load``) in miniature: 3 registers for 3 s.

The real run (50 registers, 60 s) is a bench row, not a test; this one checks that the
load module measures what it claims on the tests' PostgreSQL: every register converged,
nothing lost, nothing doubled, every round timed, and what central logged during the
load matches what the registers wrote.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from posassist.devtools.bench.load import Central as LoadCentral
from posassist.devtools.bench.load import LoadResult, LoadSpec, result_rows, run_load
from posassist.errors import InvalidInputError
from tests.sync.helpers import Central


def test_three_registers_converge_with_nothing_lost_or_doubled(
    tmp_path: Path, central: Central
) -> None:
    spec = LoadSpec(registers=3, seconds=3, rate=10, branches=2, processes=2, grace=60)
    target = LoadCentral(central.server.host, central.server.port, central.dbname)

    result = run_load(spec, target, tmp_path)

    assert result.problems == []
    assert result.registers_reported == 3
    assert result.converged == 3
    assert result.lost == 0
    assert result.doubled == 0
    assert result.failed_rounds == 0
    assert result.busy_writes == 0  # no cashier was told "store busy"
    # Paced by the wall clock: about seconds × rate ops per register were written.
    assert 3 * 25 <= result.ops_written <= 3 * 31
    # Every op written is in central's change log exactly once (plus the seed's).
    logged = central.query(
        "SELECT count(*), count(DISTINCT op_id) FROM change_log "
        "WHERE origin IN (SELECT id FROM register WHERE name LIKE 'Load 0%%')"
    )[0]
    assert logged[0] == logged[1] >= result.ops_written
    # At least one round per register per second, each one timed.
    assert len(result.round_ms) >= 3 * 2
    assert result.pulled_ops > 0  # each register pulled the others' writes
    assert 0 < result.pulled_in_load <= result.pulled_ops
    needed = result.cores_to_keep_up()
    assert needed is not None
    assert needed > 0
    assert result.central_ops_in_load > 0
    names = [r.name for r in result_rows(result)]
    assert any("sync round" in n for n in names)
    assert all(r.ok is not False for r in result_rows(result) if "sync round" not in r.name)


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"registers": 0}, "registers"), ({"seconds": 0.5}, "seconds"), ({"rate": 0}, "rate")],
)
def test_numbers_the_bench_cannot_run_are_refused(changes: dict[str, float], field: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        LoadSpec(**changes).validate()  # type: ignore[arg-type]
    assert caught.value.field == field
    assert f"--{field}" in caught.value.message


def test_the_cores_needed_are_the_cpu_per_change_times_the_changes_due() -> None:
    """50 registers at 10/s: 500 written and 50 × 49 × 10 = 24,500 applied each second."""
    result = LoadResult(LoadSpec(registers=50, rate=10, seconds=60))
    result.load_seconds = 60.0
    result.ops_written = 30_000
    result.pulled_in_load = 90_000
    result.worker_cpu_s = 96.0  # 0.8 ms per change handled
    assert result.cores_to_keep_up() == pytest.approx(0.0008 * 25_000)
    result.pulled_in_load = result.ops_written = 0
    assert result.cores_to_keep_up() is None


def test_the_sampler_tells_the_change_log_lock_from_a_per_key_lock(central: Central) -> None:
    """Only the change-log lock's holder is timed as holding it; a push holding only its
    per-key locks (waiting for its turn at the log) is not."""
    from posassist.devtools.bench.load import _ACTIVITY
    from posassist.sync.central import CHANGE_LOG_LOCK

    params = {"db": central.dbname, "key": CHANGE_LOG_LOCK}
    with central.connect() as log_holder, central.connect() as key_holder:
        log_holder.autocommit = key_holder.autocommit = False  # each holds, in a transaction
        log_holder.execute("SELECT pg_advisory_xact_lock(%s)", (CHANGE_LOG_LOCK,))
        key_holder.execute("SELECT pg_advisory_xact_lock(%s)", (123_456_789,))
        with central.connect() as probe:
            got = probe.execute(_ACTIVITY, params).fetchone()
    assert got is not None
    waiting, _active, holder_idle, holder_running, queued_for_log, holder_waits = got
    assert (holder_idle, holder_running) == (1, 0)  # old query: 2, the per-key holder too
    assert (waiting, queued_for_log, holder_waits) == (0, 0, None)

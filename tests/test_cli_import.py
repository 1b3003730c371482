"""``posassist import KIND FILE``: real processes on real files and a real store.

Ctrl+C is a real SIGINT sent to a real import of a file big enough to run for seconds;
"the store exactly as before" is the sha256 of the store file once every connection is
closed (the process has exited).
"""

from __future__ import annotations

import hashlib
import io
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from posassist.cli import import_progress, main
from posassist.cli.import_progress import ProgressDisplay, cancel_on_sigint
from posassist.services.reference_import import Progress
from posassist.storage.database import STORE_FILENAME
from tests.test_cli import ENV, _run

HEADER = "customer_id,date,amount\n"


def _transactions(path: Path, rows: int, *, customers: int = 500) -> Path:
    """``rows`` purchases of ``customers`` customers, one a day each, in one write."""
    lines = (
        f"{i % customers + 1},{2020 + (i // customers) // 366 % 6}-"
        f"{(i // customers) % 12 + 1:02d}-{(i // customers) // 12 % 28 + 1:02d},"
        f"{(i % 97) + 0.5:.2f}\n"
        for i in range(rows)
    )
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


def _store_hash(data_dir: Path) -> str:
    """The store's bytes (and its WAL's, if one was left): read after the process ended."""
    digest = hashlib.sha256()
    for name in (STORE_FILENAME, f"{STORE_FILENAME}-wal"):
        if (data_dir / name).exists():
            digest.update((data_dir / name).read_bytes())
    return digest.hexdigest()


def _json(done: subprocess.CompletedProcess[str]) -> dict[str, object]:
    report = json.loads(done.stdout)  # the whole of stdout is the one document
    assert isinstance(report, dict)
    return report


def test_json_dry_run_and_a_second_import(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    data = _transactions(tmp_path / "tx.csv", 60, customers=20)
    argv = ["import", "transactions", str(data), "--data-dir", str(store)]
    assert main(["vendors", "--data-dir", str(store)]) == 0  # the store, made
    before = _store_hash(store)
    dry = _run(*argv, "--dry-run", "--json")  # a real process: stdout is the JSON alone
    assert dry.returncode == 0, dry.stderr
    assert _store_hash(store) == before  # a dry run writes nothing
    report = _json(dry)
    assert (report["dry_run"], report["imported"], report["problems"]) == (True, False, 0)
    assert (report["rows"], report["customers_new"], report["interactions"]) == (60, 20, 60)
    capsys.readouterr()
    assert main([*argv, "--json"]) == 0
    imported = json.loads(capsys.readouterr().out)
    assert imported["imported"] is True
    for count in ("rows", "customers_new", "customers_matched", "interactions", "anonymous"):
        assert imported[count] == report[count], count  # the dry run's counts were exact
    assert _store_hash(store) != before
    assert main(argv) == 0
    again = capsys.readouterr().out
    assert again.startswith("Imported tx.csv: 60 rows; 0 new customers, 20 matched; 0 visits")
    assert "60 skipped" in again


def test_problems_exit_2_with_file_line_and_column_and_nothing_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "1,2026-01-02,3.50\n2,31/31/2026,1.00\n3,2026-01-03,x\n")
    assert main(["vendors", "--data-dir", str(store)]) == 0
    before = _store_hash(store)
    done = _run("import", "transactions", str(bad), "--json", "--data-dir", str(store))
    assert done.returncode == 2
    report = _json(done)
    assert (report["imported"], report["interactions"]) == (False, 0)
    assert report["problems"] >= 2
    assert f"{bad}, line 3, column “date”" in done.stderr
    assert f"{bad}, line 4, column “amount”" in done.stderr
    assert "Traceback" not in done.stderr
    assert _store_hash(store) == before  # nothing imported
    capsys.readouterr()
    assert main(["import", "transactions", str(bad), "--dry-run", "--data-dir", str(store)]) == 2
    listed = capsys.readouterr()
    assert listed.out.startswith("Not imported, nothing written: 3 rows read, 2 problems in")
    assert report["rows"] == 3  # every row read is counted, also past a problem
    assert f"{bad}, line 3, column “date”" in listed.err


def test_ctrl_c_stops_within_a_second_and_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    store = tmp_path / "store"
    small = _transactions(tmp_path / "small.csv", 10, customers=5)
    assert main(["import", "transactions", str(small), "--data-dir", str(store)]) == 0
    before = _store_hash(store)
    big = _transactions(tmp_path / "big.csv", 600_000, customers=50_000)
    store_args = ["--data-dir", str(store)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "posassist", "import", "transactions", str(big), *store_args],
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        seen = proc.stderr.readline()  # the first progress line, a second into the import
        assert "rows/s" in seen, seen
        assert "left" in seen, seen
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=10)
        took = time.monotonic() - sent
        out, err = proc.communicate()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert code == 130, err
    assert took < 1.0, took
    assert "posassist: cancelled, nothing imported" in err
    assert "Traceback" not in err
    assert out == ""
    assert _store_hash(store) == before


def test_a_mapping_saved_with_map_is_reused_by_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = ["--data-dir", str(tmp_path / "store")]
    first = tmp_path / "till-2025.csv"
    first.write_text("Member,Day,Spent\nA7,2025-03-01,12.00\nB8,2025-03-02,4.50\n")
    second = tmp_path / "till-2026.csv"
    second.write_text("Spent,Day,Member\n3.00,2026-01-05,A7\n")
    argv = ["import", "mapped", str(first), "--mapping", "old till", *store]
    assert main([*argv, "--map", "date=Day", "--map", "customer_id=Member", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["customers_new"], report["interactions"]) == (2, 2)
    assert main(["import", "mapped", str(second), "--mapping", "old till", "--json", *store]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["customers_new"], report["customers_matched"]) == (0, 1)
    assert report["interactions"] == 1
    # --map updates the saved mapping: the amount column is added, the rest kept; a dry
    # run reads through it and saves nothing, the import saves it.
    assert main([*argv, "--map", "amount=Spent", "--dry-run"]) == 0
    assert "0 new customers, 2 matched" in capsys.readouterr().out
    saved = ["import", "mapped", str(second), "--mapping", "old till", "--dry-run", *store]
    assert main([*saved, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["customers_matched"] == 1  # still no amount
    bad = tmp_path / "bad.csv"
    bad.write_text("Member,Day,Spent\nA7,2025-03-01,12.00\nB8,someday,4.50\n")
    refused = ["import", "mapped", str(bad), "--mapping", "new till", "--map", "date=Day"]
    assert main([*refused, *store]) == 2  # a refused import saves no mapping either
    capsys.readouterr()
    assert main(["import", "mapped", str(bad), "--mapping", "new till", *store]) == 2
    assert "No saved mapping is called 'new till'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["products", "p.csv", "--mapping", "x"], "--mapping is for the kind 'mapped'"),
        (["transactions", "t.csv", "--map", "date=Day"], "--map is for the kind 'mapped'"),
        (["mapped", "m.csv"], "posassist import mapped needs --mapping NAME"),
        (["mapped", "m.csv", "--mapping", "a", "--map", "when=Day"], "no field 'when'"),
        (["mapped", "m.csv", "--mapping", "a", "--map", "date"], "takes FIELD=COLUMN"),
        (["mapped", "m.csv", "--mapping", "nope"], "No saved mapping is called 'nope'"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    (tmp_path / "m.csv").write_text("Day,Member\n2026-01-01,A\n")
    argv = [str(tmp_path / a) if a.endswith(".csv") else a for a in argv]
    assert main(["import", *argv, "--data-dir", str(tmp_path / "store")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.splitlines()) == 1
    assert captured.err.startswith("posassist: ")
    assert message in captured.err


def test_vendors_is_an_import_kind_with_a_dry_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = ["--data-dir", str(tmp_path / "store")]
    csv = tmp_path / "vendors.csv"
    csv.write_text("name,phone\nTea Corner,+1 212 555 0199\n", encoding="utf-8")
    assert main(["import", "vendors", str(csv), "--dry-run", *store]) == 0
    out = capsys.readouterr().out
    assert (
        out
        == "Dry run, nothing written; it would import: vendors.csv: 1 vendor added, 0 updated.\n"
    )
    assert main(["vendors", "--json", *store]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["import", "vendors", str(csv), *store]) == 0
    assert capsys.readouterr().out == "Imported vendors.csv: 1 vendor added, 0 updated.\n"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _progress(done: int, seconds: float) -> Progress:
    return Progress(done_bytes=done, total_bytes=1_000_000, rows=done // 20, seconds=seconds)


def test_progress_is_a_bar_redrawn_at_most_four_times_a_second_on_a_terminal() -> None:
    screen = _Terminal()
    display = ProgressDisplay("big.csv", screen)
    started = time.monotonic()
    n = 0
    while time.monotonic() - started < 0.6:
        n += 1
        display(_progress(min(n * 50, 1_000_000), time.monotonic() - started + 0.01))
    display.close()
    drawn = [d for d in screen.getvalue().split("\r") if "big.csv:" in d]
    assert n > 1000
    # The empty bar, then a redraw every BAR_INTERVAL (0.25 s), never one per call.
    assert 2 <= len(drawn) <= 1 + 0.6 * 4 + 1, len(drawn)
    assert "rows/s" in drawn[-1]
    assert "ETA" in drawn[-1]


@pytest.mark.parametrize("columns", [40, 60, 120])
def test_the_bar_fits_the_terminal_and_keeps_the_rate_and_the_time_left(columns: int) -> None:
    """A line wider than the terminal wraps, and every redraw then starts a new line: on
    a narrow one the bar goes and the file's name is cut before the figures are."""
    screen = _Terminal()
    display = ProgressDisplay("till_export_2026_all_branches.csv", screen, lambda: columns)
    for i in range(1, 4):
        display(_progress(i * 250_000, i * 2.0))
        time.sleep(0.3)  # past BAR_INTERVAL: each call redraws
    display.close()
    drawn = [d.replace("\x1b[A", "").rstrip() for d in screen.getvalue().split("\r")]
    drawn = [d for d in drawn if d]
    assert len(drawn) >= 2
    for line in drawn:
        assert len(line) <= columns, line
    assert "rows/s" in drawn[-1]
    assert "ETA" in drawn[-1]
    assert ".csv" in drawn[-1]
    assert ("|" in drawn[-1]) == (columns == 120)  # a bar only where one is worth reading


def test_progress_is_a_plain_line_now_and_then_when_stderr_is_a_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(import_progress, "FIRST_LINE_AFTER", 0.2)
    log = io.StringIO()
    display = ProgressDisplay("big.csv", log)
    started = time.monotonic()
    while time.monotonic() - started < 0.4:
        display(_progress(250_000, 2.0))
    display.close()
    lines = log.getvalue().splitlines()
    assert lines == [
        "posassist: big.csv: 25% of the file, 12,500 rows, 6,250 rows/s, about 00:06 left"
    ]
    assert "\r" not in log.getvalue()


def test_sigint_sets_the_event_and_the_old_handler_comes_back() -> None:
    old = signal.getsignal(signal.SIGINT)
    with cancel_on_sigint() as cancel:
        assert not cancel.is_set()
        signal.raise_signal(signal.SIGINT)  # no KeyboardInterrupt: the Event is set
        assert cancel.is_set()
    assert signal.getsignal(signal.SIGINT) is old
    done: list[bool] = []
    worker = threading.Thread(target=lambda: done.append(_off_main_thread()))
    worker.start()
    worker.join()
    assert done == [True]


def _off_main_thread() -> bool:
    with cancel_on_sigint() as cancel:  # no handler can be set here: never set by a signal
        return not cancel.is_set()


_CUT_HEADER = "customer_id,date,amount\n"  # 24 bytes: line 2 starts at byte 25 of the file


def _refusals(tmp: Path) -> list[tuple[str, str, Path, dict[str, object]]]:
    """(id, kind, file, the error's place) for each way a file is refused up front."""
    from tests.importers.exports import SQUARE_ITEMS_HEADER, write_export

    folder = tmp / "folder.csv"
    folder.mkdir()
    empty = tmp / "empty.csv"
    empty.write_bytes(b"")
    image = tmp / "photo.csv"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    mixed = tmp / "mixed.csv"  # UTF-8 on line 2, Windows-1252 on line 3: undecidable
    mixed.write_bytes(_CUT_HEADER.encode() + "Cé,2024-01-01,1\n".encode() + b"D\xe9,2024-01-02,1\n")
    nul = tmp / "nul.csv"
    nul.write_bytes(_CUT_HEADER.encode() + b"C1,20\x0024-01-01,1\n")
    items = write_export(tmp / "items.csv", SQUARE_ITEMS_HEADER, [{"Date": "2024-01-01"}])
    short = tmp / "short.csv"
    short.write_text("Date,Item\n2024-01-01,Tea\n", encoding="utf-8")
    place = {"line": None, "column": None, "byte": None}
    return [
        ("missing", "transactions", tmp / "nope.csv", place),
        ("folder", "transactions", folder, place),
        ("empty", "transactions", empty, {**place, "line": 1}),
        ("binary", "transactions", image, {**place, "line": 1}),
        # "Cé,…" is 17 bytes (é is two): line 3 starts at byte 42, its "é" is byte 43.
        ("encoding", "transactions", mixed, {**place, "line": 3, "byte": 43}),
        ("nul", "transactions", nul, {**place, "line": 2, "byte": 30}),
        ("wrong kind", "transactions", items, {**place, "line": 1}),
        ("missing column", "square-items", short, {**place, "line": 1, "column": "Transaction ID"}),
        ("reference kind", "products", empty, {**place, "line": 1}),
    ]


def test_json_reports_a_file_refused_up_front_with_its_place_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = ["--data-dir", str(tmp_path / "store")]
    for name, kind, path, place in _refusals(tmp_path):
        code = main(["import", kind, str(path), "--json", *store])
        out, err = capsys.readouterr()
        assert code == 2, name
        report = json.loads(out)  # stdout is the one JSON document, even for a refusal
        assert (report["imported"], report["kind"], report["file"]) == (False, kind, str(path))
        assert report["problems"] == 1, name
        error = report["error"]
        assert isinstance(error, dict), name
        assert set(error) == {"message", "file", "line", "column", "byte"}
        assert error["file"] == str(path), name
        assert {k: error[k] for k in place} == place, (name, error)
        assert error["message"] in err, name  # a person still reads it on stderr
        assert report["first_problems"] == [error["message"]]
        assert "Traceback" not in err


def test_json_of_a_refusal_from_a_real_process_is_json_and_nothing_else(tmp_path: Path) -> None:
    missing = tmp_path / "gone.csv"
    done = _run("import", "transactions", str(missing), "--json", "--data-dir", str(tmp_path / "s"))
    assert done.returncode == 2
    report = _json(done)
    assert report["error"] == {
        "message": f"Cannot read {missing}: no such file.",
        "file": str(missing),
        "line": None,
        "column": None,
        "byte": None,
    }
    assert done.stderr.strip() == f"posassist: Cannot read {missing}: no such file."


def test_json_of_an_argument_refusal_names_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "m.csv").write_text("Day,Member\n2026-01-01,A\n")
    argv = ["import", "mapped", str(tmp_path / "m.csv"), "--mapping", "nope", "--json"]
    assert main([*argv, "--data-dir", str(tmp_path / "store")]) == 2
    report = json.loads(capsys.readouterr().out)
    assert report["imported"] is False
    assert report["error"]["file"] is None
    assert "No saved mapping is called 'nope'" in report["error"]["message"]


def test_a_report_of_a_file_read_has_no_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _transactions(tmp_path / "tx.csv", 3, customers=2)
    store = ["--data-dir", str(tmp_path / "store")]
    assert main(["import", "transactions", str(data), "--json", "--dry-run", *store]) == 0
    assert json.loads(capsys.readouterr().out)["error"] is None

"""The command registry, the global options, exit codes and ``bench --json``, in-process."""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from posassist import cli
from posassist.cli import COMMANDS, build_parser, main, parse_args
from posassist.cli import doctor as doctor_command
from posassist.cli import run as run_command
from posassist.cli.exit_codes import CANCELLED, USER_ERROR
from posassist.devtools.bench.report import Row, print_report, row
from posassist.errors import KnownError


def test_every_command_module_declares_name_help_arguments_and_run() -> None:
    names = [command.NAME for command in COMMANDS]
    expected = [
        "run",
        "import",
        "score",
        "bench",
        "central",
        "sync",
        "doctor",
        "vendors",
        "picks",
        "stock",
        "slip",
        "holds",
        "staff",
        "backup",
        "restore",
        "customer",
        "also-bought",
        "audit",
    ]
    assert names == expected
    for command in COMMANDS:
        assert command.HELP
        assert callable(command.add_arguments)
        assert callable(command.run)


def test_a_mistyped_command_is_an_invalid_choice(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["vendorz"])
    assert info.value.code == USER_ERROR
    err = capsys.readouterr().err
    assert "invalid choice: 'vendorz'" in err
    assert "choose from" in err
    assert "vendors" in err
    assert "unrecognized arguments" not in err
    assert "did you mean 'vendors'?" in err


def test_a_mistyped_subcommand_action_gets_a_suggestion_too(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["doctr"])
    assert info.value.code == USER_ERROR
    assert "did you mean 'doctor'?" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["zzzzzz"])
    assert "did you mean" not in capsys.readouterr().err  # nothing close: no guess


@pytest.mark.parametrize(
    "argv",
    [[], ["--demo"], ["--demo", "--smoke-test"], ["run", "--demo", "--smoke-test"]],
)
def test_no_command_is_the_window(argv: list[str]) -> None:
    args = parse_args(argv)
    assert args.run is run_command.run
    assert args.demo == ("--demo" in argv)
    assert args.smoke_test == ("--smoke-test" in argv)


def test_global_options_go_before_or_after_the_command(tmp_path: Path) -> None:
    data, config = str(tmp_path / "data"), str(tmp_path / "settings.toml")
    before = parse_args(["--data-dir", data, "--config", config, "doctor"])
    after = parse_args(["doctor", "--data-dir", data, "--config", config])
    nested = parse_args(["central", "init", "--data-dir", data])
    window = parse_args(["--data-dir", data])
    assert (before.data_dir, before.config) == (Path(data), Path(config))
    assert (after.data_dir, after.config) == (Path(data), Path(config))
    assert nested.data_dir == Path(data)
    assert nested.config is None
    assert before.run is after.run is doctor_command.run
    assert window.run is run_command.run
    assert window.data_dir == Path(data)
    # Not repeating an option after the command keeps the one given before it.
    mixed = parse_args(["--data-dir", data, "vendors", "--config", config])
    assert (mixed.data_dir, mixed.config) == (Path(data), Path(config))


def test_help_shows_the_global_options_and_the_commands(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for option in ("--data-dir", "--config", "--demo", "--smoke-test", "--version"):
        assert option in out
    for command in COMMANDS:
        assert command.NAME in out


def test_window_options_do_not_go_with_another_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--demo", "doctor"])
    assert info.value.code == USER_ERROR
    assert "--demo" in capsys.readouterr().err


def test_version_comes_from_the_package_metadata(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"posassist {version('posassist')}"


def _failing(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    def run(_args: argparse.Namespace) -> int:
        raise exc

    monkeypatch.setattr(doctor_command, "run", run)


def test_ctrl_c_is_cancelled_with_exit_code_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _failing(monkeypatch, KeyboardInterrupt())
    assert main(["doctor"]) == CANCELLED == 130
    err = capsys.readouterr().err
    assert "cancelled" in err
    assert "Traceback" not in err


def test_ctrl_c_while_the_app_loads_is_cancelled_too(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Importing the app takes a moment after the command line is read; Ctrl+C may land there."""
    from posassist.app import log_scrub

    def interrupted(_level: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(log_scrub, "configure_logging", interrupted)
    assert main(["doctor"]) == CANCELLED
    err = capsys.readouterr().err
    assert "cancelled" in err
    assert "Traceback" not in err


def test_a_known_error_is_one_line_and_exit_code_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _failing(monkeypatch, KnownError("The printer is offline.", hint="Switch it on."))
    assert main(["doctor"]) == USER_ERROR == 2
    assert capsys.readouterr().err == "posassist: The printer is offline. Switch it on.\n"


def test_the_exit_codes_are_documented_in_one_place() -> None:
    from posassist.cli import exit_codes

    doc = exit_codes.__doc__ or ""
    for code in ("0", "1", "2", "130"):
        assert f"\n{code} " in doc
    assert "exit_codes" in (cli.__doc__ or "")


def test_bench_json_is_one_document_with_null_for_a_missing_figure(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = [
        row("lookup by phone", [1.0, 2.0, 3.0], "p95 ≤ 2 ms"),
        row("sync push — unavailable: no PostgreSQL", []),
        Row("odd", math.inf, math.nan, 1, ""),
    ]
    print_report(rows, True, Path("/tmp/store"))
    captured = capsys.readouterr()
    document = json.loads(captured.out)  # nothing else on stdout
    assert "NaN" not in captured.out
    assert "Infinity" not in captured.out
    lookup, missing, odd = document["rows"]
    assert (lookup["median_ms"], lookup["p95_ms"], lookup["ok"]) == (2.0, 3.0, False)
    assert (missing["median_ms"], missing["p95_ms"], missing["n"]) == (None, None, 0)
    assert (odd["median_ms"], odd["p95_ms"]) == (None, None)
    assert "lookup by phone" in captured.err  # the table is for people: on stderr


def test_bench_rows_in_ops_per_second_and_ratios_judge_their_own_targets(
    capsys: pytest.CaptureFixture[str],
) -> None:
    fast = row("sync push, ops/s", [16_000.0, 18_000.0, 9_000.0], "median ≥ 15,000 ops/s", "ops/s")
    slow = row("sync pull, ops/s", [9_000.0, 10_000.0, 11_000.0], "median ≥ 15,000 ops/s", "ops/s")
    ratio = row("sync push ÷ COPY", [2.0, 2.4, 3.0], "median ≤ 2.5×", "×")
    both = row("both", [2.0], "median ≤ 2.5× and p95 ≤ 2 ×", "×")
    alien = row("a time target on a rate", [5.0], "median ≤ 500 ms", "ops/s")
    assert (fast.median_ms, fast.p95_ms) == (16_000.0, 9_000.0)  # p95: the slow tail
    assert (fast.ok, slow.ok, ratio.ok, both.ok, alien.ok) == (True, False, True, True, None)
    print_report([fast, ratio], True, "store")
    document = json.loads(capsys.readouterr().out)
    first, second = document["rows"]
    assert (first["unit"], first["median"], first["p95"], first["ok"]) == (
        "ops/s",
        16_000.0,
        9_000.0,
        True,
    )
    assert "median_ms" not in first  # not milliseconds: not named so
    assert (second["unit"], second["median"], second["target"]) == ("×", 2.4, "median ≤ 2.5×")


def test_bench_without_json_prints_the_table_on_stdout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    print_report([row("lookup by card", [0.5], "p95 ≤ 2 ms")], False, "store")
    captured = capsys.readouterr()
    assert "lookup by card" in captured.out
    assert "ok" in captured.out
    assert captured.err == ""


def test_the_parser_is_built_from_the_table() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert list(sub.choices) == [command.NAME for command in COMMANDS]


def test_building_the_parser_loads_no_heavy_library() -> None:
    """Every command's module is imported to build the parser: they import the services,
    Qt and numpy only when they run, so ``--help`` and start-up stay quick."""
    script = (
        "import sys; from posassist.cli import build_parser; build_parser(); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'PySide6', 'sqlalchemy', 'numpy', 'scipy', 'psycopg', 'reportlab'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


def test_bench_count_rows_judge_a_target_without_a_unit() -> None:
    """The load test's "ops lost ≤ 0": a count, judged in the row's own unit; a unit the
    bench does not know ("≤ 300 MB") is not judged rather than read as milliseconds."""
    none_lost = row("ops lost", [0.0], "median ≤ 0", "count")
    some_lost = row("ops lost", [3.0], "median ≤ 0", "count")
    waiting = row("% waiting on the lock", [99.3], "median ≤ 50 %", "%")
    memory = row("peak RSS", [200.0], "median ≤ 300 MB")
    assert (none_lost.ok, some_lost.ok, waiting.ok, memory.ok) == (True, False, False, None)

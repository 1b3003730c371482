"""The commands store IT types, run as real processes."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from posassist.storage.database import STORE_FILENAME

ENV = dict(os.environ, QT_QPA_PLATFORM="offscreen")


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "posassist", *args],
        env=env or ENV,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def test_demo_smoke_test_builds_store_shows_window_and_exits_0(tmp_path: Path) -> None:
    done = _run("--demo", "--data-dir", str(tmp_path), "--smoke-test")
    assert done.returncode == 0, done.stderr
    assert "smoke test ok" in done.stdout
    assert (tmp_path / STORE_FILENAME).stat().st_size > 1_000_000
    again = _run("--demo", "--data-dir", str(tmp_path), "--smoke-test")  # reuses the store
    assert again.returncode == 0, again.stderr


def test_corrupt_store_gives_a_message_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / STORE_FILENAME).write_bytes(b"garbage" * 50)
    done = _run("--data-dir", str(tmp_path), "--smoke-test")
    assert done.returncode == 2
    assert "not a posassist database" in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_settings_name_the_file_and_line(tmp_path: Path) -> None:
    config = tmp_path / "settings.toml"
    config.write_text('[store]\nname = "Shop"\ntimezone = "Mars/Olympus"\n', encoding="utf-8")
    done = _run("--data-dir", str(tmp_path), "--config", str(config), "--smoke-test")
    assert done.returncode == 2
    assert f"{config}:3" in done.stderr
    assert "timezone" in done.stderr
    assert "Traceback" not in done.stderr


def test_import_and_score_cdnow_with_evaluation(tmp_path: Path) -> None:
    data = Path(__file__).parent / "data" / "cdnow_sample_transactions.csv"
    done = _run("import", "transactions", str(data), "--data-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "2,357 new customers" in done.stdout
    done = _run(
        "score",
        "--data-dir",
        str(tmp_path),
        "--as-of",
        "1997-09-30",
        "--evaluate-until",
        "1998-06-30",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["method"] == "model"
    assert round(report["params"]["r"], 3) == 0.243
    assert round(report["params"]["log_likelihood"], 1) == -9582.4
    evaluation = report["evaluation"]
    assert evaluation["customers"] == 2357
    # Regulars came back far more often than customers at large.
    assert evaluation["regulars_returned"] > 2 * evaluation["all_returned"]


def test_bad_import_file_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("customer,date\n1,2026-01-01\n2,31/31/2026\n", encoding="utf-8")
    done = _run("import", "transactions", str(bad), "--data-dir", str(tmp_path / "store"))
    assert done.returncode == 2
    assert f"{bad}, line 3, column “date”" in done.stderr
    assert "Traceback" not in done.stderr
    score = _run("score", "--as-of", "nonsense", "--data-dir", str(tmp_path / "store"))
    assert score.returncode == 2
    assert "not a date" in score.stderr


def test_score_on_past_history_does_not_replace_the_live_model(tmp_path: Path) -> None:
    data = Path(__file__).parent / "data" / "cdnow_sample_transactions.csv"
    assert _run("import", "transactions", str(data), "--data-dir", str(tmp_path)).returncode == 0
    done = _run("score", "--data-dir", str(tmp_path), "--as-of", "1997-09-30")
    assert done.returncode == 0, done.stderr
    store = sqlite3.connect(tmp_path / STORE_FILENAME)
    try:
        assert store.execute("SELECT count(*) FROM model_fit").fetchone()[0] == 0
    finally:
        store.close()
    bad = _run(
        "score",
        "--data-dir",
        str(tmp_path),
        "--as-of",
        "1998-01-01",
        "--evaluate-until",
        "1997-01-01",
    )
    assert bad.returncode == 2
    assert "must be after" in bad.stderr
    assert "Traceback" not in bad.stderr

"""``posassist central prune``'s refusals, before any server is asked (the prune itself
runs against the real server in ``tests/sync/test_sync_bootstrap.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from posassist.cli import main
from posassist.config import load_settings
from posassist.errors import ConfigError


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse refuses a bad option value itself
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out + err


@pytest.mark.parametrize("days", ["0", "-5", "ninety", "40000"])
def test_a_horizon_that_is_no_whole_number_of_days_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], days: str
) -> None:
    code, out = _run(
        capsys, "central", "prune", "--horizon-days", days, "--data-dir", str(tmp_path)
    )
    assert code == 2
    assert "--horizon-days" in out
    assert "Traceback" not in out


def test_prune_without_a_central_database_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "settings.toml"
    config.write_text('[store]\nbranch_code = "B01"\n', encoding="utf-8")
    code, out = _run(
        capsys, "central", "prune", "--data-dir", str(tmp_path / "d"), "--config", str(config)
    )
    assert code != 0
    assert "No central database is configured" in out


def test_a_bad_horizon_setting_names_the_field(tmp_path: Path) -> None:
    config = tmp_path / "settings.toml"
    config.write_text('[central]\nhost = "db"\nlog_horizon_days = 0\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="log_horizon_days"):
        load_settings(data_dir=tmp_path, config_file=config, env={})

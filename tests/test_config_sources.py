"""Settings errors point at where the value came from: the variable, or the file's line."""

from __future__ import annotations

from pathlib import Path

import pytest

from posassist.config import check_values, load_settings
from posassist.errors import ConfigError


@pytest.mark.parametrize(
    ("name", "value"),
    [("POSASSIST_STORE_REGION", "XX1"), ("POSASSIST_CENTRAL_PORT", "99999")],
)
def test_a_bad_environment_override_names_the_variable(
    tmp_path: Path, name: str, value: str
) -> None:
    with pytest.raises(ConfigError) as exc:
        load_settings(data_dir=tmp_path, env={name: value})  # no settings file at all
    assert f"{name}={value!r}" in str(exc.value)
    assert "settings.toml" not in str(exc.value)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("[app]\ndata_dir = 5\n", "[app] data_dir must be a str"),
        ("[app]\ndata_dir = ''\n", "must not be empty"),
        ("[app]\ndatadir = '/x'\n", "unknown setting [app] datadir"),
        ("app = 3\n", "[app] must be a table"),
    ],
)
def test_the_app_section_is_validated(tmp_path: Path, body: str, expected: str) -> None:
    settings = tmp_path / "settings.toml"
    settings.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_settings(config_file=settings, env={})
    assert expected in str(exc.value)
    assert str(settings) in str(exc.value)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("[holds]\nexpire_days = 0\n", ":2: [holds] expire_days must be between 1 and 90 days"),
        ("[holds]\nexpire_days = 'three'\n", ":2: [holds] expire_days must be a int"),
        ("[store]\nhours = 'Mo-Fr 9-18'\n", ":2: [store] hours 'Mo-Fr 9-18'"),
    ],
)
def test_hold_expiry_and_branch_hours_are_checked(tmp_path: Path, body: str, expected: str) -> None:
    settings = tmp_path / "settings.toml"
    settings.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_settings(config_file=settings, env={})
    assert f"{settings}{expected}" in str(exc.value)


def test_hold_expiry_defaults_to_three_days_and_can_be_set(tmp_path: Path) -> None:
    assert load_settings(data_dir=tmp_path, env={}).holds.expire_days == 3
    env = {"POSASSIST_HOLDS_EXPIRE_DAYS": "7", "POSASSIST_STORE_HOURS": "Mo-Sa 09:00-18:00"}
    settings = load_settings(data_dir=tmp_path, env=env)
    assert (settings.holds.expire_days, settings.store.hours) == (7, "Mo-Sa 09:00-18:00")


def test_a_time_zone_folder_is_refused_with_a_message(tmp_path: Path) -> None:
    """ "America" names a folder of zones: a message, not an IsADirectoryError."""
    settings = tmp_path / "settings.toml"
    settings.write_text("[store]\ntimezone = 'America'\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_settings(config_file=settings, env={})
    assert f"{settings}:2: [store] timezone 'America' is not a known time zone" in str(exc.value)


def test_check_values_gives_every_problem_at_once(tmp_path: Path) -> None:
    """The settings screen's view of the same rules: each bad field has its message."""
    base = load_settings(
        data_dir=tmp_path, config_file=tmp_path / "none.toml", env={}, missing_ok=True
    )
    settings, problems = check_values(
        base,
        {
            "store.region": "ZZ",
            "store.timezone": "Nowhere/Town",
            "holds.expire_days": "0",
            "flags.new_customer_days": "soon",
            "store.name": "Fine",
        },
    )
    assert sorted(problems) == [
        "flags.new_customer_days",
        "holds.expire_days",
        "store.region",
        "store.timezone",
    ]
    assert problems["holds.expire_days"] == "must be between 1 and 90 days."
    assert settings.store.name == "Fine"

"""Typed settings: a TOML file in the platform's config folder, then env overrides.

A bad settings file must never stop a register with a traceback: every problem is a
:class:`ConfigError` naming the file, the line and the key, and nothing is rewritten.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
import platformdirs

from posassist.errors import ConfigError

APP_NAME = "posassist"
SETTINGS_FILENAME = "settings.toml"


@dataclass(frozen=True)
class StoreSettings:
    """Who we are: printed on slips and used to read phone numbers."""

    name: str = "Our Store"
    region: str = "US"
    timezone: str = "America/New_York"
    branch_code: str = ""
    register_name: str = "Register 1"


@dataclass(frozen=True)
class FlagSettings:
    """Thresholds for the repeat-visitor tiers, relative to the store's own population."""

    regular_top_share: float = 0.15
    regular_min_visits: int = 4
    lapsing_p_alive: float = 0.5
    new_days: int = 30


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    config_file: Path | None = None
    store: StoreSettings = field(default_factory=StoreSettings)
    flags: FlagSettings = field(default_factory=FlagSettings)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.store.timezone)


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_config_file() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / SETTINGS_FILENAME


def _line_of(text: str, section: str, key: str) -> int | None:
    """Find the line a key is set on, so an error can point at it."""
    current = ""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = re.match(r"^\[([^\]]+)\]", stripped)
        if header:
            current = header.group(1).strip()
        elif current == section and re.match(rf"^{re.escape(key)}\s*=", stripped):
            return number
    return None


def _coerce(section: str, key: str, value: Any, expected: Any, where: str) -> Any:
    kind = {"str": str, "int": int, "float": float, "bool": bool}[str(expected)]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ConfigError(f"{where}: [{section}] {key} must be a {kind.__name__}, not {value!r}.")
    return value


def _validate(settings: Settings, where_of: Any) -> None:
    store = settings.store
    if phonenumbers.country_code_for_region(store.region.upper()) == 0:
        raise ConfigError(
            f"{where_of('store', 'region')}: [store] region {store.region!r} is not a "
            "two-letter country code such as US, GB or DE."
        )
    try:
        ZoneInfo(store.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"{where_of('store', 'timezone')}: [store] timezone {store.timezone!r} is not a "
            "known time zone such as Europe/Berlin."
        ) from exc
    share = settings.flags.regular_top_share
    if not 0 < share < 1:
        raise ConfigError(
            f"{where_of('flags', 'regular_top_share')}: [flags] regular_top_share must be "
            "between 0 and 1."
        )


def load_settings(
    data_dir: Path | None = None,
    config_file: Path | None = None,
    env: dict[str, str] | None = None,
) -> Settings:
    """Read settings; ``POSASSIST_<SECTION>_<KEY>`` environment variables win over the file."""
    env = dict(os.environ if env is None else env)
    path = config_file or (Path(env["POSASSIST_CONFIG"]) if "POSASSIST_CONFIG" in env else None)
    explicit = path is not None
    path = path or default_config_file()
    text = ""
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            text = path.read_text(encoding="utf-8")
            raw = tomllib.loads(text)
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path}: the settings file is not UTF-8 text.") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}.", hint="Fix that line and start again.") from exc
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read the settings file ({exc.strerror}).") from exc
    elif explicit:
        raise ConfigError(f"{path}: the settings file does not exist.")

    def where_of(section: str, key: str) -> str:
        line = _line_of(text, section, key) if text else None
        return f"{path}:{line}" if line else f"{path}"

    sections: dict[str, Any] = {"store": StoreSettings(), "flags": FlagSettings()}
    known_sections = {*sections, "app"}
    for name in raw:
        if name not in known_sections:
            raise ConfigError(f"{path}: unknown section [{name}].")
    for name, default in sections.items():
        values: dict[str, Any] = {}
        table = raw.get(name, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [{name}] must be a table.")
        types = {f.name: f.type for f in fields(default)}
        for key, value in table.items():
            if key not in types:
                raise ConfigError(f"{where_of(name, key)}: unknown setting [{name}] {key}.")
            values[key] = _coerce(name, key, value, types[key], where_of(name, key))
        for key in types:
            env_key = f"POSASSIST_{name.upper()}_{key.upper()}"
            if env_key in env:
                values[key] = _from_env(env_key, env[env_key], str(types[key]))
        sections[name] = replace(default, **values)

    app = raw.get("app", {})
    chosen_dir = data_dir or (
        Path(env["POSASSIST_DATA_DIR"]) if "POSASSIST_DATA_DIR" in env else None
    )
    if chosen_dir is None and isinstance(app, dict) and "data_dir" in app:
        chosen_dir = Path(str(app["data_dir"])).expanduser()
    settings = Settings(
        data_dir=chosen_dir or default_data_dir(),
        config_file=path if path.exists() else None,
        store=sections["store"],
        flags=sections["flags"],
    )
    _validate(settings, where_of)
    return settings


def _from_env(name: str, value: str, kind: str) -> Any:
    try:
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "bool":
            return value.strip().lower() in {"1", "true", "yes", "on"}
    except ValueError as exc:
        raise ConfigError(f"Environment variable {name}={value!r} is not a valid {kind}.") from exc
    return value

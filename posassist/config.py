"""Typed settings: a TOML file in the platform's config folder, then env overrides.

A bad settings file must never stop a register with a traceback: every problem is a
:class:`ConfigError` naming the file, the line and the key, and nothing is rewritten.
"""

from __future__ import annotations

import os
import re
import tomllib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs

from posassist.domain.flags import FlagThresholds
from posassist.domain.holds import DEFAULT_EXPIRE_DAYS
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
    address: str = ""  # printed under the name on referral slips ("" = this branch's)
    phone: str = ""  # likewise
    logo: str = ""  # path of a PNG or JPEG printed at the top of referral slips; "" = none
    hours: str = ""  # this branch's opening hours ("Mo-Fr 09:00-18:00; Sa 10:00-16:00")


@dataclass(frozen=True)
class PrintingSettings:
    """The slip printer profile.

    ``mode = "os"`` (the default): an installed printer's name ("" = the default one),
    printed through its driver. ``mode = "escpos"``: a thermal printer driven raw, sent
    to TCP ``host``:``port``, a raw CUPS ``queue`` or a Windows printer ``queue`` in RAW
    mode, ``dots`` wide (0 = from the layout: 384 for 58mm, else 576), text in
    ``codepage``, the QR code ``native`` or as a ``raster``, a paper ``cut`` at the end
    and a ``cash_drawer`` pulse if asked.
    """

    printer: str = ""
    layout: str = "80mm"  # 80mm, 58mm, a6 or half-letter
    mode: str = "os"  # os or escpos
    connection: str = "tcp"  # tcp, cups-raw or windows-raw (escpos only)
    host: str = ""
    port: int = 9100
    queue: str = ""
    dots: int = 0
    cut: bool = True
    cash_drawer: bool = False
    codepage: str = "cp437"
    qr: str = "native"  # native or raster


@dataclass(frozen=True)
class CentralSettings:
    """Where the chain's central PostgreSQL is. Empty ``host`` means standalone.

    The password is never a setting: it lives in the OS keyring (see ``secrets.py``).
    ``register_id`` pins this register's identity (a UUID) when a register PC is
    reinstalled; empty means the id this store was born with. The register's name is
    ``[store] register_name``.
    """

    host: str = ""
    port: int = 5432
    database: str = "posassist"
    user: str = "posassist"
    register_id: str = ""
    sslmode: str = "prefer"
    connect_timeout: int = 5
    poll_seconds: float = 5.0
    # How long central keeps its change log (``posassist central prune``): a register
    # away for longer re-bootstraps from a snapshot.
    log_horizon_days: int = 90

    @property
    def enabled(self) -> bool:
        return bool(self.host.strip())


@dataclass(frozen=True)
class BackupSettings:
    """The daily automatic backup: where it goes ("" = ``backups`` in the data folder)
    and how many days of backups are kept (older ones are deleted; 0 = no automatic
    backup)."""

    folder: str = ""
    keep_days: int = 14

    def __post_init__(self) -> None:
        if self.keep_days < 0:
            raise ValueError("keep_days must be 0 or more")


@dataclass(frozen=True)
class HoldSettings:
    """Holds between branches: how many days a hold waits before it expires."""

    expire_days: int = DEFAULT_EXPIRE_DAYS

    def __post_init__(self) -> None:
        if not 1 <= self.expire_days <= 90:
            raise ValueError("expire_days must be between 1 and 90 days")


@dataclass(frozen=True)
class StaffSettings:
    """Signing in at the register: after how many idle minutes it locks itself (0 = never).

    A locked register shows only the search box; whoever comes next signs in with a PIN.
    """

    idle_lock_minutes: int = 5

    def __post_init__(self) -> None:
        if not 0 <= self.idle_lock_minutes <= 240:
            raise ValueError("idle_lock_minutes must be between 0 (never) and 240 minutes")


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    config_file: Path | None = None
    store: StoreSettings = field(default_factory=StoreSettings)
    printing: PrintingSettings = field(default_factory=PrintingSettings)
    flags: FlagThresholds = field(default_factory=FlagThresholds)
    central: CentralSettings = field(default_factory=CentralSettings)
    backup: BackupSettings = field(default_factory=BackupSettings)
    holds: HoldSettings = field(default_factory=HoldSettings)
    staff: StaffSettings = field(default_factory=StaffSettings)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.store.timezone)


# Every section of the file and its dataclass (``[app]`` is read apart: it is no section
# of Settings).
SECTIONS: dict[str, type] = {
    "store": StoreSettings,
    "printing": PrintingSettings,
    "flags": FlagThresholds,
    "central": CentralSettings,
    "backup": BackupSettings,
    "holds": HoldSettings,
    "staff": StaffSettings,
}


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


Problems = dict[str, str]
"""Invalid values, keyed ``"section.key"`` (``"store.timezone"``), each with a sentence
for a person; the settings screen shows it under the field, :func:`load_settings`
prefixes the file and line."""


def field_problems(settings: Settings) -> Problems:
    """Every value of ``settings`` that load_settings refuses beyond its section's own
    rules: the one list of checks, shared by loading the file and by the settings screen
    (which wants every problem at once, not the first)."""
    # phonenumbers is imported here, not with the module: the window's start-up imports
    # this module before its first paint (``settings_path``) and reads the settings
    # after it, on the worker (docs/architecture.md, "Start-up").
    import phonenumbers

    problems: Problems = {}
    store = settings.store
    if not store.name.strip():  # printed at the top of every slip and shown on screen
        problems["store.name"] = "must not be empty: it is printed at the top of every slip."
    if phonenumbers.country_code_for_region(store.region.upper()) == 0:
        problems["store.region"] = (
            f"{store.region!r} is not a two-letter country code such as US, GB or DE."
        )
    try:
        ZoneInfo(store.timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # "America" is a folder of zones
        problems["store.timezone"] = (
            f"{store.timezone!r} is not a known time zone such as Europe/Berlin."
        )
    if store.hours.strip():
        from posassist.domain.opening_hours import OpeningHoursError, parse

        try:
            parse(store.hours)
        except OpeningHoursError as exc:
            problems["store.hours"] = (
                f"{store.hours!r}: {exc} (write them like Mo-Fr 09:00-18:00; Sa 10:00-16:00)."
            )
    problems.update(_printing_problems(settings))
    problems.update(_central_problems(settings.central))
    return problems


def _raise_first(problems: Problems, where_of: Any) -> None:
    """The first problem as the ConfigError load_settings has always raised."""
    for name, message in problems.items():
        section, key = name.split(".", 1)
        raise ConfigError(
            f"{where_of(section, key)}: [{section}] {key} {message}",
            hint=LOGO_HINT if name == "store.logo" else None,
        )


LOGO_FORMATS = ("PNG", "JPEG")
LOGO_HINT = "Set [store] logo to the full path of a PNG or JPEG image, or remove the setting."


def logo_problem(logo: str) -> str | None:
    """Why the slip logo at ``logo`` cannot be printed, or None when it is a readable PNG
    or JPEG image.  Read-only; shared by the settings check and ``posassist doctor``."""
    path = Path(logo).expanduser()
    if not path.is_file():
        return "is not a file"
    from PIL import Image  # a reportlab dependency; loaded only when a logo is set

    try:
        with Image.open(path) as image:
            kind = image.format
            image.verify()  # reads the whole file: a truncated PNG is refused here
    except PermissionError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    except Exception:  # noqa: BLE001 - PIL raises many kinds for a file it cannot decode
        return "is not a PNG or JPEG image"
    if kind not in LOGO_FORMATS:
        return f"is a {kind} image, not a PNG or JPEG"
    return None


def _printing_problems(settings: Settings) -> Problems:
    problems: Problems = {}
    logo = settings.store.logo.strip()
    problem = logo_problem(logo) if logo else None
    if problem is not None:
        problems["store.logo"] = f"{logo!r} {problem}."
    layout = settings.printing.layout
    if layout != PrintingSettings.layout:  # the default needs no check (and no reportlab)
        from posassist.printing.layouts import layout_names

        if layout.strip().casefold() not in layout_names():
            problems["printing.layout"] = f"{layout!r} is not one of {', '.join(layout_names())}."
    problems.update(_escpos_problems(settings.printing))
    return problems


PRINT_MODES = ("os", "escpos")
ESCPOS_CONNECTIONS = ("tcp", "cups-raw", "windows-raw")
ESCPOS_QR = ("native", "raster")


def _escpos_problems(printing: PrintingSettings) -> Problems:
    """The ESC/POS profile's keys, checked only as far as ``mode`` and ``connection``
    use them (an "os" store may keep an unused host); python-escpos is loaded only to
    check a code page other than the default."""
    problems: Problems = {}
    if printing.mode not in PRINT_MODES:
        problems["printing.mode"] = f"{printing.mode!r} is not one of {', '.join(PRINT_MODES)}."
    if not 0 < printing.port < 65536:
        problems["printing.port"] = "must be 1–65535 (ESC/POS printers listen on 9100)."
    if printing.dots and not (128 <= printing.dots <= 2048 and printing.dots % 8 == 0):
        problems["printing.dots"] = (
            f"{printing.dots} is not a printer's dot width: a multiple of 8 from 128 to "
            "2048 (384 for 58 mm paper, 576 for 80 mm), or 0 for the layout's."
        )
    if printing.qr not in ESCPOS_QR:
        problems["printing.qr"] = f"{printing.qr!r} is not one of {', '.join(ESCPOS_QR)}."
    if printing.mode != "escpos":
        return problems
    if printing.connection not in ESCPOS_CONNECTIONS:
        problems["printing.connection"] = (
            f"{printing.connection!r} is not one of {', '.join(ESCPOS_CONNECTIONS)}."
        )
    elif printing.connection == "tcp" and not printing.host.strip():
        problems["printing.host"] = (
            'must name the printer (an IP address such as 10.0.0.5) for connection = "tcp".'
        )
    elif printing.connection != "tcp" and not printing.queue.strip():
        problems["printing.queue"] = (
            f"must name the raw print queue (the printer's name) for connection = "
            f"{printing.connection!r}."
        )
    if printing.codepage.strip().upper() != PrintingSettings.codepage.upper():
        from posassist.printing.escpos_slip import codepage_names

        if printing.codepage.strip().upper() not in codepage_names():
            problems["printing.codepage"] = (
                f"{printing.codepage!r} is not a code page python-escpos can print in; "
                f"use one of {', '.join(name.lower() for name in codepage_names())}."
            )
    return problems


SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


def _central_problems(central: CentralSettings) -> Problems:
    """A [central] section that could only fail later, on a worker thread."""
    problems: Problems = {}
    if not 0 < central.port < 65536:
        problems["central.port"] = "must be 1–65535."
    if central.register_id:
        try:
            uuid.UUID(central.register_id)
        except ValueError:
            problems["central.register_id"] = (
                f"{central.register_id!r} is not a UUID (leave it empty to use this "
                "store's own id)."
            )
    if central.sslmode not in SSL_MODES:
        problems["central.sslmode"] = f"must be one of {', '.join(SSL_MODES)}."
    if central.connect_timeout < 1:
        problems["central.connect_timeout"] = "must be at least 1 second."
    if central.poll_seconds <= 0:
        problems["central.poll_seconds"] = "must be positive."
    if not 1 <= central.log_horizon_days <= 36_500:
        problems["central.log_horizon_days"] = "must be between 1 and 36500 days."
    return problems


def settings_path(config_file: Path | None = None, env: dict[str, str] | None = None) -> Path:
    """Where the settings file is (or will be): ``--config``, ``POSASSIST_CONFIG``, or the
    platform's config folder; the set-up writes the file there."""
    env = dict(os.environ if env is None else env)
    return config_file or Path(env.get("POSASSIST_CONFIG") or default_config_file())


def load_settings(
    data_dir: Path | None = None,
    config_file: Path | None = None,
    env: dict[str, str] | None = None,
    *,
    missing_ok: bool = False,
) -> Settings:
    """Read settings; ``POSASSIST_<SECTION>_<KEY>`` environment variables win over the file.

    A file named by ``--config`` or ``POSASSIST_CONFIG`` must exist unless ``missing_ok``
    (the first-run set-up is about to write it)."""
    env = dict(os.environ if env is None else env)
    explicit = (config_file is not None or "POSASSIST_CONFIG" in env) and not missing_ok
    path = settings_path(config_file, env)
    text, raw = _read_file(path, explicit)

    def where_of(section: str, key: str) -> str:
        """Where a value came from: the environment variable that set it (it wins over
        the file, which may not even exist), else the settings file and its line."""
        env_key = f"POSASSIST_{section.upper()}_{key.upper()}"
        if env_key in env:
            return f"Environment variable {env_key}={env[env_key]!r}"
        line = _line_of(text, section, key) if text else None
        return f"{path}:{line}" if line else f"{path}"

    sections: dict[str, Any] = {name: kind() for name, kind in SECTIONS.items()}
    known_sections = {*sections, "app"}
    for name in raw:
        if name not in known_sections:
            raise ConfigError(f"{path}: unknown section [{name}].")
    for name, default in sections.items():
        sections[name] = _section(name, default, raw.get(name, {}), env, path, where_of)

    app = _app_section(raw.get("app", {}), path, where_of)
    chosen_dir = data_dir or (
        Path(env["POSASSIST_DATA_DIR"]) if "POSASSIST_DATA_DIR" in env else None
    )
    if chosen_dir is None and "data_dir" in app:
        chosen_dir = Path(app["data_dir"]).expanduser()
    settings = Settings(
        data_dir=chosen_dir or default_data_dir(),
        config_file=path if path.exists() else None,
        store=sections["store"],
        printing=sections["printing"],
        flags=sections["flags"],
        central=sections["central"],
        backup=sections["backup"],
        holds=sections["holds"],
        staff=sections["staff"],
    )
    _raise_first(field_problems(settings), where_of)
    return settings


APP_KEYS = {"data_dir": str}


def _app_section(table: Any, path: Path, where_of: Callable[[str, str], str]) -> dict[str, Any]:
    """``[app]`` checked like the other sections: a table, known keys, the right types."""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [app] must be a table.")
    for key, value in table.items():
        if key not in APP_KEYS:
            raise ConfigError(f"{where_of('app', key)}: unknown setting [app] {key}.")
        _coerce("app", key, value, APP_KEYS[key].__name__, where_of("app", key))
    if "data_dir" in table and not str(table["data_dir"]).strip():
        raise ConfigError(f"{where_of('app', 'data_dir')}: [app] data_dir must not be empty.")
    return dict(table)


def _read_file(path: Path, explicit: bool) -> tuple[str, dict[str, Any]]:
    """The settings file's text and parsed TOML; none at the default place is no settings."""
    if not path.exists():
        if explicit:
            raise ConfigError(f"{path}: the settings file does not exist.")
        return "", {}
    try:
        text = path.read_text(encoding="utf-8")
        return text, tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: the settings file is not UTF-8 text.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}.", hint="Fix that line and start again.") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the settings file ({exc.strerror}).") from exc


def _section(
    name: str,
    default: Any,
    table: Any,
    env: dict[str, str],
    path: Path,
    where_of: Callable[[str, str], str],
) -> Any:
    """One section's dataclass: the defaults, then the file's keys, then the environment's."""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [{name}] must be a table.")
    values: dict[str, Any] = {}
    types = {f.name: f.type for f in fields(default)}
    for key, value in table.items():
        if key not in types:
            raise ConfigError(f"{where_of(name, key)}: unknown setting [{name}] {key}.")
        values[key] = _coerce(name, key, value, types[key], where_of(name, key))
    for key in types:
        env_key = f"POSASSIST_{name.upper()}_{key.upper()}"
        if env_key in env:
            values[key] = _from_env(env_key, env[env_key], str(types[key]))
    try:
        return replace(default, **values)
    except ValueError as exc:  # the section's own validation (e.g. a share above 1)
        key = str(exc).split()[0] if str(exc) else ""
        raise ConfigError(f"{where_of(name, key)}: [{name}] {exc}.") from exc


def text_value(text: str, kind: str) -> Any:
    """A setting typed as text (an environment variable, a field of the settings screen)
    as the section's field type; ValueError if it is not one."""
    if kind == "int":
        return int(text.strip())
    if kind == "float":
        return float(text.strip())
    if kind == "bool":
        return text.strip().lower() in {"1", "true", "yes", "on"}
    return text


def _from_env(name: str, value: str, kind: str) -> Any:
    try:
        return text_value(value, kind)
    except ValueError as exc:
        raise ConfigError(f"Environment variable {name}={value!r} is not a valid {kind}.") from exc


_KIND_WORDS = {"int": "Type a whole number.", "float": "Type a number such as 0.5."}


def _rule_words(exc: ValueError) -> tuple[str, str]:
    """A section's own refusal ("expire_days must be between 1 and 90 days") as the key
    it names and the rest of the sentence."""
    key, _, rest = str(exc).partition(" ")
    return key, f"{rest}."


def check_values(base: Settings, texts: dict[str, str]) -> tuple[Settings, Problems]:
    """``base`` with the typed ``texts`` (``{"holds.expire_days": "7"}``) applied, and every
    problem with them: the rules :func:`load_settings` applies, each field on its own, so a
    form can show all its messages at once. Unknown keys are a bug (KeyError)."""
    problems: Problems = {}
    changes: dict[str, dict[str, Any]] = {}
    for name, text in texts.items():
        section, key = name.split(".", 1)
        current = getattr(base, section)
        types = {f.name: str(f.type) for f in fields(current)}
        if section not in SECTIONS or key not in types:
            raise KeyError(name)
        try:
            value = text_value(text, types[key])
        except ValueError:
            problems[name] = _KIND_WORDS[types[key]]
            continue
        try:
            replace(current, **{key: value})
        except ValueError as exc:
            problems[name] = _rule_words(exc)[1]
            continue
        changes.setdefault(section, {})[key] = value
    built: dict[str, Any] = {}
    for section, values in changes.items():
        try:
            built[section] = replace(getattr(base, section), **values)
        except ValueError as exc:  # a rule across two fields of one section
            key, message = _rule_words(exc)
            problems.setdefault(f"{section}.{key}", message)
    settings = replace(base, **built)
    for name, message in field_problems(settings).items():
        problems.setdefault(name, message)
    return settings, problems

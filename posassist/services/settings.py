"""Changing the settings: the editable fields, declared once, and saving ``settings.toml``.

The first-run set-up (``ui/views/setup.py``) and the Manager's settings screen
(``ui/views/settings.py``) show fields from :data:`FIELDS`; both check what was typed with
the very rules :func:`~posassist.config.load_settings` applies
(:func:`~posassist.config.check_values`), so a value the screen accepts is a value the
next start accepts. The file is rewritten with ``tomlkit``: its other sections, keys and
comments stay as IT wrote them, and the new file replaces the old one atomically (temp
file, fsync, rename), so a full disk leaves the old file whole.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from posassist.config import (
    ESCPOS_CONNECTIONS,
    PRINT_MODES,
    Problems,
    Settings,
    check_values,
    load_settings,
)
from posassist.domain.flags import FlagThresholds
from posassist.errors import InvalidInputError
from posassist.services import access
from posassist.services.audit_trail import committed_with_files, record
from posassist.services.context import StoreContext
from posassist.services.printers import PrintService

__all__ = [
    "FIELDS",
    "SCREEN_FIELDS",
    "SettingField",
    "SettingsChange",
    "SettingsService",
    "form_values",
    "prepare_settings",
]


@dataclass(frozen=True, slots=True)
class SettingField:
    """One field a person may edit: where it lives in the file and how the form shows it.

    ``kind`` picks the widget: ``text``, ``number``, ``region``, ``timezone``,
    ``printer``, ``layout`` or ``choice`` (one of ``choices``, nothing else can be
    typed). ``at_once`` fields apply as soon as they are saved; the others when
    posassist starts next (the screen says which).
    """

    section: str
    key: str
    label: str
    kind: str = "text"
    help: str = ""
    at_once: bool = False
    choices: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.section}.{self.key}"


_STORE = (
    SettingField("store", "name", "Store name", help="Printed at the top of every slip."),
    SettingField("store", "address", "Address", help="Printed under the name on slips."),
    SettingField("store", "phone", "Phone", help="Printed under the address on slips."),
    SettingField("store", "hours", "Opening hours", help="Like Mo-Fr 09:00-18:00; Sa 10:00-16:00"),
    SettingField(
        "store", "region", "Region", "region", "Two letters (US, GB, DE): how phones are read."
    ),
    SettingField("store", "timezone", "Time zone", "timezone", "The store's local time."),
    SettingField("store", "register_name", "Register name", help="This till, e.g. Register 1."),
)
_PRINTING = (
    SettingField(
        "printing", "printer", "Printer", "printer", "Empty: the default printer.", at_once=True
    ),
    SettingField(
        "printing", "layout", "Slip layout", "layout", "The paper in that printer.", at_once=True
    ),
    SettingField(
        "printing", "mode", "Print with", "choice", "os: the printer's driver; escpos: raw "
        "ESC/POS (thermal printers without a good driver).", True, PRINT_MODES,
    ),
    SettingField(
        "printing", "connection", "ESC/POS connection", "choice", "tcp: port 9100 on the "
        "network; cups-raw: a raw CUPS queue; windows-raw: a Windows printer.", True,
        ESCPOS_CONNECTIONS,
    ),
    SettingField("printing", "host", "ESC/POS printer address", help="For tcp, e.g. 10.0.0.5.",
                 at_once=True),
    SettingField("printing", "port", "ESC/POS port", "number", "Usually 9100.", True),
    SettingField("printing", "queue", "ESC/POS queue", help="For cups-raw or windows-raw: "
                 "the printer's name.", at_once=True),
    SettingField("printing", "dots", "Dots per line", "number", "384 for 58 mm, 576 for 80 mm; "
                 "0: from the layout.", True),
    SettingField("printing", "codepage", "Code page", help="The printer's character table, "
                 "e.g. cp437 or cp858.", at_once=True),
    SettingField("printing", "cut", "Cut the paper", "choice", "At the end of each slip.", True,
                 ("True", "False")),
    SettingField("printing", "cash_drawer", "Open the cash drawer", "choice",
                 "A pulse with each slip.", True, ("False", "True")),
)  # fmt: skip
_FLAG_LABELS: dict[str, tuple[str, str]] = {
    "new_customer_days": ("New: first visit within (days)", "30 = the last 30 days."),
    "regular_min_visit_days": ("Regular: visit days at least", "Three days = two returns."),
    "regular_top_share": ("Regular: top share (0–1]", "0.2 = the top fifth (model)."),
    "regular_min_expected_visits_90d": ("Regular: expected visits in 90 days", "Model."),
    "regular_min_p_alive": ("Regular: still a customer, chance 0–1", "Model."),
    "rules_regular_min_visits_90d": ("Regular: visit days in 90 days", "Rules."),
    "lapsing_min_visit_days": ("Lapsing: visit days ever at least", ""),
    "lapsing_max_usual_interval_days": ("Lapsing: usual interval at most (days)", ""),
    "lapsing_interval_factor": ("Lapsing: absent for more intervals than", ""),
    "lapsing_min_days_absent": ("Lapsing: and absent more days than", ""),
    "lapsing_p_alive_below": ("Lapsing: chance still a customer below", "Model."),
    "ambassador_min_referrals": ("Ambassador: customers brought at least", ""),
    "min_repeat_customers_for_model": ("Model used from returning customers", "Else rules."),
}
# Every FlagThresholds field, in its order (a new knob without a label fails here, at import).
_FLAGS = tuple(
    SettingField("flags", f.name, _FLAG_LABELS[f.name][0], "number", _FLAG_LABELS[f.name][1])
    for f in fields(FlagThresholds)
)
_OTHER = (
    SettingField("holds", "expire_days", "Holds expire after (days)", "number", "1–90 days."),
    SettingField("staff", "idle_lock_minutes", "Lock when idle (minutes)", "number", "0 = never."),
)
_SETUP_ONLY = (
    SettingField("store", "branch_code", "Branch code", help="Short, e.g. B01 or NORTH."),
    SettingField("central", "host", "Central server", help="Host name or address."),
    SettingField("central", "port", "Port", "number", "Usually 5432."),
    SettingField("central", "database", "Database", help="Usually posassist."),
    SettingField("central", "user", "User", help="The chain's database user."),
)

FIELDS: dict[str, SettingField] = {
    f.name: f for f in (*_STORE, *_PRINTING, *_FLAGS, *_OTHER, *_SETUP_ONLY)
}
"""Every field a person may edit, by ``section.key``: the one list both screens use."""

# The settings screen's groups (tab title → fields); the set-up takes its own from FIELDS.
SCREEN_FIELDS: dict[str, tuple[SettingField, ...]] = {
    "Store": _STORE,
    "Printing": _PRINTING,
    "Repeat visitors": _FLAGS,
    "Holds and staff": _OTHER,
}


def form_values(settings: Settings, names: list[str] | None = None) -> dict[str, str]:
    """The current values of ``names`` (default: every field) as the form shows them."""
    chosen = names or list(FIELDS)
    return {
        name: str(getattr(getattr(settings, FIELDS[name].section), FIELDS[name].key))
        for name in chosen
    }


def _file_bytes(path: Path, values: Mapping[str, Any]) -> bytes:
    """The file at ``path`` with ``values`` (``section.key`` → typed value) set, its
    other keys and comments kept; written by the caller, atomically, as its commit point."""
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
    except OSError as exc:
        raise InvalidInputError("settings", f"Cannot read {path}: {exc.strerror or exc}.") from exc
    import tomlkit  # only when settings are saved: it is slow to import

    doc = tomlkit.parse(text)
    for name, value in values.items():
        section, key = name.split(".", 1)
        if section not in doc:
            doc[section] = tomlkit.table()
        table: Any = doc[section]
        table[key] = value
    return tomlkit.dumps(doc).encode("utf-8")


@dataclass(frozen=True, slots=True)
class SettingsChange:
    """What saving would do: the new settings, the names changed, and the file to write
    (none when nothing changed). Written with ``audit_trail.committed_with_files``, so
    the file and its ``settings_change`` entries exist together or not at all."""

    settings: Settings
    changed: list[str]
    files: list[tuple[Path, bytes]]


def prepare_settings(path: Path, base: Settings, texts: Mapping[str, str]) -> SettingsChange:
    """Check ``texts`` and make the file with the ones that differ from ``base`` (its
    folder made if missing). InvalidInputError naming the first bad field (after every
    check, so nothing is written unless all are good)."""
    settings, problems = check_values(base, dict(texts))
    raise_first(problems)
    changed: dict[str, Any] = {}
    for name in texts:
        field = FIELDS[name]
        new = getattr(getattr(settings, field.section), field.key)
        if not path.exists() or new != getattr(getattr(base, field.section), field.key):
            changed[name] = new
    if changed:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InvalidInputError(
                "settings", f"Cannot write {path}: {exc.strerror or exc}."
            ) from exc
        return SettingsChange(settings, sorted(changed), [(path, _file_bytes(path, changed))])
    return SettingsChange(settings, [], [])


def raise_first(problems: Problems) -> None:
    """The first problem as an InvalidInputError naming its field."""
    for name, message in problems.items():
        raise InvalidInputError(
            name, f"{FIELDS[name].label if name in FIELDS else name}: {message}"
        )


def audit_changes(s: Session, ctx: StoreContext, changed: list[str]) -> None:
    """One ``settings_change`` entry per section changed (in ``s``, the session whose
    commit writes the file); the keys, never the values."""
    if not changed:
        return
    sections: dict[str, list[str]] = {}
    for name in changed:
        section, key = name.split(".", 1)
        sections.setdefault(section, []).append(key)
    for section, keys in sections.items():
        record(s, ctx, "settings_change", "settings", section, ", ".join(keys)[:200])


@dataclass(frozen=True)
class Saved:
    """What a save wrote: the names changed, and the settings the file holds now."""

    changed: list[str]
    settings: Settings


class SettingsService:
    """The settings screen's use cases: read, check, save (managers only).

    ``on_saved`` hears the new settings after a save (the window hands the printer and
    layout to its print service at once).
    """

    def __init__(
        self,
        ctx: StoreContext,
        path: Path,
        printing: PrintService,
        on_saved: Callable[[Settings], None] | None = None,
    ) -> None:
        self._ctx = ctx
        self.path = path
        self.printing = printing
        self._on_saved = on_saved

    def current(self) -> Settings:
        """The settings as the file says now (without the environment's overrides, which
        the file cannot change); the running ones when there is no file yet."""
        if not self.path.exists():
            return self._ctx.settings
        return load_settings(self._ctx.settings.data_dir, self.path, env={})

    def values(self) -> dict[str, str]:
        return form_values(self.current(), [f.name for fs in SCREEN_FIELDS.values() for f in fs])

    def check(self, texts: Mapping[str, str]) -> Problems:
        """Every problem with ``texts`` at once (no file is read but a logo's)."""
        return check_values(self._ctx.settings, dict(texts))[1]

    def save(self, texts: Mapping[str, str]) -> list[str]:
        """Write and apply (one thread: the CLI, tests); the names changed."""
        saved = self.write(texts)
        self.apply(saved)
        return saved.changed

    def write(self, texts: Mapping[str, str]) -> Saved:
        """Write the changed values (on the worker); the names changed and the settings
        now. PermissionDeniedError for a cashier, InvalidInputError for a bad value,
        nothing written in either case. Nothing applies yet: see :meth:`apply`."""
        access.require(self._ctx, "settings")
        change = prepare_settings(self.path, self.current(), texts)
        with committed_with_files(self._ctx.db, change.files, field="settings") as s:
            audit_changes(s, self._ctx, change.changed)
        return Saved(change.changed, change.settings)

    def apply(self, saved: Saved) -> None:
        """Printer and layout apply at once: on the thread that prints (the window's GUI
        thread, after :meth:`write` answered), never beside a print in progress."""
        self.printing.use(saved.settings.printing)
        if self._on_saved is not None:
            self._on_saved(saved.settings)

    def test_print(self, texts: Mapping[str, str]) -> str:
        """The test slip with the values on screen (saved or not): where it went. Slow
        (the printer): on the worker."""
        settings, problems = check_values(self.current(), dict(texts))
        raise_first(problems)
        return self.printing.print_test_slip(settings.store, settings.printing, self._ctx.today())

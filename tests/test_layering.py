"""The import rules of DESIGN.md, read from the source with ``ast``.

A widget that queries the database, or a domain rule that imports Qt, is a design
bug that no other test catches until it hurts. So is a dev tool the product starts to
depend on, or a command that reaches past the services into the store.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import posassist

PACKAGE = Path(posassist.__file__).parent

# package → top-level names it must never import
FORBIDDEN = {
    "domain": (
        "PySide6",
        "sqlalchemy",
        "alembic",
        "posassist.storage",
        "posassist.services",
        "posassist.ui",
        "posassist.sync",
        "posassist.printing",
        "reportlab",
        "psycopg",
    ),
    "storage": (
        "PySide6",
        "posassist.services",
        "posassist.ui",
        "posassist.sync",
        "posassist.printing",
    ),
    "sync": ("PySide6", "posassist.ui", "posassist.services", "posassist.printing"),
    "printing": ("posassist.ui", "posassist.services", "posassist.storage", "posassist.sync"),
    "importers": ("PySide6", "posassist.ui", "posassist.services", "posassist.sync"),
    "services": ("posassist.ui", "PySide6"),
    "ui": (
        "posassist.storage",
        "posassist.sync",
        "posassist.importers",
        "posassist.printing",
        "posassist.config",
        "sqlalchemy",
        "psycopg",
    ),
}
FORBIDDEN["cli"] = (
    # The CLI goes through the services and the composition root, like the window.
    "posassist.storage",
    "posassist.sync",
    "posassist.ui",
    "posassist.printing",
    "posassist.importers",
    "posassist.devtools",
    "PySide6",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "sqlite3",
)
FORBIDDEN["app"] = ("posassist.devtools",)
# printing/qt_print.py alone may import Qt; services reach Qt only through it.
ALLOWED_QT = {"printing/qt_print.py"}
# The only doors from the product into posassist/devtools: `posassist bench`, and the
# demo store that `posassist --demo` builds.
DEVTOOLS_USERS = {"cli/bench.py": "posassist.devtools", "app/backend.py": "posassist.devtools.demo"}
# The composition root's non-Qt half: the CLI and the tests use it without a display.
QT_FREE = {"app/__init__.py", "app/backend.py"}
# Raw database drivers stay behind the functions of these packages.
DRIVERS = ("sqlite3", "psycopg")
DRIVER_PACKAGES = ("storage", "sync", "devtools")
ROOT_MODULES = {"__init__.py", "__main__.py", "config.py", "errors.py", "secrets.py"}


def _imports(path: Path) -> set[str]:
    """Absolute module names imported by a file, including relative and package-level forms.

    ``from posassist import storage`` counts as ``posassist.storage``; ``from ..storage
    import x`` is resolved against the file's own package.
    """
    return _imports_of(path.read_text(encoding="utf-8"), path.relative_to(PACKAGE))


def _imports_of(source: str, rel: Path) -> set[str]:
    tree = ast.parse(source, filename=str(rel))
    package = ["posassist", *rel.parent.parts]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def _files() -> list[tuple[str, Path]]:
    out = []
    for layer in FORBIDDEN:
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            out.append((layer, path))
    return out


@pytest.mark.parametrize(("layer", "path"), _files(), ids=lambda v: str(v))
def test_layer_imports(layer: str, path: Path) -> None:
    rel = path.relative_to(PACKAGE).as_posix()
    bad = []
    for name in _imports(path):
        for forbidden in FORBIDDEN[layer]:
            if _within(name, forbidden):
                if forbidden == "PySide6" and rel in ALLOWED_QT:
                    continue
                if _within(name, DEVTOOLS_USERS.get(rel, "-")):
                    continue
                bad.append(name)
    if layer == "printing" and rel not in ALLOWED_QT:
        bad += [n for n in _imports(path) if n.startswith("PySide6")]
    assert not bad, f"{rel} imports {sorted(set(bad))}, which layer '{layer}' must not"


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _product_files() -> list[Path]:
    return [
        p for p in sorted(PACKAGE.rglob("*.py")) if p.relative_to(PACKAGE).parts[0] != "devtools"
    ]


def test_the_rule_is_checked_on_real_files() -> None:
    layers = {layer for layer, _ in _files()}
    assert {"domain", "storage", "services", "ui", "cli", "app"} <= layers


def test_nothing_in_the_product_imports_the_dev_tools() -> None:
    """Only ``posassist bench`` and the ``--demo`` store reach into posassist/devtools."""
    bad = {}
    for path in _product_files():
        rel = path.relative_to(PACKAGE).as_posix()
        allowed = DEVTOOLS_USERS.get(rel, "-")
        found = {n for n in _imports(path) if _within(n, "posassist.devtools")}
        if found - {n for n in found if _within(n, allowed)}:
            bad[rel] = sorted(found)
    assert not bad, f"the product imports the dev tools: {bad}"


def test_the_dev_tools_rule_sees_an_import() -> None:
    found = _imports_of("from posassist.devtools.demo import DemoSpec\n", Path("app/gui.py"))
    assert any(_within(n, "posassist.devtools") for n in found)
    assert not _within("posassist.devtoolsx", "posassist.devtools")


@pytest.mark.parametrize("rel", sorted(QT_FREE))
def test_the_backend_half_of_the_composition_root_needs_no_qt(rel: str) -> None:
    found = _imports(PACKAGE / rel)
    bad = sorted(n for n in found if _within(n, "PySide6") or _within(n, "posassist.ui"))
    assert not bad, f"{rel} imports {bad}: the CLI and the tests use it without a display"


def test_raw_database_drivers_stay_in_storage_and_sync() -> None:
    bad = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] in DRIVER_PACKAGES:
            continue
        found = sorted(n for n in _imports(path) for d in DRIVERS if _within(n, d))
        if found:
            bad[rel.as_posix()] = found
    assert not bad, f"raw driver calls outside {DRIVER_PACKAGES}: {bad}"


def test_the_package_root_holds_only_the_shared_modules() -> None:
    """Everything else lives in a layer package (app is the composition root)."""
    assert {p.name for p in PACKAGE.glob("*.py")} == ROOT_MODULES


def test_relative_and_package_imports_are_seen() -> None:
    """The checker itself: the forms a forbidden import could hide behind."""
    source = "from posassist import storage\nfrom ...sync import engine\n"
    found = _imports_of(source, Path("ui/views/probe.py"))
    assert "posassist.storage" in found
    assert "posassist.sync.engine" in found

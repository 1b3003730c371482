"""The import rules of DESIGN.md, read from the source with ``ast``.

A widget that queries the database, or a domain rule that imports Qt, is a design
bug that no other test catches until it hurts.
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
# printing/qt_print.py alone may import Qt; services reach Qt only through it.
ALLOWED_QT = {"printing/qt_print.py"}


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
            if name == forbidden or name.startswith(forbidden + "."):
                if forbidden == "PySide6" and rel in ALLOWED_QT:
                    continue
                bad.append(name)
    if layer == "printing" and rel not in ALLOWED_QT:
        bad += [n for n in _imports(path) if n.startswith("PySide6")]
    assert not bad, f"{rel} imports {sorted(set(bad))}, which layer '{layer}' must not"


def test_the_rule_is_checked_on_real_files() -> None:
    layers = {layer for layer, _ in _files()}
    assert {"domain", "storage", "services", "ui"} <= layers


def test_relative_and_package_imports_are_seen() -> None:
    """The checker itself: the forms a forbidden import could hide behind."""
    source = "from posassist import storage\nfrom ...sync import engine\n"
    found = _imports_of(source, Path("ui/views/probe.py"))
    assert "posassist.storage" in found
    assert "posassist.sync.engine" in found

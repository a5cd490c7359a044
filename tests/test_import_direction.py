"""Data flows one way (ARCHITECTURE.md): page → state → service → models.

Every module of the package is imported (so none is broken or left behind),
and the import statements of every service module are read: a service never
imports the UI layers, and a services package imports only the packages below
it — backoffice → billing → booking → households → accounts → the shared
modules at the top of `cityviz/services/`. Imports made for type checking only
(`if TYPE_CHECKING:`) do not run and are not counted.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import cityviz

ROOT = Path(cityviz.__file__).parent
SERVICES = ROOT / "services"
# Higher packages may import lower ones, never the other way round.
ORDER = ["accounts", "households", "booking", "billing", "backoffice", "operations"]
UI_LAYERS = ("cityviz.state", "cityviz.pages", "cityviz.components", "cityviz.routes", "cityviz.api",
             "cityviz.cityviz", "reflex")


def _modules() -> list[str]:
    return [m.name for m in pkgutil.walk_packages(cityviz.__path__, "cityviz.")
            if not m.name.endswith("__main__")]


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported module) of every import that runs, including those inside functions."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            # `from cityviz.services import billing` imports the package billing.
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _package_of(module: str) -> str | None:
    """The services package of a dotted name, "" for the shared modules, None outside services."""
    parts = module.split(".")
    if parts[:2] != ["cityviz", "services"]:
        return None
    if len(parts) >= 3 and parts[2] in ORDER:
        return parts[2]
    return ""


def _rank(package: str) -> int:
    return -1 if package == "" else ORDER.index(package)


def _service_files() -> list[Path]:
    return sorted(SERVICES.rglob("*.py"))


@pytest.mark.parametrize("module", _modules())
def test_every_module_imports(module):
    importlib.import_module(module)


def test_services_packages_are_the_journey():
    packages = sorted(p.name for p in SERVICES.iterdir() if (p / "__init__.py").exists())
    assert packages == sorted(ORDER)
    for name in ORDER:
        assert ast.get_docstring(ast.parse((SERVICES / name / "__init__.py").read_text())), name


def test_services_never_import_the_ui():
    offenders = []
    for path in _service_files():
        for line, module in _imports(path):
            if any(module == ui or module.startswith(ui + ".") for ui in UI_LAYERS):
                offenders.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert offenders == []


def test_services_packages_import_one_way():
    offenders = []
    for path in _service_files():
        own = _package_of("cityviz." + ".".join(path.relative_to(ROOT).with_suffix("").parts))
        for line, module in _imports(path):
            target = _package_of(module)
            if target is None or target == own:
                continue
            if _rank(target) > _rank(own):
                offenders.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert offenders == []


def test_the_checker_sees_a_backward_import(tmp_path):
    """Negative control: the rule above does flag an upward import."""
    sample = tmp_path / "sample.py"
    sample.write_text("from cityviz.services.billing import invoices\n"
                      "def f():\n    from cityviz.state import base\n"
                      "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import cityviz.pages\n")
    modules = [m for _line, m in _imports(sample)]
    assert "cityviz.services.billing.invoices" in modules and "cityviz.state.base" in modules
    assert "cityviz.pages" not in modules
    assert _rank(_package_of("cityviz.services.billing.invoices")) > _rank(_package_of("cityviz.services.booking"))

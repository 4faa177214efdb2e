"""Rooms and doors: HTTP modules speak HTTP, storage modules speak SQL, and each module stays small."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import people_api

PACKAGE = Path(people_api.__file__).parent
MODULES = sorted(path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py"))
# Modules that answer HTTP requests: they reach the database only through a store.
HTTP_MODULES = [module for module in MODULES if module.startswith("web/") or module in ("users/routes.py",)]
# Modules that speak SQL: no Flask, so they run the same under the CLI, the import and the server.
SQL_MODULES = ["users/store.py", "access/api_keys.py", "storage/tables.py", "storage/fastpath.py"]
LONGEST_MODULE = 300


def _imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            found.add(node.module)
            if node.module == "people_api":
                found.update(f"people_api.{alias.name}" for alias in node.names)
    return found


def _top_level(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


@pytest.mark.parametrize("module", HTTP_MODULES)
def test_http_modules_import_no_sqlalchemy(module: str) -> None:
    """Routes, health and pages reach the database only through the stores."""
    assert "sqlalchemy" not in _top_level(_imported_modules(PACKAGE / module))


@pytest.mark.parametrize("module", SQL_MODULES)
def test_sql_modules_import_no_flask(module: str) -> None:
    """Stores and tables know nothing of HTTP."""
    assert _top_level(_imported_modules(PACKAGE / module)) & {"flask", "werkzeug", "flask_smorest"} == set()


@pytest.mark.parametrize("module", MODULES)
def test_nothing_imports_from_routes(module: str) -> None:
    """Routes are the outermost room: nothing depends on them but the app that registers them."""
    imported = _imported_modules(PACKAGE / module)
    if module != "app.py":
        assert "people_api.users.routes" not in imported


@pytest.mark.parametrize("module", MODULES)
def test_nothing_is_imported_from_the_package_root(module: str) -> None:
    """The package root holds nothing to import, so importing any module never builds the app."""
    imported = _imported_modules(PACKAGE / module)
    assert {name for name in imported if name.startswith("people_api.") and name.count(".") == 1} <= {
        f"people_api.{path.removesuffix('.py').removesuffix('/__init__')}"
        for path in MODULES
        if "/" not in path.removesuffix("/__init__.py")
    }


@pytest.mark.parametrize("module", MODULES)
def test_modules_fit_in_one_reading(module: str) -> None:
    """No module grows past 300 lines: past that it holds more than one job."""
    assert len((PACKAGE / module).read_text().splitlines()) <= LONGEST_MODULE

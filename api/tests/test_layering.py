"""The rooms and doors of DESIGN.md: HTTP modules speak HTTP and leave SQL to the store."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import people_api

PACKAGE = Path(people_api.__file__).parent


def _imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            found.add(node.module)
    return found


@pytest.mark.parametrize("module", ["users/routes.py", "health.py", "pages.py"])
def test_http_modules_import_no_sqlalchemy(module: str) -> None:
    """Routes, health and pages reach the database only through the store, db and idempotency modules."""
    imported = _imported_modules(PACKAGE / module)

    assert {name for name in imported if name.split(".")[0] == "sqlalchemy"} == set()

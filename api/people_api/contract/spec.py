"""The OpenAPI document the code describes, and the committed files that hold it (spec/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from people_api.app import create_app
from people_api.config import Settings
from people_api.web import docs


def document() -> dict[str, Any]:
    """The OpenAPI document the code describes, built without touching any database."""
    app = create_app(Settings(database_url="sqlite://"))
    built: dict[str, Any] = app.extensions["people_api.api"].spec.to_dict()
    return built


def render(openapi: dict[str, Any]) -> dict[str, str]:
    """The committed files, in canonical form so a diff means a change."""
    return {
        "openapi.json": json.dumps(openapi, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
        "openapi.yaml": docs.spec_yaml(openapi),
        "reference.html": docs.reference_html(openapi),
    }


def write(directory: Path) -> list[Path]:
    """Write the files into `directory` (created if missing) and return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    files = render(document())
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return [directory / name for name in files]


def stale(directory: Path) -> list[str]:
    """The names of the files in `directory` that are missing or differ from what the code generates."""
    return [
        name
        for name, text in render(document()).items()
        if not (directory / name).is_file() or (directory / name).read_text(encoding="utf-8") != text
    ]

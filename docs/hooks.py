"""mkdocs hooks: the pages' generated parts, made from the code at every build so they cannot drift.

A page asks for one with a marker line, `<!-- generated: NAME -->`:

- `configuration`: every setting of `people_api.config.Settings`, its environment variable, default and
  meaning (the field's docstring);
- `operations`: every operation of spec/openapi.json, with its statuses.

The committed spec files are copied into the site beside the HTTP API page (reference/).
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import griffe
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec"
MARKER = re.compile(r"^<!-- generated: ([a-z-]+) -->$", re.M)
HTTP_METHODS = ("get", "head", "post", "put", "patch", "delete", "options")
# The spec files the HTTP API page links to, published beside it.
PUBLISHED = ("openapi.json", "openapi.yaml", "reference.html")
# Settings read from a variable that is not PEOPLE_API_<FIELD> (prometheus-client reads it too).
UNPREFIXED = {"metrics_dir": "PROMETHEUS_MULTIPROC_DIR"}


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Publish the committed spec files at reference/ in the site."""
    for name in PUBLISHED:
        files.append(File.generated(config, f"reference/{name}", abs_src_path=str(SPEC / name)))
    return files


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Replace each marker with what it names; an unknown name fails the build."""

    def generate(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in GENERATORS:
            raise PluginError(f"{page.file.src_uri}: no generator named {name!r}")
        return GENERATORS[name]()

    return MARKER.sub(generate, markdown)


def _cell(text: str) -> str:
    """Text as one Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _default(value: object) -> str:
    if value is None or value == ():
        return "unset"
    if isinstance(value, bool):
        return "`yes`" if value else "`no`"
    return f"`{value}`"


def configuration_table() -> str:
    """One row per Settings field, in declaration order, from config.py's code and docstrings."""
    from people_api import config  # only the build imports the package

    source = Path(config.__file__).read_text(encoding="utf-8")
    module = griffe.load("people_api.config", search_paths=[str(ROOT / "api")])
    documented = module["Settings"].members
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for field in dataclasses.fields(config.Settings):
        variable = UNPREFIXED.get(field.name, config.PREFIX + field.name.upper())
        suffix = variable.removeprefix(config.PREFIX)
        # The name must be one config.py reads (as PREFIX + "NAME", a helper's "NAME", or whole).
        if f'"{suffix}"' not in source and f'"{variable}"' not in source:
            raise PluginError(f"config.py does not read {variable} for Settings.{field.name}")
        member = documented.get(field.name)
        if member is None or member.docstring is None:
            raise PluginError(f"Settings.{field.name} in config.py has no docstring for the docs")
        rows.append(f"| `{variable}` | {_default(field.default)} | {_cell(member.docstring.value)} |")
    return "\n".join(rows) + "\n"


def operations_table() -> str:
    """One row per operation of the committed spec: method and path, operationId, summary, statuses."""
    spec: dict[str, Any] = json.loads((SPEC / "openapi.json").read_text(encoding="utf-8"))
    rows = ["| operation | operationId | what it does | statuses |", "|---|---|---|---|"]
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            statuses = ", ".join(sorted(operation["responses"]))
            rows.append(
                f"| `{method.upper()} {path}` | `{operation['operationId']}` "
                f"| {_cell(operation.get('summary', ''))} | {statuses} |"
            )
    return "\n".join(rows) + "\n"


GENERATORS = {"configuration": configuration_table, "operations": operations_table}

"""`people-api spec write|check|compat`: the committed OpenAPI files and the breaking-change guard."""

from __future__ import annotations

import json
from pathlib import Path

import click

from people_api.contract import spec
from people_api.contract.compat import breaking_changes


@click.group("spec")
def spec_group() -> None:
    """The OpenAPI document."""


@spec_group.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default="spec")
def write(directory: Path) -> None:
    """Write openapi.json, openapi.yaml and reference.html (the spec in ReDoc, one file) into DIRECTORY."""
    for path in spec.write(directory):
        click.echo(path)


@spec_group.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default="spec")
def check(directory: Path) -> None:
    """Fail if DIRECTORY does not hold exactly what the code generates."""
    stale = spec.stale(directory)
    if stale:
        raise click.ClickException(
            f"{', '.join(stale)} in {directory} differ from the code; run `nox -s spec -- --write`."
        )
    click.echo(f"{directory} matches the code")


SPEC_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@spec_group.command()
@click.argument("released", type=SPEC_FILE, default="spec/released/openapi.json")
@click.argument("current", type=SPEC_FILE, default="spec/openapi.json")
def compat(released: Path, current: Path) -> None:
    """Fail if CURRENT breaks a client of RELEASED, the last released contract."""
    old, new = (json.loads(path.read_text(encoding="utf-8")) for path in (released, current))
    breaks = breaking_changes(old, new)
    if breaks:
        raise click.ClickException(
            f"{current} has {len(breaks)} breaking change(s) against {released}:\n"
            + "".join(f"  - {line}\n" for line in breaks)
            + "An intended break needs a new major version path (/people/v2), not an edit to v1;"
            " see spec/released/README.md."
        )
    click.echo(f"{current} keeps every promise of {released}")

"""`people-api spec write|check|compat|changes|release`: the committed OpenAPI files, the
breaking-change guard against the last release, and releasing the current spec."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import click

from people_api.contract import releases

# people_api.contract.spec builds the app: imported by the commands that need it, so `--help` stays quick.


@click.group("spec")
def spec_group() -> None:
    """The OpenAPI document and its releases."""


@spec_group.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default="spec")
def write(directory: Path) -> None:
    """Write openapi.json, openapi.yaml and reference.html (the spec in ReDoc, one file) into DIRECTORY."""
    from people_api.contract import spec

    for path in spec.write(directory):
        click.echo(path)


@spec_group.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default="spec")
def check(directory: Path) -> None:
    """Fail if DIRECTORY does not hold exactly what the code generates."""
    from people_api.contract import spec

    stale = spec.stale(directory)
    if stale:
        raise click.ClickException(
            f"{', '.join(stale)} in {directory} differ from the code; run `nox -s spec -- --write`."
        )
    click.echo(f"{directory} matches the code")


SPEC_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def _released(path: Path | None) -> tuple[releases.Version, Path]:
    """The given released spec (its version from info.version) or the newest archived one."""
    if path is None:
        try:
            return releases.newest()
        except FileNotFoundError as error:
            raise click.UsageError(str(error)) from None
    try:
        return releases.parse(str(_load(path)["info"]["version"])), path
    except (KeyError, ValueError) as error:
        raise click.UsageError(f"{path} has no info.version like 1.2.3: {error}") from None


def _next_version(_ctx: click.Context, _param: click.Parameter, value: str | None) -> releases.Version | None:
    try:
        return None if value is None else releases.parse(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


NEXT_OPTION = click.option(
    "--next-version",
    "next_version",
    callback=_next_version,
    metavar="VERSION",
    help="The version about to be released: with a higher major version than RELEASED, breaks are allowed.",
)


def _guard(released: Path, version: releases.Version, current: Path, next_version: Any) -> list[str]:
    """The breaking changes of CURRENT against RELEASED; fails unless `next_version` bumps the major."""
    from people_api.contract.compat import breaking_changes

    breaks = breaking_changes(_load(released), _load(current))
    if breaks and (next_version is None or next_version[0] <= version[0]):
        bump = f"{version[0] + 1}.0.0"
        raise click.ClickException(
            f"{current} has {len(breaks)} breaking change(s) against {released}:\n"
            + "".join(f"  - {line}\n" for line in breaks)
            + "An intended break needs a new major version path (/people/v2), not an edit to v1,"
            f" and a major release ({bump}); see spec/released/README.md."
        )
    return breaks


@spec_group.command()
@click.argument("released", type=SPEC_FILE, required=False)
@click.argument("current", type=SPEC_FILE, default="spec/openapi.json")
@NEXT_OPTION
def compat(released: Path | None, current: Path, next_version: releases.Version | None) -> None:
    """Fail if CURRENT breaks a client of RELEASED [default: the newest release's spec,
    spec/released/<version>/openapi.json]."""
    version, released_path = _released(released)
    if next_version is not None and next_version <= version:
        raise click.UsageError(f"{releases.show(next_version)} is not after {releases.show(version)}")
    breaks = _guard(released_path, version, current, next_version)
    if breaks:
        click.echo(
            f"{current} breaks {len(breaks)} promise(s) of {released_path}, allowed by the major "
            f"release {releases.show(next_version or version)}"
        )
    else:
        click.echo(f"{current} keeps every promise of {released_path}")


@spec_group.command()
@click.argument("released", type=SPEC_FILE, required=False)
@click.argument("current", type=SPEC_FILE, default="spec/openapi.json")
def changes(released: Path | None, current: Path) -> None:
    """Print what changed for clients from RELEASED [default: the newest release] to CURRENT, as
    Keep a Changelog sections."""
    from people_api.contract.changes import api_changes

    _, released_path = _released(released)
    sections = api_changes(_load(released_path), _load(current)).sections()
    for kind, lines in sections.items():
        click.echo(f"### {kind}\n\n" + "".join(f"- {line}\n" for line in lines))
    if not sections:
        click.echo(f"no change a client can notice since {released_path}")


@spec_group.command()
@click.argument("version", callback=_next_version)
@click.option("--spec", "current", type=SPEC_FILE, default="spec/openapi.json", show_default=True)
@click.option(
    "--changelog",
    "changelog_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default="CHANGELOG.md",
    show_default=True,
)
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="The release date [default: today].")
def release(version: releases.Version, current: Path, changelog_path: Path, day: Any) -> None:
    """Release the current spec as VERSION: check it against the last release (a break needs a major
    version), write VERSION's CHANGELOG entry (the Unreleased notes plus the API changes) and archive
    the spec as spec/released/VERSION/openapi.json. Prints the entry."""
    from people_api.contract import changelog
    from people_api.contract.changes import api_changes

    last, released_path = _released(None)
    if version <= last:
        raise click.UsageError(
            f"{releases.show(version)} is not after the last release, {releases.show(last)}"
        )
    document = _load(current)
    stated = document.get("info", {}).get("version")
    if stated != releases.show(version):
        raise click.ClickException(
            f"{current} says version {stated!r}, not {releases.show(version)}:"
            " bump the project's version and regenerate the spec first."
        )
    _guard(released_path, last, current, version)
    try:
        text, entry = changelog.release(
            changelog_path.read_text(encoding="utf-8"),
            releases.show(version),
            day.date() if day else date.today(),
            api_changes(_load(released_path), document),
        )
    except changelog.ChangelogError as error:
        raise click.ClickException(f"{changelog_path}: {error}") from None
    archive = releases.RELEASED / releases.show(version) / releases.SPEC_NAME
    archive.parent.mkdir(parents=True)
    shutil.copyfile(current, archive)
    changelog_path.write_text(text, encoding="utf-8")
    click.echo(entry, nl=False)

"""`people-api config`: the settings in force, where each comes from, secrets masked."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import click

from people_api import config as settings_module


def load() -> settings_module.Settings:
    """The settings from the environment; a bad or unknown variable ends the command with one line."""
    try:
        return settings_module.Settings.from_env()
    except settings_module.SettingsError as error:
        raise click.ClickException(str(error)) from None


@click.command("config")
def config() -> None:
    """Show the settings in force and where each comes from.

    Each PEOPLE_API_* variable (and PROMETHEUS_MULTIPROC_DIR) with its value, passwords masked, and
    `environment` or `default`. A bad value or an unknown PEOPLE_API_* variable is an error, exactly
    as `serve` would report it.
    """
    try:
        rows = in_force()
    except settings_module.SettingsError as error:
        raise click.ClickException(str(error)) from None
    table = [("VARIABLE", "VALUE", "FROM"), *((row.variable.name, row.shown, row.source) for row in rows)]
    widths = [max(len(row[column]) for row in table) for column in range(2)]
    for name, shown, source in table:
        click.echo(f"{name.ljust(widths[0])}  {shown.ljust(widths[1])}  {source}")


@dataclass(frozen=True)
class InForce:
    """One setting as it is in force: its variable, its value as shown (secrets masked), its source."""

    variable: settings_module.Variable
    shown: str
    source: str


def in_force(environ: Mapping[str, str] | None = None) -> list[InForce]:
    """Every setting `Settings.from_env(environ)` gives, and whether its variable or the default set it."""
    env = os.environ if environ is None else environ
    settings = settings_module.Settings.from_env(env)
    rows = []
    for variable in settings_module.VARIABLES:
        value = getattr(settings, variable.field)
        rows.append(
            InForce(variable, _show(variable, value), "environment" if env.get(variable.name) else "default")
        )
    return rows


def _show(variable: settings_module.Variable, value: object) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return ",".join(value) if value else "(none)"
    shown = settings_module.masked(str(value)) if variable.secret else str(value)
    if (
        variable.field == "database_url"
        and shown.startswith("sqlite:///")
        and not shown.startswith("sqlite:////")
    ):
        path = shown.removeprefix("sqlite:///").partition("?")[0]
        if path and path != ":memory:":  # relative to the folder the command runs in: say which file
            shown += f" (the file {Path(path).resolve()})"
    return shown

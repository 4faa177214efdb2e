"""`people-api config`: the settings in force, where each comes from, secrets masked."""

from __future__ import annotations

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
        rows = settings_module.in_force()
    except settings_module.SettingsError as error:
        raise click.ClickException(str(error)) from None
    table = [("VARIABLE", "VALUE", "FROM"), *((row.variable.name, row.shown, row.source) for row in rows)]
    widths = [max(len(row[column]) for row in table) for column in range(2)]
    for name, shown, source in table:
        click.echo(f"{name.ljust(widths[0])}  {shown.ljust(widths[1])}  {source}")

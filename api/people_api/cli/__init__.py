"""The `people-api` command: serve, show the settings, write the spec, migrate the database, import
and export users, manage API keys. Each group lives in a module of its own, imported only when that
command runs (or shows its help): `people-api --help` loads neither Flask nor SQLAlchemy."""

from __future__ import annotations

import importlib

import click

# name -> (module:attribute, the one-line help `people-api --help` lists). A test holds each line
# to the command's own docstring.
COMMANDS = {
    "serve": ("people_api.cli.serve:serve", "Serve the API with granian (a production WSGI server)."),
    "config": ("people_api.cli.settings:config", "Show the settings in force and where each comes from."),
    "db": ("people_api.cli.serve:db_group", "Database schema commands."),
    "spec": ("people_api.cli.spec:spec_group", "The OpenAPI document and its releases."),
    "users": ("people_api.cli.users:users", "Import and export users (JSON Lines or CSV)."),
    "keys": ("people_api.cli.keys:keys_group", "API keys: create, list and revoke."),
}


class LazyGroup(click.Group):
    """A group whose commands are imported when invoked, listed from COMMANDS without importing."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, _, attribute = COMMANDS[cmd_name][0].partition(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, short_help) for name, (_, short_help) in COMMANDS.items()])


@click.group(cls=LazyGroup)
def main() -> None:
    """people-api: a users directory over HTTP."""


def __getattr__(name: str) -> object:
    """`cli.users` and the like still reach a command module, importing it on first use."""
    if name in {"database", "keys", "serve", "settings", "spec", "users"}:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

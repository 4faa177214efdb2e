"""The `people-api` command: serve, write the spec, migrate the database, import and export users,
manage API keys. Each group lives in a module of its own."""

from __future__ import annotations

import click

from people_api.cli import keys, serve, spec, users


@click.group()
def main() -> None:
    """people-api: a users directory over HTTP."""


for command in (serve.serve, serve.db_group, spec.spec_group, users.users, keys.keys_group):
    main.add_command(command)

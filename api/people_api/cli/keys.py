"""`people-api keys create|list|revoke`: API keys, shown once, stored hashed."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime

import click

from people_api.access.api_keys import SCOPES, ApiKey, KeyNotFound, KeyStore
from people_api.cli.database import command_engine


@click.group("keys")
def keys_group() -> None:
    """API keys: create, list and revoke.

    Once the database holds any key (revoked ones included), every /people/v1 request needs one,
    sent as `Authorization: Bearer TOKEN`.
    """


@contextlib.contextmanager
def _key_store() -> Iterator[KeyStore]:
    """The API keys of PEOPLE_API_DATABASE_URL, for one command."""
    with command_engine() as engine:
        yield KeyStore(engine)


def _key_name(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    name = value.strip()
    if not 1 <= len(name) <= 100:
        raise click.BadParameter("must be 1 to 100 characters")
    return name


@keys_group.command("create")
@click.option("--name", required=True, callback=_key_name, help="Who or what the key is for.")
@click.option(
    "--scope",
    "scopes",
    required=True,
    multiple=True,
    type=click.Choice(SCOPES),
    help="What the key may do; repeat for several. users:read is GET, users:write the rest.",
)
def create_key(name: str, scopes: tuple[str, ...]) -> None:
    """Create an API key and print its token: only the token, on stdout.

    The token is shown this once; the database keeps only its hash.

    \b
        TOKEN=$(people-api keys create --name backoffice --scope users:read)
        curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:5001/people/v1/users
    """
    with _key_store() as store:
        key, token = store.create(name, scopes)
    click.echo(
        f"created API key {key.id} ({key.name}) with {' '.join(sorted(key.scopes))}; "
        "its token, on stdout, is shown only this once",
        err=True,
    )
    click.echo(token)


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@keys_group.command("list")
def list_keys() -> None:
    """List every key: id, name, scopes, created, last used (to the minute) and revoked. Never a token."""
    with _key_store() as store:
        found = store.all()
    if not found:
        click.echo("no API keys: the service is open, to loopback clients only (protected mode)", err=True)
        return
    rows = [("ID", "NAME", "SCOPES", "CREATED", "LAST USED", "REVOKED"), *map(_key_row, found)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def _key_row(key: ApiKey) -> tuple[str, str, str, str, str, str]:
    scopes = ",".join(sorted(key.scopes))
    return key.id, key.name, scopes, _when(key.created_at), _when(key.last_used_at), _when(key.revoked_at)


@keys_group.command("revoke")
@click.argument("key_id", metavar="ID")
def revoke_key(key_id: str) -> None:
    """Revoke the key ID for good: its token gets 401 from now on.

    The key stays listed, and the service stays protected even when every key is revoked.
    """
    with _key_store() as store:
        try:
            key = store.revoke(key_id)
        except KeyNotFound:
            raise click.ClickException(f"no API key has id {key_id!r}; see `people-api keys list`.") from None
    click.echo(f"revoked API key {key.id} ({key.name}) at {_when(key.revoked_at)}")
